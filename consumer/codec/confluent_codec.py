"""EVENT_FORMAT=confluent-avro: the Schema Registry wire format.

A message is magic byte 0, the writer schema's id (4 bytes, big-endian), then the Avro body.
Writer schemas are fetched by id once and compiled into a reader (records.RecordKind.reader_for):
a direct one where resolution is plain, else fastavro with Avro's full resolution rules.
Subjects follow the TopicNameStrategy: ``<topic>-value``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import fastavro

from consumer.codec.avro_reading import short
from consumer.codec.base import Codec
from consumer.codec.errors import DecodeError
from consumer.codec.events import ChangeEvent, FeedbackEvent
from consumer.codec.records import CHANGE_RECORD, FEEDBACK_RECORD, RecordKind
from consumer.codec.registry import Registry
from consumer.codec.schemas import plain_millis

T = TypeVar("T")
MAGIC = 0
HEADER_SIZE = 5


def frame(schema_id: int, body: bytes) -> bytes:
    return b"\x00" + schema_id.to_bytes(4, "big") + body


def unframe(value: bytes) -> tuple[int, bytes]:
    if len(value) < HEADER_SIZE:
        raise DecodeError(f"{len(value)} bytes is too short for the Confluent wire format")
    if value[0] != MAGIC:
        raise DecodeError(f"wrong magic byte {value[0]} (the Confluent wire format starts with 0)")
    return int.from_bytes(value[1:HEADER_SIZE], "big"), value[HEADER_SIZE:]


def subject_of(topic: str) -> str:
    return f"{topic}-value"


class ConfluentAvroCodec(Codec):
    format = "confluent-avro"

    def __init__(self, registry: Registry, results_topic: str) -> None:
        self._registry = registry
        self._results_topic = results_topic
        # (schema id, record kind) -> reader of bodies; or the DecodeError that id always gives
        self._readers: dict[tuple[int, str], Callable[[bytes], Any] | DecodeError] = {}

    def prepare(self) -> None:
        if self._results_topic:
            self._registry.schema_id(subject_of(self._results_topic), FEEDBACK_RECORD.schema.text)

    def close(self) -> None:
        self._registry.close()

    def _decode_change(self, value: bytes, topic: str) -> ChangeEvent:
        return self._decode(value, CHANGE_RECORD)

    def _decode_feedback(self, value: bytes, topic: str) -> FeedbackEvent:
        return self._decode(value, FEEDBACK_RECORD)

    def encode_change(self, event: ChangeEvent, topic: str) -> bytes:
        return self._encode(event, topic, CHANGE_RECORD)

    def encode_feedback(self, event: FeedbackEvent, topic: str) -> bytes:
        return self._encode(event, topic, FEEDBACK_RECORD)

    def _encode(self, event: T, topic: str, kind: RecordKind[T]) -> bytes:
        body = kind.encode(event)  # first: a bad event must not cost a registration
        return frame(self._registry.schema_id(subject_of(topic), kind.schema.text), body)

    def _decode(self, value: bytes, kind: RecordKind[T]) -> T:
        schema_id, body = unframe(value)
        reader = self._readers.get((schema_id, kind.schema.name))
        if reader is None:
            reader = self._reader(schema_id, kind)
        if isinstance(reader, DecodeError):
            raise DecodeError(reader.reason)
        result: T = reader(body)
        return result

    def _reader(self, schema_id: int, kind: RecordKind[T]) -> Callable[[bytes], T] | DecodeError:
        text = self._registry.writer_schema(schema_id)  # not cached here when the id is unknown
        reader: Callable[[bytes], T] | DecodeError
        try:
            reader = kind.reader_for(fastavro.parse_schema(plain_millis(json.loads(text))))
        except Exception as exc:
            reader = DecodeError(short(f"schema id {schema_id} is not a usable Avro schema: {exc}"))
        self._readers[(schema_id, kind.schema.name)] = reader
        return reader
