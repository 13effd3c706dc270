"""EVENT_FORMAT=avro: schemaless Avro, written and read with the bundled schemas."""

from __future__ import annotations

from consumer.codec.base import Codec
from consumer.codec.events import ChangeEvent, FeedbackEvent
from consumer.codec.records import CHANGE_RECORD, FEEDBACK_RECORD


class AvroCodec(Codec):
    format = "avro"

    def _decode_change(self, value: bytes, topic: str) -> ChangeEvent:
        return CHANGE_RECORD.decode(value)

    def _decode_feedback(self, value: bytes, topic: str) -> FeedbackEvent:
        return FEEDBACK_RECORD.decode(value)

    def encode_change(self, event: ChangeEvent, topic: str) -> bytes:
        return CHANGE_RECORD.encode(event)

    def encode_feedback(self, event: FeedbackEvent, topic: str) -> bytes:
        return FEEDBACK_RECORD.encode(event)
