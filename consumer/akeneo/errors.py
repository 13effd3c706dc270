"""Exceptions of the Akeneo client, and the one place Akeneo's texts are made safe to show.

None of the exceptions carries a secret or a token in its message or attributes.
"""

from __future__ import annotations

import orjson

from consumer.codec.events import ErrorDetail
from consumer.errors import ConsumerError
from consumer.redact import scrub

MAX_MESSAGE = 500  # characters of Akeneo's text kept in a message


def akeneo_message(text: object) -> str:
    """Akeneo's text as it may be shown anywhere: secrets scrubbed (an error body may echo our
    request's headers or a token), at most MAX_MESSAGE characters. Every message taken from an
    answer goes through here."""
    return scrub(str(text)[: MAX_MESSAGE * 4])[:MAX_MESSAGE]


def akeneo_errors(items: object) -> list[ErrorDetail]:
    """Akeneo's validation errors in the project's one error shape (``property``, ``attribute``,
    ``locale``, ``scope``, ``message``), each text scrubbed like a message; non-errors left out."""
    if not items or not isinstance(items, list):
        return []
    return [
        {
            "property": _text(item.get("property")),
            "attribute": _text(item.get("attribute")),
            "locale": _text(item.get("locale")),
            "scope": _text(item.get("scope")),
            "message": akeneo_message(
                m if isinstance(m := item.get("message"), str) else orjson.dumps(m).decode()
            ),
        }
        for item in items
        if isinstance(item, dict)
    ]


def _text(value: object) -> str | None:
    return None if value is None else akeneo_message(value)


class AkeneoError(ConsumerError):
    """Base of every error the Akeneo client raises."""


class AkeneoApiError(AkeneoError):
    """A final answer from Akeneo (400, 403, 404 on GET, 405, 406, 413, 415, 422 on a whole request).

    ``code`` and ``message`` are Akeneo's own (``{"code": N, "message": "..."}``); ``errors`` its
    validation errors, if any.
    """

    def __init__(
        self,
        status: int,
        code: int | None,
        message: str,
        errors: list[ErrorDetail] | None = None,
        endpoint: str = "",
    ) -> None:
        where = f" to {endpoint}" if endpoint else ""
        super().__init__(f"Akeneo answered {status}{where}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors: list[ErrorDetail] = errors or []
        self.endpoint = endpoint


class UnsendableRequest(AkeneoApiError, ValueError):
    """The client refused to send a request that could not be right, e.g. an identifier no URL path
    holds (``.`` would address another resource): nothing was sent. Status 422, as the contract
    reports every rejection found before sending, so callers answer it per product like Akeneo's."""

    def __init__(self, message: str) -> None:
        super().__init__(422, None, message)
        self.args = (f"not sent: {message}",)

    def __str__(self) -> str:
        return str(self.args[0])


class AkeneoAuthError(AkeneoError):
    """Akeneo refused the credentials (password grant refused, or a fresh token answered with 401)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class AkeneoUnavailable(AkeneoError):
    """Retries were given up: the attempt or time budget of the RetryPolicy is spent."""

    def __init__(self, message: str, endpoint: str = "", attempts: int = 0, last_reason: str = "") -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.attempts = attempts
        self.last_reason = last_reason


class AkeneoCancelled(AkeneoError):
    """The stop event was set while the client was waiting to retry."""
