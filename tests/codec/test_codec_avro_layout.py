"""The hand-written Avro path against fastavro and the shipped .avsc files: same bytes, same events."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import fastavro
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consumer.codec import ChangeEvent, DecodeError, FeedbackEvent, entity_of
from consumer.codec.avro_records import encode_change, encode_feedback
from consumer.codec.records import CHANGE_RECORD
from consumer.codec.schemas import plain_millis

from .strategies import change_events, feedback_events

decode_change = CHANGE_RECORD.decode  # the reader compiled for our own schema

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def _shipped(name: str) -> Any:
    return json.loads((SCHEMAS / f"{name}.avsc").read_text())


CHANGE = fastavro.parse_schema(_shipped("product_change"))
FEEDBACK = fastavro.parse_schema(_shipped("product_feedback"))
# Read back without the timestamp-millis annotation: plain ints, comparable for every long.
CHANGE_READER = fastavro.parse_schema(plain_millis(_shipped("product_change")))
# The layout before `entity`, which schemaless producers not yet upgraded still write.
_PLAIN = plain_millis(_shipped("product_change"))
PREVIOUS_READER = fastavro.parse_schema({**_PLAIN, "fields": [f for f in _PLAIN["fields"]
                                                                if f["name"] != "entity"]})


def _fastavro_bytes(schema: Any, event: ChangeEvent | FeedbackEvent) -> bytes:
    out = io.BytesIO()
    fastavro.schemaless_writer(out, schema, dataclasses.asdict(event))
    return out.getvalue()


def _fastavro_change(data: bytes) -> ChangeEvent | None:
    """What fastavro reads from the whole of ``data`` with the shipped schema, or else with its
    previous layout (at most one of them spans the bytes exactly), or None."""
    for reader in (CHANGE_READER, PREVIOUS_READER):
        fo = io.BytesIO(data)
        try:
            record: Any = fastavro.schemaless_reader(fo, reader)
        except Exception:
            continue
        if fo.tell() != len(data) or not record["identifier"] or not record["event_id"]:
            continue
        record["entity"] = entity_of(record.get("entity", "PRODUCT"), record["values"])
        return ChangeEvent(**record)
    return None


@settings(max_examples=150, deadline=None)
@given(event=change_events)
def test_change_bytes_are_fastavros(event: ChangeEvent) -> None:
    data = encode_change(event)
    assert data == _fastavro_bytes(CHANGE, event)
    assert decode_change(data) == event


@settings(max_examples=150, deadline=None)
@given(event=feedback_events)
def test_feedback_bytes_are_fastavros(event: FeedbackEvent) -> None:
    assert encode_feedback(event) == _fastavro_bytes(FEEDBACK, event)


@st.composite
def damaged_events(draw: st.DrawFn) -> bytes:
    """A valid encoding with one byte changed, inserted or dropped, or cut short: near misses."""
    data = bytearray(encode_change(draw(change_events)))
    at = draw(st.integers(0, len(data) - 1))
    how = draw(st.sampled_from(["change", "insert", "drop", "cut"]))
    if how == "change":
        data[at] = draw(st.integers(0, 255))
    elif how == "insert":
        data.insert(at, draw(st.integers(0, 255)))
    elif how == "drop":
        del data[at]
    else:
        del data[at:]
    return bytes(data)


@settings(max_examples=400, deadline=None)
@given(data=st.one_of(st.binary(max_size=200), damaged_events()))
def test_decoder_reads_what_fastavro_reads(data: bytes) -> None:
    """Whatever we read, fastavro reads the same; we refuse only encodings no Avro writer produces
    (fastavro is laxer there: it takes enum index -1 as the last symbol, and 11-byte numbers)."""
    expected = _fastavro_change(data)
    try:
        got = decode_change(data)
    except DecodeError:
        assert expected is None or _fastavro_bytes(CHANGE, expected) != data
    else:
        assert got == expected


def test_blocks_with_byte_sizes_are_read() -> None:
    """Java's blocking encoders write negative block counts followed by the block's size in bytes."""
    header = encode_change(ChangeEvent("e", 5, "UPSERT", "sku", {}))[:-2]  # without values and entity
    entry = b"\x02a\x02\x02b"  # "a" -> "b"
    data = header + b"\x01" + bytes([len(entry) * 2]) + entry + b"\x02" + b"\x02c\x00" + b"\x00" + b"\x00"
    assert decode_change(data) == ChangeEvent("e", 5, "UPSERT", "sku", {"a": "b", "c": None})


@settings(max_examples=100, deadline=None)
@given(event=change_events)
def test_feedback_echoing_a_decoded_row_has_the_bytes_of_one_written_column_by_column(
    event: ChangeEvent,
) -> None:
    """A decoded row keeps its own encoding, which the feedback copies instead of writing it again."""
    decoded = decode_change(encode_change(event))
    feedback = FeedbackEvent(
        "e", event.identifier, "UPSERT", "CREATED", 201, "t", 0, 0, 0, 0, values=decoded.values
    )
    plain = dataclasses.replace(feedback, values=dict(decoded.values))
    assert encode_feedback(feedback) == encode_feedback(plain) == _fastavro_bytes(FEEDBACK, plain)


def test_feedback_echoing_a_row_read_in_blocks_reads_back_as_that_row() -> None:
    header = encode_change(ChangeEvent("e", 5, "UPSERT", "sku", {}))[:-2]  # without values and entity
    entry = b"\x02a\x02\x02b"  # "a" -> "b", in a block that gives its byte size
    decoded = decode_change(
        header + b"\x01" + bytes([len(entry) * 2]) + entry + b"\x02" + b"\x02c\x00" + b"\x00" + b"\x00"
    )
    feedback = FeedbackEvent("e", "sku", "UPSERT", "CREATED", 201, "t", 0, 0, 0, 0, values=decoded.values)
    record: Any = fastavro.schemaless_reader(io.BytesIO(encode_feedback(feedback)), FEEDBACK)
    assert record["values"] == {"a": "b", "c": None}


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x02e\x0a\x00\x06sku\x02\x02a\x02\x04b", "truncated"),  # a 2-byte value with 1 byte left
        (b"\x02e\x0a\x04\x06sku\x00", "operation"),  # enum index 2 of 2 symbols
        (b"\x02e\x0a\x00\x06sku\x02\x02a\x06\x00", "union"),  # union branch 3
        (b"\x02e\x0a\x00\x06sku\x00\x00\xff", "unexpected bytes"),
        (b"\x02e\x0a\x00\x06sku\x00\x04", "entity has unknown enum index 2"),
        (b"\x02e\x0a\x00\x06sk\xff\x00", "UTF-8"),
        (b"\x02e" + b"\xff" * 11, "more than 10 bytes"),
        (b"\x02e\x0a\x00\x00\x00", "identifier must not be empty"),
        (b"\x0aab", "truncated Avro data in event_id"),
        (b"\x02e\x0a\x00\x0asku", "truncated Avro data in identifier"),
        (b"\x02\xff\x0a\x00\x06sku\x00", "event_id is not valid UTF-8"),
        (b"\x02e\x0a\x00\x06sku\x02\x02a\x02\x04\xc3", "truncated"),  # cut inside a character
        (b"\x02e\x0a\x00\x06sku\x02\x02a\x02\x02\xff\x00", "not valid UTF-8"),
    ],
)
def test_malformed_bodies_say_what_is_wrong(data: bytes, reason: str) -> None:
    with pytest.raises(DecodeError, match=reason):
        decode_change(data)


def test_a_field_cut_short_is_not_reported_as_the_events_id() -> None:
    with pytest.raises(DecodeError) as cut_id:
        decode_change(b"\x0aab")  # event_id of 5 bytes, 2 left
    assert (cut_id.value.event_id, cut_id.value.identifier) == (None, None)
    with pytest.raises(DecodeError) as cut_sku:
        decode_change(b"\x02e\x0a\x00\x0asku")
    assert (cut_sku.value.event_id, cut_sku.value.identifier) == ("e", None)
