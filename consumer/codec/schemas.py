"""The bundled Avro schemas (schemas/*.avsc, shipped in the package as consumer/schemas), parsed once."""

from __future__ import annotations

import dataclasses
import functools
import json
from importlib import resources
from typing import Any

import fastavro

CHANGE = "product_change"
FEEDBACK = "product_feedback"


@dataclasses.dataclass(frozen=True)
class BundledSchema:
    name: str
    text: str  # the .avsc as shipped: what gets registered
    parsed: Any  # fastavro's parsed form, timestamps as int milliseconds (plain_millis)
    previous: Any  # the layout before the last field was added (``entity``), parsed the same way



_MILLIS = ("timestamp-millis", "local-timestamp-millis")
# The field both schemas gained last, at their end: schemaless bytes written before it existed end
# where it would start, and are read with ``previous`` (records.RecordKind.decode).
ADDED_LAST = "entity"


def plain_millis(node: Any) -> Any:
    """The schema without timestamp-millis annotations: same bytes, but reads give the int milliseconds
    the events carry, for any long (fastavro's datetimes overflow outside years 1-9999)."""
    if isinstance(node, dict):
        return {k: plain_millis(v) for k, v in node.items() if not (k == "logicalType" and v in _MILLIS)}
    if isinstance(node, list):
        return [plain_millis(v) for v in node]
    return node


@functools.cache
def bundled(name: str) -> BundledSchema:
    text = (resources.files("consumer") / "schemas" / f"{name}.avsc").read_text(encoding="utf-8")
    schema = json.loads(text)
    previous = {**schema, "fields": [f for f in schema["fields"] if f["name"] != ADDED_LAST]}
    return BundledSchema(
        name=name,
        text=text,
        parsed=fastavro.parse_schema(plain_millis(schema)),
        previous=fastavro.parse_schema(plain_millis(previous)),
    )
