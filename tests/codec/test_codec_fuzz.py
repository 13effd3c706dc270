"""Whatever the bytes, decoding gives an event or a DecodeError: never another exception, never a hang."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consumer.codec import ChangeEvent, Codec, DecodeError, FeedbackEvent, make_codec
from consumer.devstack.schema_registry import SchemaRegistryStandIn

from .conftest import RESULTS, TOPIC

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EVOLVED = json.loads((Path(__file__).resolve().parents[2] / "schemas" / "product_change.avsc").read_text())
EVOLVED["fields"].append({"name": "source", "type": ["null", "string"], "default": None})


@pytest.fixture(scope="module")
def headers(confluent: Codec, registry: SchemaRegistryStandIn) -> list[bytes]:
    """Wire-format headers of known schemas (ours and an evolved one), so bodies reach the Avro readers."""
    ours = confluent.encode_change(ChangeEvent("e", 1, "UPSERT", "s", {}), TOPIC)[:5]
    evolved = registry.register("fuzz-evolved-value", json.dumps(EVOLVED))
    return [ours, b"\x00" + evolved.to_bytes(4, "big")]


def _decodes_or_refuses(codec: Codec, data: bytes) -> None:
    try:
        event = codec.decode_change(data, TOPIC, key=b"sku")
    except DecodeError as exc:
        assert exc.reason and "\n" not in exc.reason
    else:
        assert isinstance(event, ChangeEvent) and event.identifier
    try:
        feedback = codec.decode_feedback(data, RESULTS)
    except DecodeError:
        pass
    else:
        assert isinstance(feedback, FeedbackEvent)


@FUZZ
@given(data=st.binary(max_size=300))
def test_random_bytes_only_ever_raise_decode_error(codec: Codec, data: bytes) -> None:
    _decodes_or_refuses(codec, data)


@FUZZ
@given(header=st.sampled_from([0, 1]), body=st.binary(max_size=300))
def test_random_bodies_behind_a_known_schema_id(
    confluent: Codec, headers: list[bytes], header: int, body: bytes
) -> None:
    _decodes_or_refuses(confluent, headers[header] + body)


@FUZZ
@given(
    document=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=6),
        max_leaves=20,
    ),
    fields=st.fixed_dictionaries(
        {},
        optional={
            "event_id": st.text(max_size=5) | st.integers(),
            "identifier": st.text(max_size=5) | st.none(),
            "occurred_at": st.integers() | st.text(max_size=30),
            "values": st.dictionaries(st.text(max_size=5), st.text(max_size=5) | st.none() | st.integers()),
        },
    ),
)
def test_any_json_document_only_ever_raises_decode_error(document: object, fields: dict[str, object]) -> None:
    codec = make_codec("json")
    for candidate in (document, {**fields, "extra": document}):
        _decodes_or_refuses(codec, json.dumps(candidate).encode())
