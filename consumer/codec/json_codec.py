"""EVENT_FORMAT=json: one UTF-8 JSON object per message, with the Avro schemas' field names.

Timestamps are written as integer milliseconds; ISO-8601 text is accepted when reading. A key
given twice, or bytes that are not UTF-8, make a message undecodable (json_strict).
"""

from __future__ import annotations

import orjson

from consumer.codec.base import Codec
from consumer.codec.errors import EncodeError
from consumer.codec.events import ChangeEvent, FeedbackEvent
from consumer.codec.fields import change_from_dict, feedback_from_dict
from consumer.codec.json_strict import loads as _loads


def _dumps(event: ChangeEvent | FeedbackEvent) -> bytes:
    try:
        return orjson.dumps(event)
    except TypeError as exc:  # orjson.JSONEncodeError is a TypeError
        raise EncodeError(f"event for {event.identifier!r} cannot be written as JSON: {exc}") from None


class JsonCodec(Codec):
    format = "json"

    def _decode_change(self, value: bytes, topic: str) -> ChangeEvent:
        return change_from_dict(_loads(value))

    def _decode_feedback(self, value: bytes, topic: str) -> FeedbackEvent:
        return feedback_from_dict(_loads(value))

    def encode_change(self, event: ChangeEvent, topic: str) -> bytes:
        return _dumps(event)

    def encode_feedback(self, event: FeedbackEvent, topic: str) -> bytes:
        return _dumps(event)
