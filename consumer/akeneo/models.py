"""Plain values the client takes and gives: credentials and per-product results."""

from __future__ import annotations

import dataclasses

import orjson

from consumer.codec.events import ErrorDetail


@dataclasses.dataclass(frozen=True)
class Credentials:
    """An Akeneo API connection: client id/secret (HTTP Basic on the token call) and a PIM user."""

    client_id: str
    client_secret: str
    username: str
    password: str

    def __repr__(self) -> str:
        # The secret and the password never show, not even their length.
        return (
            f"Credentials(client_id={self.client_id!r}, client_secret='***', "
            f"username={self.username!r}, password='***')"
        )

    __str__ = __repr__


@dataclasses.dataclass(frozen=True, slots=True)
class LineResult:
    """What Akeneo said about one product of an upsert.

    ``line`` is the 1-based position of the product in the sequence given to ``upsert_products``
    (not Akeneo's line number inside one request). ``status_code`` is Akeneo's (201 created,
    204 updated, 422 rejected, ...), 413 for a product too large to send, 0 where Akeneo gave
    no answer for it. ``attempts`` is the number of HTTP requests its collection request took.
    """

    line: int
    identifier: str
    status_code: int
    message: str | None = None
    errors: list[ErrorDetail] = dataclasses.field(default_factory=list)
    attempts: int = 0

    @property
    def ok(self) -> bool:
        return self.status_code in (201, 204)


def error_details(raw: object) -> list[ErrorDetail]:
    """Akeneo's ``errors`` list in the one shape the project uses; anything not an error is left out."""
    if not raw or not isinstance(raw, list):
        return []
    return [
        {
            "property": _opt_str(e.get("property")),
            "attribute": _opt_str(e.get("attribute")),
            "locale": _opt_str(e.get("locale")),
            "scope": _opt_str(e.get("scope")),
            "message": m if isinstance(m := e.get("message"), str) else orjson.dumps(m).decode(),
        }
        for e in raw
        if isinstance(e, dict)
    ]


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)
