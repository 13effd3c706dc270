"""The bundled Avro schemas (schemas/*.avsc, shipped in the package as consumer/schemas), parsed once."""

from __future__ import annotations

import dataclasses
import functools
import json
from importlib import resources
from typing import Any

import fastavro
from fastavro.schema import to_parsing_canonical_form

CHANGE = "product_change"
FEEDBACK = "product_feedback"


@dataclasses.dataclass(frozen=True)
class BundledSchema:
    name: str
    text: str  # the .avsc as shipped: what gets registered
    parsed: Any  # fastavro's parsed form, logical types dropped so timestamps stay int milliseconds
    canonical: str  # Avro parsing canonical form: equal forms mean equal binary layouts


def strip_logical_types(node: Any) -> Any:
    """The schema without logicalType annotations: the binary layout is the same, reads give plain ints."""
    if isinstance(node, dict):
        return {k: strip_logical_types(v) for k, v in node.items() if k != "logicalType"}
    if isinstance(node, list):
        return [strip_logical_types(v) for v in node]
    return node


def canonical_form(schema: Any) -> str:
    return str(to_parsing_canonical_form(fastavro.parse_schema(schema)))


@functools.cache
def bundled(name: str) -> BundledSchema:
    text = (resources.files("consumer") / "schemas" / f"{name}.avsc").read_text(encoding="utf-8")
    schema = json.loads(text)
    return BundledSchema(
        name=name,
        text=text,
        parsed=fastavro.parse_schema(strip_logical_types(schema)),
        canonical=canonical_form(schema),
    )
