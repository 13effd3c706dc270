"""Reading Akeneo's Swagger 2.0 description (data/akeneo/akeneo-web-api.json) to check answers.

Swagger 2.0 schemas are JSON Schema draft 4 plus ``x-`` keys, read here with two rules that the spec's
own examples require (``test_spec_examples_validate_under_our_reading`` proves they are needed and
sufficient):

1. null is allowed wherever a type is given: Swagger 2.0 cannot say "nullable", yet Akeneo's examples
   answer ``"scope": null`` in the token, and ``locale``, ``scope``, ``family``, ``parent`` null in products;
2. the ``data`` of a product value (the property next to ``locale`` and ``scope``) is any JSON: the spec
   types it ``object`` while its examples, and Akeneo, answer strings, numbers, booleans and lists.

And one for answers that are not a single JSON document: a plain JSON array (measurement families) or
NDJSON (collection PATCH) is checked item by item against the schema, which describes one item.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema

# Places where the spec contradicts its own examples; an error that mentions one is the spec's, not ours.
KNOWN_SPEC_FLAWS = {
    "'pim_catalog_table' is not one of": "the attribute type enum lacks the type its 7.0 example uses",
    "quality_scores": "quality_scores is typed object, its example is a list",
}

SPEC_PATH = Path(__file__).resolve().parents[2] / "data" / "akeneo" / "akeneo-web-api.json"


@functools.cache
def spec() -> dict[str, Any]:
    """The spec, parsed once per test session (the file is 1 MB)."""
    with SPEC_PATH.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = json.load(handle)
    return loaded


def operation(method: str, template: str) -> dict[str, Any]:
    op: dict[str, Any] = spec()["paths"][template][method.lower()]
    return op


def documented_statuses(method: str, template: str) -> set[int]:
    return {int(code) for code in operation(method, template)["responses"]}


def _deref(node: Any, seen: tuple[str, ...] = ()) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/") and ref not in seen:
            target: Any = spec()
            for part in ref[2:].split("/"):
                target = target[part]
            return _deref(target, (*seen, ref))
        return {key: _deref(value, seen) for key, value in node.items()}
    if isinstance(node, list):
        return [_deref(item, seen) for item in node]
    return node


def akeneo_reading(schema: Any) -> Any:
    """``schema`` with the two reading rules of the module docstring applied."""
    if isinstance(schema, list):
        return [akeneo_reading(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: akeneo_reading(value) for key, value in schema.items()}
    if isinstance(out.get("type"), str) and out["type"] != "null":
        out["type"] = [out["type"], "null"]
    properties = out.get("properties")
    if isinstance(properties, dict) and {"locale", "scope", "data"} <= properties.keys():
        properties["data"] = {k: v for k, v in properties["data"].items() if k != "type"}
    return out


def response_schema(response: dict[str, Any], strict: bool = False) -> dict[str, Any] | None:
    schema = response.get("schema")
    if schema is None:
        return None
    resolved = _deref(schema)
    result: dict[str, Any] = resolved if strict else akeneo_reading(resolved)
    return result


def schema_errors(schema: dict[str, Any], document: Any) -> list[str]:
    validator = jsonschema.Draft4Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def unexplained(errors: list[str]) -> list[str]:
    """The errors that no known flaw of the spec explains."""
    return [e for e in errors if not any(marker in e for marker in KNOWN_SPEC_FLAWS)]


def documents(body: Any) -> Iterator[Any]:
    """The documents a schema describes: each item of a plain array, else the body itself."""
    if isinstance(body, list):
        yield from body
    else:
        yield body


def examples(response: dict[str, Any]) -> Iterator[Any]:
    """Every example body the spec gives for one response, decoded."""
    if isinstance(response.get("examples"), dict):
        example = response["examples"]
        if all(key.startswith("x-example") for key in example):
            yield from (json.loads(line) for line in example.values())  # NDJSON lines
        else:
            yield example
    if "x-examples" in response:
        yield response["x-examples"]
    for versioned in response.get("x-examples-per-version", ()):
        yield versioned["x-example"]
