"""The two ways the codec fails: the bytes are bad (DecodeError), or the registry cannot be used."""

from __future__ import annotations

import json

from consumer.errors import ConsumerError


def member(container: str, key: str) -> str:
    """``values.name`` for a key taken from the event, quoted when it would break a one-line reason."""
    if key and key.isprintable() and "." not in key and '"' not in key:
        return f"{container}.{key}"
    return f"{container}[{json.dumps(key, ensure_ascii=False)}]"


class DecodeError(ConsumerError):
    """The bytes are not a readable event. ``reason`` says why in a few words.

    ``identifier`` (and ``event_id``) are set whenever they could be read, from the value or, failing
    that, from the Kafka key, so the service can still send feedback for the product.
    """

    def __init__(self, reason: str, identifier: str | None = None, event_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.identifier = identifier
        self.event_id = event_id

    def __repr__(self) -> str:
        return f"DecodeError({self.reason!r}, identifier={self.identifier!r})"


class EncodeError(ConsumerError):
    """An event object holds something its schema cannot carry (a programming or input error)."""


class RegistryError(ConsumerError):
    """The Schema Registry is unreachable or refused a request: the event is not at fault, retry later."""
