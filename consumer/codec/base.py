"""What every event format offers, and the guarantee they share: bad bytes only ever raise DecodeError."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from consumer.codec.errors import DecodeError, RegistryError
from consumer.codec.events import ChangeEvent, FeedbackEvent


def identifier_from_key(key: bytes | None) -> str | None:
    """The Kafka key is the identifier in UTF-8; anything else is no identifier."""
    if not key:
        return None
    try:
        return key.decode()
    except UnicodeDecodeError:
        return None


class Codec(ABC):
    """Bytes to events and back for one EVENT_FORMAT.

    The value's identifier is the product's identifier; the Kafka key only stands in for it on a
    DecodeError whose value did not yield one (so feedback can still be sent).
    """

    format: ClassVar[str]

    def prepare(self) -> None:  # noqa: B027 - optional hook: only a registry needs preparing
        """Get ready to write feedback (with a registry: register its schema). Idempotent."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections (the registry's); the codec is unusable afterwards."""

    def decode_change(self, value: bytes | None, topic: str, key: bytes | None = None) -> ChangeEvent:
        try:
            return self._decode_change(self._non_empty(value), topic)
        except DecodeError as exc:
            if exc.identifier is None:
                exc.identifier = identifier_from_key(key)
            raise
        except RegistryError:
            raise
        except Exception as exc:  # a safety net: the contract is DecodeError whatever the bytes
            raise DecodeError(f"unreadable event ({type(exc).__name__})", identifier_from_key(key)) from exc

    def decode_feedback(self, value: bytes | None, topic: str) -> FeedbackEvent:
        try:
            return self._decode_feedback(self._non_empty(value), topic)
        except (DecodeError, RegistryError):
            raise
        except Exception as exc:
            raise DecodeError(f"unreadable feedback ({type(exc).__name__})") from exc

    @abstractmethod
    def encode_change(self, event: ChangeEvent, topic: str) -> bytes: ...

    @abstractmethod
    def encode_feedback(self, event: FeedbackEvent, topic: str) -> bytes: ...

    @abstractmethod
    def _decode_change(self, value: bytes, topic: str) -> ChangeEvent: ...

    @abstractmethod
    def _decode_feedback(self, value: bytes, topic: str) -> FeedbackEvent: ...

    @staticmethod
    def _non_empty(value: bytes | None) -> bytes:
        if value is None:
            raise DecodeError("no value (tombstone)")
        if not value:
            raise DecodeError("empty value")
        return value
