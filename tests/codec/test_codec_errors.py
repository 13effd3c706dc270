"""Undecodable input: one DecodeError with a short reason, the identifier whenever it can be read."""

from __future__ import annotations

import pytest

from consumer.codec import ChangeEvent, Codec, DecodeError, EncodeError, FeedbackEvent, make_codec
from consumer.errors import ConfigError

from .conftest import TOPIC

EVENT = ChangeEvent("e-1", 1_700_000_000_000, "UPSERT", "sku-1", {"name": "Cap", "color": None})
JSON = make_codec("json")
AVRO = make_codec("avro")


def _reason(codec: Codec, value: bytes | None, key: bytes | None = None) -> DecodeError:
    with pytest.raises(DecodeError) as caught:
        codec.decode_change(value, TOPIC, key)
    return caught.value


@pytest.mark.parametrize("value", [b"", None], ids=["empty", "tombstone"])
def test_no_value_is_undecodable_in_every_format(codec: Codec, value: bytes | None) -> None:
    assert _reason(codec, value, b"sku-9").identifier == "sku-9"


def test_truncated_body_in_every_format(codec: Codec) -> None:
    data = codec.encode_change(EVENT, TOPIC)
    # Not the last byte: Avro without its last field (entity) is the schema's previous layout, which
    # schemaless producers not yet upgraded write (test_codec_evolution.py).
    for cut in (len(data) - 2, len(data) // 2, 6):
        err = _reason(codec, data[:cut])
        assert err.reason


def test_wrong_magic_byte(confluent: Codec) -> None:
    data = confluent.encode_change(EVENT, TOPIC)
    err = _reason(confluent, b"\x01" + data[1:])
    assert err.reason == "wrong magic byte 1 (the Confluent wire format starts with 0)"


def test_too_short_for_the_wire_format(confluent: Codec) -> None:
    assert "too short" in _reason(confluent, b"\x00\x00\x01").reason


def test_unknown_schema_id(confluent: Codec) -> None:
    body = AVRO.encode_change(EVENT, TOPIC)
    err = _reason(confluent, b"\x00" + (987654).to_bytes(4, "big") + body, key=b"sku-1")
    assert err.reason == "schema id 987654 is unknown to the registry"
    assert err.identifier == "sku-1"  # from the key: the value could not be read at all


def test_schemaless_avro_with_a_registry_header_is_refused() -> None:
    """A Confluent-framed message read as schemaless Avro: the 5 extra bytes make it unreadable."""
    confluent_like = b"\x00\x00\x00\x00\x01" + AVRO.encode_change(EVENT, TOPIC)
    assert _reason(AVRO, confluent_like).reason


def test_avro_error_after_the_identifier_names_the_product() -> None:
    data = AVRO.encode_change(EVENT, TOPIC)
    err = _reason(AVRO, data + b"\x00", key=b"other-key")
    assert (err.identifier, err.event_id) == ("sku-1", "e-1")
    assert err.reason == "1 unexpected bytes after the Avro record"


def test_not_json() -> None:
    assert _reason(JSON, b"{not json").reason.startswith("not JSON: ")


@pytest.mark.parametrize(
    ("document", "reason", "identifier"),
    [
        (b'{"event_id": "e", "occurred_at": 1, "values": {}}', "identifier is missing", None),
        (b'{"event_id": "e", "identifier": 4}', "identifier must be a string, got number", None),
        (b'{"event_id": "e", "occurred_at": 1, "identifier": ""}', "identifier must not be empty", None),
        (b'{"occurred_at": 1, "identifier": "sku"}', "event_id is missing", "sku"),
        (b'{"event_id": "e", "identifier": "sku"}', "occurred_at is missing", "sku"),
        (
            b'{"event_id": "e", "occurred_at": "yesterday", "identifier": "sku"}',
            "occurred_at is not an ISO-8601 time: 'yesterday'",
            "sku",
        ),
        (
            b'{"event_id": "e", "occurred_at": 1.5, "identifier": "sku"}',
            "occurred_at must be an integer, got number",
            "sku",
        ),
        (
            b'{"event_id": "e", "occurred_at": 1, "identifier": "sku", "operation": "MERGE"}',
            "operation must be one of UPSERT, DELETE, got 'MERGE'",
            "sku",
        ),
        (
            b'{"event_id": "e", "occurred_at": 1, "identifier": "sku", "values": {"weight": 3.5}}',
            "values.weight must be a string or null, got number",
            "sku",
        ),
        (  # a column name that would break the one-line reason is quoted
            b'{"event_id": "e", "occurred_at": 1, "identifier": "sku", "values": {"a\\nb": 1}}',
            'values["a\\nb"] must be a string or null, got number',
            "sku",
        ),
        (
            b'{"event_id": "e", "occurred_at": 1, "identifier": "sku", "values": ["a"]}',
            "values must be an object of strings, got array",
            "sku",
        ),
        (b'["sku"]', "the event must be an object, got array", None),
    ],
)
def test_json_errors_name_the_field(document: bytes, reason: str, identifier: str | None) -> None:
    err = _reason(JSON, document)
    assert (err.reason, err.identifier) == (reason, identifier)


def test_key_stands_in_only_when_the_value_has_no_identifier() -> None:
    missing = b'{"event_id": "e", "occurred_at": 1}'
    assert _reason(JSON, missing, key="sku-ü".encode()).identifier == "sku-ü"
    assert _reason(JSON, missing, key=b"\xff\xfe").identifier is None  # not UTF-8: no identifier


def test_value_identifier_wins_over_a_disagreeing_key(codec: Codec) -> None:
    data = codec.encode_change(EVENT, TOPIC)
    assert codec.decode_change(data, TOPIC, key=b"another-sku").identifier == "sku-1"


def test_json_is_forgiving_where_the_contract_has_defaults() -> None:
    event = JSON.decode_change(
        b'{"event_id": "e", "occurred_at": "2024-03-01T12:00:00.250+01:00", "identifier": "sku",'
        b' "operation": "delete", "extra": {"ignored": true}}',
        TOPIC,
    )
    assert event == ChangeEvent("e", 1_709_290_800_250, "DELETE", "sku", {})
    naive = b'{"event_id": "e", "occurred_at": "1970-01-01T00:00:01", "identifier": "s"}'
    naive_is_utc = JSON.decode_change(naive, TOPIC)
    assert (naive_is_utc.occurred_at, naive_is_utc.operation) == (1000, "UPSERT")


def test_feedback_errors_name_the_field() -> None:
    with pytest.raises(DecodeError, match=r"^status must be one of CREATED, .*, got 'DONE'$"):
        JSON.decode_feedback(
            b'{"event_id": "e", "identifier": "s", "status": "DONE", "topic": "t", "partition": 0,'
            b' "offset": 1, "occurred_at": 1, "processed_at": 2}',
            TOPIC,
        )


def test_values_avro_cannot_carry_raise_encode_error() -> None:
    event = ChangeEvent("e", 1, "UPSERT", "sku", {"weight": 3.5})  # type: ignore[dict-item]
    with pytest.raises(EncodeError, match="sku"):
        AVRO.encode_change(event, TOPIC)


def test_values_json_cannot_carry_raise_encode_error() -> None:
    event = ChangeEvent("e", 1, "UPSERT", "sku", {"when": object()})  # type: ignore[dict-item]
    with pytest.raises(EncodeError, match="sku"):
        JSON.encode_change(event, TOPIC)


def test_unknown_status_cannot_be_encoded() -> None:
    feedback = FeedbackEvent("e", "sku", "UPSERT", "DONE", 0, TOPIC, 0, 0, 0, 0)
    with pytest.raises(EncodeError, match="sku"):
        AVRO.encode_feedback(feedback, TOPIC)


def test_confluent_without_registry_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="SCHEMA_REGISTRY_URL"):
        make_codec("confluent-avro", None)
