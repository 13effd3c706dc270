"""The shipped schemas: the contract's fields, documented, namespaced, evolvable, and inside the package."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
CONTRACT_FIELDS = {
    "product_change": ["event_id", "occurred_at", "operation", "entity", "identifier", "values"],
    "product_feedback": [
        "event_id", "identifier", "operation", "entity", "status", "status_code", "message", "errors",
        "topic", "partition", "offset", "occurred_at", "processed_at", "attempts", "dry_run",
    ],
}  # fmt: skip


def _load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMAS / f"{name}.avsc").read_text())
    return loaded


def _fields(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in schema["fields"]}


@pytest.mark.parametrize("name", CONTRACT_FIELDS)
def test_schemas_carry_the_contract_fields_with_docs(name: str) -> None:
    schema = _load(name)
    assert schema["namespace"] == "com.akeneo_consumer"
    assert schema["doc"]
    fields = _fields(schema)
    assert set(CONTRACT_FIELDS[name]) <= set(fields)
    assert all(f.get("doc") for f in fields.values()), "every field is documented"
    for timestamp in ("occurred_at", "processed_at"):
        if timestamp in fields:
            assert fields[timestamp]["type"] == {"type": "long", "logicalType": "timestamp-millis"}


@pytest.mark.parametrize("name", CONTRACT_FIELDS)
def test_packaged_copy_is_the_repository_file(name: str) -> None:
    packaged = resources.files("consumer") / "schemas" / f"{name}.avsc"
    assert packaged.read_text(encoding="utf-8") == (SCHEMAS / f"{name}.avsc").read_text(encoding="utf-8")


def test_change_event_shape() -> None:
    fields = _fields(_load("product_change"))
    operation = fields["operation"]
    assert operation["type"]["symbols"] == ["UPSERT", "DELETE"]
    assert operation["type"]["default"] == operation["default"] == "UPSERT"  # new symbols read as UPSERT
    assert fields["values"]["type"] == {"type": "map", "values": ["null", "string"]}
    assert fields["values"]["default"] == {}
    assert "default" not in fields["identifier"] and "default" not in fields["event_id"]


@pytest.mark.parametrize("name", CONTRACT_FIELDS)
def test_entity_is_last_with_a_default_so_both_schemas_evolve(name: str) -> None:
    """Last: schemaless bytes of the previous layout end where it starts (test_codec_evolution.py)."""
    schema = _load(name)
    entity = schema["fields"][-1]
    assert entity["name"] == "entity"
    assert entity["type"]["symbols"] == ["PRODUCT", "PRODUCT_MODEL"]
    assert entity["type"]["default"] == entity["default"] == "PRODUCT"  # new symbols read as PRODUCT


def test_feedback_event_shape() -> None:
    fields = _fields(_load("product_feedback"))
    status = fields["status"]["type"]
    assert status["symbols"] == ["CREATED", "UPDATED", "DELETED", "REJECTED", "FAILED", "SKIPPED"]
    assert status["default"] == "FAILED"  # an unknown newer status never reads as a success
    error_fields = [f["name"] for f in fields["errors"]["type"]["items"]["fields"]]
    assert error_fields == ["property", "attribute", "locale", "scope", "message"]
    assert fields["message"]["type"] == ["null", "string"]
    defaults = {name: f["default"] for name, f in fields.items() if "default" in f}
    assert defaults == {
        "operation": "UPSERT", "status_code": 0, "message": None, "errors": [],
        "attempts": 0, "dry_run": False, "values": {}, "entity": "PRODUCT",
    }  # fmt: skip
