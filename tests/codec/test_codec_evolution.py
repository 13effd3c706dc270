"""The Confluent wire format against a registry: writer schemas other than ours resolve to our shape."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import fastavro
import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient

from consumer.codec import ChangeEvent, Codec, DecodeError, FeedbackEvent, RegistryError, make_codec
from consumer.codec.confluent_codec import ConfluentAvroCodec
from consumer.codec.registry import Registry
from consumer.devstack.schema_registry import SchemaRegistryStandIn

from .conftest import TOPIC

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
OURS = json.loads((SCHEMAS / "product_change.avsc").read_text())
FEEDBACK_SCHEMA = json.loads((SCHEMAS / "product_feedback.avsc").read_text())


def _fields(schema: dict[str, Any], drop: tuple[str, ...] = (), **replace: Any) -> dict[str, Any]:
    out = copy.deepcopy(schema)
    out["fields"] = [replace.get(f["name"], f) for f in out["fields"] if f["name"] not in drop]
    return out


def _message(registry: SchemaRegistryStandIn, writer: dict[str, Any], record: dict[str, Any]) -> bytes:
    schema_id = registry.register(f"writer-{len(registry.requests)}-{id(writer)}", json.dumps(writer))
    body = io.BytesIO()
    fastavro.schemaless_writer(body, fastavro.parse_schema(writer), record)
    return b"\x00" + schema_id.to_bytes(4, "big") + body.getvalue()


RECORD = {"event_id": "e-1", "occurred_at": 1_700_000_000_000, "identifier": "sku-1"}
NEW_OPERATIONS = {
    "type": "enum",
    "name": "Operation",
    "symbols": ["UPSERT", "DELETE", "ARCHIVE"],
    "default": "UPSERT",
}

COMPATIBLE = {
    "older: no operation, no values": (
        _fields(OURS, drop=("operation", "values")),
        RECORD,
        ChangeEvent("e-1", 1_700_000_000_000, "UPSERT", "sku-1", {}),
    ),
    "newer: extra field, new operation symbol, other namespace": (
        {
            **_fields(OURS, operation={"name": "operation", "type": NEW_OPERATIONS}),
            "namespace": "com.example.upstream",
            "fields": _fields(OURS, operation={"name": "operation", "type": NEW_OPERATIONS})["fields"]
            + [{"name": "source", "type": "string", "default": "erp"}],
        },
        {**RECORD, "operation": "ARCHIVE", "values": {"name": "Cap"}, "source": "feed"},
        ChangeEvent("e-1", 1_700_000_000_000, "UPSERT", "sku-1", {"name": "Cap"}),
    ),
    "values that are never null": (
        _fields(OURS, values={"name": "values", "type": {"type": "map", "values": "string"}}),
        {**RECORD, "operation": "DELETE", "values": {"a": "b"}},
        ChangeEvent("e-1", 1_700_000_000_000, "DELETE", "sku-1", {"a": "b"}),
    ),
    "fields reordered, time as int": (
        {
            **OURS,
            "fields": [
                {"name": "identifier", "type": "string"},
                {"name": "values", "type": {"type": "map", "values": ["string", "null"]}},
                {"name": "occurred_at", "type": "int"},
                {"name": "event_id", "type": "string"},
            ],
        },
        {**RECORD, "occurred_at": 86_400_000, "values": {"c": None}},
        ChangeEvent("e-1", 86_400_000, "UPSERT", "sku-1", {"c": None}),
    ),
    "same layout, other docs": (
        {**OURS, "doc": "the upstream team's copy"},
        {**RECORD, "operation": "UPSERT", "values": {"x": "y"}},
        ChangeEvent("e-1", 1_700_000_000_000, "UPSERT", "sku-1", {"x": "y"}),
    ),
}


@pytest.mark.parametrize(("writer", "record", "expected"), COMPATIBLE.values(), ids=COMPATIBLE.keys())
def test_compatible_writers_decode_into_our_shape(
    confluent: Codec,
    registry: SchemaRegistryStandIn,
    writer: dict[str, Any],
    record: dict[str, Any],
    expected: ChangeEvent,
) -> None:
    assert confluent.decode_change(_message(registry, writer, record), TOPIC) == expected


INCOMPATIBLE = {
    "identifier is a number": (
        _fields(OURS, identifier={"name": "identifier", "type": "long"}),
        {**RECORD, "identifier": 7, "operation": "UPSERT", "values": {}},
        "does not resolve",
    ),
    "no identifier": (
        _fields(OURS, drop=("identifier",)),
        {"event_id": "e-1", "occurred_at": 1, "operation": "UPSERT", "values": {}},
        "does not resolve",
    ),
    "another record": (
        {**OURS, "name": "Order"},
        {**RECORD, "operation": "UPSERT", "values": {}},
        "does not resolve",
    ),
    "values as a list": (
        _fields(OURS, values={"name": "values", "type": {"type": "array", "items": "string"}}),
        {**RECORD, "operation": "UPSERT", "values": ["a"]},
        "does not resolve",
    ),
}


@pytest.mark.parametrize(("writer", "record", "reason"), INCOMPATIBLE.values(), ids=INCOMPATIBLE.keys())
def test_incompatible_writers_are_undecodable(
    confluent: Codec,
    registry: SchemaRegistryStandIn,
    writer: dict[str, Any],
    record: dict[str, Any],
    reason: str,
) -> None:
    with pytest.raises(DecodeError, match=reason):
        confluent.decode_change(_message(registry, writer, record), TOPIC, key=b"sku-1")


def test_a_schema_that_is_not_avro_is_undecodable(confluent: Codec, registry: SchemaRegistryStandIn) -> None:
    schema_id = registry.register(
        "proto-value", 'syntax = "proto3"; message P { string id = 1; }', "PROTOBUF"
    )
    with pytest.raises(DecodeError, match=f"schema id {schema_id} is a PROTOBUF schema, not Avro"):
        confluent.decode_change(b"\x00" + schema_id.to_bytes(4, "big") + b"\x02\x00", TOPIC)


def test_older_feedback_writers_decode_with_defaults(
    confluent: Codec, registry: SchemaRegistryStandIn
) -> None:
    older = _fields(FEEDBACK_SCHEMA, drop=("values", "dry_run", "attempts", "errors", "message"))
    record = {
        "event_id": "e",
        "identifier": "sku",
        "operation": "DELETE",
        "status": "DELETED",
        "status_code": 204,
        "topic": TOPIC,
        "partition": 1,
        "offset": 9,
        "occurred_at": 5,
        "processed_at": 6,
    }
    assert confluent.decode_feedback(_message(registry, older, record), "fb") == FeedbackEvent(
        "e", "sku", "DELETE", "DELETED", 204, TOPIC, 1, 9, 5, 6
    )


def test_prepare_registers_the_feedback_schema_under_the_results_subject(
    registry: SchemaRegistryStandIn,
) -> None:
    codec = make_codec("confluent-avro", registry.url, "shop-feedback")
    codec.prepare()
    codec.prepare()  # idempotent: one registration
    latest = SchemaRegistryClient({"url": registry.url}).get_latest_version("shop-feedback-value")
    assert json.loads(str(latest.schema.schema_str)) == FEEDBACK_SCHEMA
    assert registry.requests.count(("POST", "/subjects/shop-feedback-value/versions")) == 1
    feedback = FeedbackEvent("e", "sku", "UPSERT", "CREATED", 201, TOPIC, 0, 0, 1, 2)
    framed = codec.encode_feedback(feedback, "shop-feedback")
    assert int.from_bytes(framed[1:5], "big") == latest.schema_id
    codec.close()


def test_first_encode_registers_lazily(registry: SchemaRegistryStandIn) -> None:
    codec = make_codec("confluent-avro", registry.url, "")
    codec.prepare()  # no results topic: nothing to register
    assert "lazy-fb-value" not in SchemaRegistryClient({"url": registry.url}).get_subjects()
    codec.encode_feedback(FeedbackEvent("e", "sku", "UPSERT", "CREATED", 201, TOPIC, 0, 0, 1, 2), "lazy-fb")
    assert "lazy-fb-value" in SchemaRegistryClient({"url": registry.url}).get_subjects()
    codec.close()


def test_each_writer_schema_is_fetched_once(registry: SchemaRegistryStandIn) -> None:
    codec = make_codec("confluent-avro", registry.url, "")
    writer, record, expected = COMPATIBLE["older: no operation, no values"]
    message = _message(registry, writer, record)
    unknown = b"\x00" + (55555).to_bytes(4, "big") + b"\x02"
    before = len(registry.requests)
    for _ in range(50):
        assert codec.decode_change(message, TOPIC) == expected
        with pytest.raises(DecodeError):
            codec.decode_change(unknown, TOPIC)
    fetched = [path for _, path in registry.requests[before:]]
    assert fetched.count(f"/schemas/ids/{int.from_bytes(message[1:5], 'big')}") == 1
    assert fetched.count("/schemas/ids/55555") == 1
    codec.close()


def test_an_unreachable_registry_is_a_registry_error_not_a_decode_error() -> None:
    with SchemaRegistryStandIn() as gone:
        port = gone.url.rsplit(":", 1)[1]
    client = SchemaRegistryClient({"url": f"http://user:s3cret@127.0.0.1:{port}", "max.retries": 0})
    codec = ConfluentAvroCodec(Registry(client), "feedback")
    with pytest.raises(RegistryError) as caught:
        codec.decode_change(b"\x00\x00\x00\x00\x01\x02", TOPIC)
    assert "fetching schema id 1 failed" in str(caught.value)
    with pytest.raises(RegistryError, match="feedback-value") as caught:
        codec.prepare()
    assert "s3cret" not in str(caught.value)
    codec.close()
