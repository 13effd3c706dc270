"""Codec cost per event: the three EVENT_FORMATs side by side, and the alternatives behind the choices.

    python -m benchmarks.bench_codec [--events 10000] [--repeat 3]

Events are the 30-column rows of benchmarks.bench_mapping (about 1.5 KB) with every tenth cell
null. Times are CPU time of this one thread per event, best of ``--repeat`` passes over all
events. The Confluent wire format runs against the in-process registry stand-in; schema ids are
cached after the first event, so the registry is not part of the per-event cost.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

import fastavro
import orjson
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

from benchmarks.bench_mapping import make_events
from consumer.codec import ChangeEvent, Codec, FeedbackEvent, make_codec
from consumer.codec.avro_reading import read_record
from consumer.codec.fields import change_from_dict
from consumer.codec.schemas import CHANGE, bundled, plain_millis
from consumer.devstack.schema_registry import SchemaRegistryStandIn

TOPIC, RESULTS = "product-changes", "product-feedback"
FORMATS = ("avro", "confluent-avro", "json")
Case = tuple[str, Callable[[Any], object], Sequence[Any]]


def codec_events(count: int) -> list[ChangeEvent]:
    def with_nulls(event: ChangeEvent) -> ChangeEvent:
        values = {k: (None if i % 10 == 9 else v) for i, (k, v) in enumerate(event.values.items())}
        return dataclasses.replace(event, values=values)

    return [with_nulls(e) for e in make_events(count)]


def feedback_for(event: ChangeEvent, n: int, echo_row: bool) -> FeedbackEvent:
    return FeedbackEvent(
        event.event_id, event.identifier, event.operation, "UPDATED", 204, TOPIC, n % 12, n,
        event.occurred_at, event.occurred_at + 150, attempts=1, values=event.values if echo_row else {},
    )  # fmt: skip


def per_event_us(work: Callable[[Any], object], items: Sequence[Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for item in items:
            work(item)
        best = min(best, time.process_time() - start)
    return best / len(items) * 1e6


def _fastavro_writer(schema: Any) -> Callable[[dict[str, Any]], bytes]:
    def write(record: dict[str, Any]) -> bytes:
        out = io.BytesIO()
        fastavro.schemaless_writer(out, schema, record)
        return out.getvalue()

    return write


def _fastavro_reader(writer: Any, reader: Any = None) -> Callable[[bytes], object]:
    return lambda data: fastavro.schemaless_reader(io.BytesIO(data), writer, reader)


def _as_dict(event: ChangeEvent, ctx: object = None) -> dict[str, Any]:
    return {
        "event_id": event.event_id, "occurred_at": event.occurred_at, "operation": event.operation,
        "identifier": event.identifier, "values": event.values,
    }  # fmt: skip


def format_column(codec: Codec, events: list[ChangeEvent], repeat: int) -> dict[str, str]:
    full = [feedback_for(e, n, True) for n, e in enumerate(events)]
    bare = [feedback_for(e, n, False) for n, e in enumerate(events)]
    changes = [codec.encode_change(e, TOPIC) for e in events]
    feedbacks = [codec.encode_feedback(f, RESULTS) for f in full]
    assert [codec.decode_change(m, TOPIC) for m in changes] == events
    assert [codec.decode_feedback(m, RESULTS) for m in feedbacks] == full
    timings = {
        "decode_change": per_event_us(lambda m: codec.decode_change(m, TOPIC), changes, repeat),
        "encode_change": per_event_us(lambda e: codec.encode_change(e, TOPIC), events, repeat),
        "encode_feedback, row echoed": per_event_us(
            lambda f: codec.encode_feedback(f, RESULTS), full, repeat
        ),
        "encode_feedback, no row": per_event_us(lambda f: codec.encode_feedback(f, RESULTS), bare, repeat),
        "decode_feedback, row echoed": per_event_us(
            lambda m: codec.decode_feedback(m, RESULTS), feedbacks, repeat
        ),
    }
    column = {name: f"{us:.1f}" for name, us in timings.items()}
    column["event size (bytes)"] = f"{sum(map(len, changes)) / len(changes):.0f}"
    column["feedback size, row echoed (bytes)"] = f"{sum(map(len, feedbacks)) / len(feedbacks):.0f}"
    return column


def format_table(events: list[ChangeEvent], codecs: dict[str, Codec], repeat: int) -> list[str]:
    columns = [format_column(codec, events, repeat) for codec in codecs.values()]
    lines = [f"| µs per event | {' | '.join(codecs)} |", "|---|" + "---:|" * len(codecs)]
    return lines + [f"| {row} | {' | '.join(c[row] for c in columns)} |" for row in columns[0]]


def avro_cases(events: list[ChangeEvent], codec: Codec) -> list[Case]:
    ours = bundled(CHANGE)
    records = [_as_dict(e) for e in events]
    data = [codec.encode_change(e, TOPIC) for e in events]
    # values as a map of plain strings: cheaper, but cannot carry null, which the contract needs
    plain = plain_millis(json.loads(ours.text))
    next(f for f in plain["fields"] if f["name"] == "values")["type"] = {"type": "map", "values": "string"}
    plain_parsed = fastavro.parse_schema(plain)
    write_plain = _fastavro_writer(plain_parsed)
    plain_data = [write_plain({**r, "values": {k: v or "" for k, v in r["values"].items()}}) for r in records]
    return [
        (
            "avro decode: reader compiled from the schema (chosen)",
            lambda m: codec.decode_change(m, TOPIC),
            data,
        ),
        ("avro decode: fastavro schemaless_reader", _fastavro_reader(ours.parsed), data),
        (
            "avro decode: fastavro, values as map of plain strings (no nulls)",
            _fastavro_reader(plain_parsed),
            plain_data,
        ),
        ("avro encode: hand-written writer (chosen)", lambda e: codec.encode_change(e, TOPIC), events),
        ("avro encode: fastavro schemaless_writer", _fastavro_writer(ours.parsed), records),
    ]


def confluent_cases(events: list[ChangeEvent], codec: Codec, registry: SchemaRegistryStandIn) -> list[Case]:
    ours = bundled(CHANGE)
    framed = [codec.encode_change(e, TOPIC) for e in events]
    # an upstream writer one version ahead: one more field, with a default
    evolved = json.loads(ours.text)
    evolved["fields"].insert(2, {"name": "source", "type": "string", "default": ""})
    evolved_id = registry.register(f"{TOPIC}-evolved-value", json.dumps(evolved))
    evolved_parsed = fastavro.parse_schema(plain_millis(evolved))
    write_evolved = _fastavro_writer(evolved_parsed)
    header = b"\x00" + evolved_id.to_bytes(4, "big")
    evolved_data = [header + write_evolved({**_as_dict(e), "source": "erp"}) for e in events]

    def resolved_by_fastavro(message: bytes) -> ChangeEvent:
        return change_from_dict(read_record(message[5:], evolved_parsed, ours.parsed))

    client = SchemaRegistryClient({"url": registry.url})
    ctx = SerializationContext(TOPIC, MessageField.VALUE)
    deserializer = AvroDeserializer(client, ours.text, from_dict=lambda d, c: change_from_dict(d))
    serializer = AvroSerializer(client, ours.text, to_dict=_as_dict)
    assert deserializer(framed[0], ctx) == events[0] == codec.decode_change(evolved_data[0], TOPIC)
    return [
        ("confluent decode: writer = ours (chosen)", lambda m: codec.decode_change(m, TOPIC), framed),
        ("confluent decode: evolved writer, compiled reader (chosen)",
         lambda m: codec.decode_change(m, TOPIC), evolved_data),
        ("confluent decode: evolved writer, fastavro resolution", resolved_by_fastavro, evolved_data),
        ("confluent decode: confluent-kafka AvroDeserializer", lambda m: deserializer(m, ctx), framed),
        ("confluent encode: own framing (chosen)", lambda e: codec.encode_change(e, TOPIC), events),
        ("confluent encode: confluent-kafka AvroSerializer", lambda e: serializer(e, ctx), events),
    ]  # fmt: skip


def _with_url(event: ChangeEvent) -> ChangeEvent:
    """The same row with one cell holding colons (a URL): the duplicate check's second step."""
    first = next(iter(event.values))
    return dataclasses.replace(event, values={**event.values, first: "https://cdn.example.com:8443/a.jpg"})


def _pairs_checked(message: bytes) -> ChangeEvent:
    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        found = dict(pairs)
        if len(found) != len(pairs):
            raise ValueError("duplicate key")
        return found

    return change_from_dict(json.loads(message, object_pairs_hook=unique))


def json_cases(events: list[ChangeEvent], codec: Codec) -> list[Case]:
    data = [codec.encode_change(e, TOPIC) for e in events]
    with_colons = [codec.encode_change(_with_url(e), TOPIC) for e in events]
    records = [_as_dict(e) for e in events]
    return [
        ("json decode: orjson + field checks (chosen)", lambda m: codec.decode_change(m, TOPIC), data),
        ("json decode: the same, a URL in every row (duplicate check, second step)",
         lambda m: codec.decode_change(m, TOPIC), with_colons),
        ("json decode: orjson + field checks, no duplicate-key check",
         lambda m: change_from_dict(orjson.loads(m)), data),
        ("json decode: stdlib json.loads(object_pairs_hook) duplicate check + field checks", _pairs_checked,
         data),
        ("json decode: orjson.loads alone", orjson.loads, data),
        ("json decode: stdlib json.loads + field checks", lambda m: change_from_dict(json.loads(m)), data),
        ("json encode: orjson of the dataclass (chosen)", lambda e: codec.encode_change(e, TOPIC), events),
        (
            "json encode: stdlib json.dumps(ensure_ascii=False)",
            lambda r: json.dumps(r, ensure_ascii=False),
            records,
        ),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    events = codec_events(args.events)
    with SchemaRegistryStandIn() as registry:
        codecs = {f: make_codec(f, registry.url, RESULTS) for f in FORMATS}
        for codec in codecs.values():
            codec.prepare()
        row_bytes = sum(len(orjson.dumps(e.values)) for e in events) / len(events)
        print(f"{args.events} events, 30 columns (every tenth null), row {row_bytes:.0f} B as JSON; "
              f"CPU time of one thread, best of {args.repeat}")  # fmt: skip
        print()
        print("\n".join(format_table(events, codecs, args.repeat)))
        print()
        cases = (
            avro_cases(events, codecs["avro"])
            + confluent_cases(events, codecs["confluent-avro"], registry)
            + json_cases(events, codecs["json"])
        )
        print("| alternative | µs per event |\n|---|---:|")
        for name, work, items in cases:
            print(f"| {name} | {per_event_us(work, items, args.repeat):.1f} |")
        for codec in codecs.values():
            codec.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
