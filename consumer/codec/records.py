"""Our two record kinds, each with everything the formats need: schema, exact-layout codec, dict reader."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from consumer.codec import avro_records
from consumer.codec.avro_reading import read_record
from consumer.codec.events import ChangeEvent, FeedbackEvent
from consumer.codec.fields import change_from_dict, feedback_from_dict
from consumer.codec.schemas import CHANGE, FEEDBACK, BundledSchema, bundled

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class RecordKind(Generic[T]):
    schema: BundledSchema
    from_dict: Callable[[object], T]  # a dict (JSON, or fastavro output) to the event, checked field by field
    decode: Callable[[bytes], T]  # Avro written with exactly our schema
    encode: Callable[[T], bytes]  # Avro with exactly our schema

    def decode_as(self, body: bytes, writer: Any) -> T:
        """Avro written with another (compatible) writer schema, resolved to ours."""
        return self.from_dict(read_record(body, writer, self.schema.parsed))


def _decode_feedback(body: bytes) -> FeedbackEvent:
    return feedback_from_dict(read_record(body, bundled(FEEDBACK).parsed))


CHANGE_RECORD = RecordKind[ChangeEvent](
    bundled(CHANGE), change_from_dict, avro_records.decode_change, avro_records.encode_change
)
FEEDBACK_RECORD = RecordKind[FeedbackEvent](
    bundled(FEEDBACK), feedback_from_dict, _decode_feedback, avro_records.encode_feedback
)
