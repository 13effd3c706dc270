"""Readers compiled for evolved writer schemas read exactly what Avro resolution (fastavro) reads."""

from __future__ import annotations

import io
import itertools
import json
from pathlib import Path
from typing import Any

import fastavro
from fastavro.utils import generate_many
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consumer.codec import ChangeEvent, DecodeError
from consumer.codec.avro_plan import compile_change_reader
from consumer.codec.avro_reading import read_record
from consumer.codec.fields import change_from_dict
from consumer.codec.records import CHANGE_RECORD
from consumer.codec.schemas import plain_millis

OURS = json.loads((Path(__file__).resolve().parents[2] / "schemas" / "product_change.avsc").read_text())
PRIMITIVES = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]


@st.composite
def avro_types(draw: st.DrawFn, names: itertools.count[int], depth: int = 0) -> Any:
    """Any Avro type (named types get fresh names), nested at most two deep."""
    kinds = PRIMITIVES + (["enum", "fixed", "array", "map", "record", "union"] if depth < 2 else [])
    kind = draw(st.sampled_from(kinds))
    if kind in PRIMITIVES:
        return kind
    if kind == "enum":
        return {
            "type": "enum",
            "name": f"E{next(names)}",
            "symbols": [f"S{i}" for i in range(draw(st.integers(1, 3)))],
        }
    if kind == "fixed":
        return {"type": "fixed", "name": f"F{next(names)}", "size": draw(st.integers(0, 4))}
    inner = draw(avro_types(names, depth + 1))
    if kind == "array":
        return {"type": "array", "items": inner}
    if kind == "map":
        return {"type": "map", "values": inner}
    if kind == "union":
        return ["null", inner] if inner != "null" and not isinstance(inner, list) else ["null", "string"]
    fields = [
        {"name": f"f{i}", "type": draw(avro_types(names, depth + 1))} for i in range(draw(st.integers(1, 3)))
    ]
    return {"type": "record", "name": f"R{next(names)}", "fields": fields}


@st.composite
def evolved_writers(draw: st.DrawFn) -> dict[str, Any]:
    """Our record as an upstream might evolve it: fields added, dropped (if optional), reordered."""
    names = itertools.count()
    occurred = draw(st.sampled_from(["long", "int", {"type": "long", "logicalType": "timestamp-millis"}]))
    symbols = draw(st.permutations(["UPSERT", "DELETE", "ARCHIVE", "MERGE"]))[: draw(st.integers(1, 4))]
    fields = [
        {"name": "event_id", "type": "string"},
        {"name": "identifier", "type": "string"},
        {"name": "occurred_at", "type": occurred},
    ]
    if draw(st.booleans()):
        fields.append(
            {"name": "operation", "type": {"type": "enum", "name": "Operation", "symbols": symbols}}
        )
    if draw(st.booleans()):
        fields.append({"name": "values", "type": {"type": "map", "values": ["null", "string"]}})
    fields += [{"name": f"x{i}", "type": draw(avro_types(names))} for i in range(draw(st.integers(0, 4)))]
    namespace = draw(st.sampled_from(["com.akeneo_consumer", "com.example.upstream"]))
    return {
        "type": "record",
        "name": "ProductChange",
        "namespace": namespace,
        "fields": draw(st.permutations(fields)),
    }


def _encode(parsed: Any, record: Any) -> bytes:
    out = io.BytesIO()
    fastavro.schemaless_writer(out, parsed, record)
    return out.getvalue()


def _outcome(read: Any, body: bytes) -> ChangeEvent | None:
    try:
        event: ChangeEvent = read(body)
    except DecodeError:
        return None
    return event


def _resolved_by_fastavro(writer: Any) -> Any:
    return lambda body: change_from_dict(read_record(body, writer, CHANGE_RECORD.schema.parsed))


def _zero_width(schema: Any) -> bool:
    """A type whose values take no bytes (null, fixed of size 0, an enum of one symbol, ...)."""
    if schema == "null":
        return True
    if isinstance(schema, dict):
        kind = schema["type"]
        if kind == "fixed":
            return schema["size"] == 0
        if kind == "enum":
            return len(schema["symbols"]) == 1
        if kind == "record":
            return all(_zero_width(field["type"]) for field in schema["fields"])
    return False


def _counts_unbounded(schema: Any) -> bool:
    """An array of zero-width items: a damaged block count can claim billions of them in no bytes.
    Our reader skips them at once; fastavro reads them one by one, in C, for as long as that takes."""
    if isinstance(schema, list):
        return any(_counts_unbounded(branch) for branch in schema)
    if not isinstance(schema, dict):
        return False
    kind = schema["type"]
    if kind == "array":
        return _zero_width(schema["items"]) or _counts_unbounded(schema["items"])
    if kind == "map":
        return _counts_unbounded(schema["values"])
    if kind == "record":
        return any(_counts_unbounded(field["type"]) for field in schema["fields"])
    return False


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(writer=evolved_writers(), flip=st.integers(1, 255), damage=st.integers(0, 2**16))
def test_compiled_reader_agrees_with_avro_resolution(writer: dict[str, Any], flip: int, damage: int) -> None:
    parsed = fastavro.parse_schema(writer)
    direct = compile_change_reader(parsed)
    assert direct is not None, "every writer drawn here has a plain resolution"
    reference = _resolved_by_fastavro(fastavro.parse_schema(plain_millis(writer)))  # as the codec parses it
    for record in generate_many(parsed, 3):
        body = _encode(parsed, record)
        assert _outcome(direct, body) == _outcome(reference, body)
        if _counts_unbounded(writer):
            continue  # damaged, fastavro may not come back (above); undamaged, it agreed
        damaged = bytearray(body)
        if damaged:
            damaged[damage % len(damaged)] ^= flip
        read = _outcome(direct, bytes(damaged))
        assert read is None or read == _outcome(reference, bytes(damaged))


@settings(max_examples=60, deadline=None)
@given(
    symbols=st.permutations(["UPSERT", "DELETE", "ARCHIVE", "MERGE"]).flatmap(
        lambda p: st.integers(2, 4).map(lambda n: p[:n])
    ).filter(lambda s: "UPSERT" in s or "DELETE" in s),
    flip=st.integers(1, 255),
    damage=st.integers(0, 2**16),
)
def test_our_field_order_with_other_enum_symbols_reads_as_avro_resolution(
    symbols: list[str], flip: int, damage: int
) -> None:
    """A writer with exactly our fields in our order (read straight through) but its own symbols."""
    operation = {"type": "enum", "name": "Operation", "symbols": symbols}
    writer = {**OURS, "fields": [*OURS["fields"][:2], {"name": "operation", "type": operation},
                                 *OURS["fields"][3:]]}
    parsed = fastavro.parse_schema(writer)
    direct = compile_change_reader(parsed)
    assert direct is not None
    reference = _resolved_by_fastavro(fastavro.parse_schema(plain_millis(writer)))
    for record in generate_many(parsed, 5):
        body = _encode(parsed, record)
        assert _outcome(direct, body) == _outcome(reference, body)
        damaged = bytearray(body)
        damaged[damage % len(damaged)] ^= flip
        read = _outcome(direct, bytes(damaged))
        assert read is None or read == _outcome(reference, bytes(damaged))


def test_recursive_types_are_skipped() -> None:
    next_node = {"name": "next", "type": ["null", "Node"]}
    node = {"type": "record", "name": "Node", "fields": [{"name": "label", "type": "string"}, next_node]}
    writer = {**OURS, "fields": [{"name": "chain", "type": node}, *OURS["fields"]]}
    parsed = fastavro.parse_schema(writer)
    record = {
        "chain": {"label": "a", "next": {"label": "b", "next": None}},
        "event_id": "e", "occurred_at": 7, "operation": "DELETE", "identifier": "sku", "values": {"k": None},
    }  # fmt: skip
    assert CHANGE_RECORD.reader_for(parsed)(_encode(parsed, record)) == ChangeEvent(
        "e", 7, "DELETE", "sku", {"k": None}
    )


def test_writers_needing_full_resolution_fall_back_to_fastavro() -> None:
    plain_values = {
        **OURS,
        "fields": [*OURS["fields"][:4], {"name": "values", "type": {"type": "map", "values": "string"}}],
    }
    parsed = fastavro.parse_schema(plain_values)
    assert compile_change_reader(parsed) is None
    body = _encode(
        parsed,
        {"event_id": "e", "occurred_at": 1, "operation": "UPSERT", "identifier": "s", "values": {"a": "b"}},
    )
    assert CHANGE_RECORD.reader_for(parsed)(body) == ChangeEvent("e", 1, "UPSERT", "s", {"a": "b"})
