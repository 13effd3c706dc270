"""Plain values the client takes and gives: credentials and per-product results."""

from __future__ import annotations

import dataclasses

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


@dataclasses.dataclass(slots=True)  # not frozen: one per product, and frozen __init__ costs 3x
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

