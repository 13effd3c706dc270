"""The unit of work: one Kafka message on its way to a final outcome.

Below both the feedback module and the service: every step of the pipeline hands on a ``Work``,
and the feedback event is built from it and its ``Outcome``. Nothing here knows Kafka or HTTP.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from consumer.codec import STATUSES, ChangeEvent, ErrorDetail


class Status(enum.StrEnum):
    """Feedback statuses (contract: Feedback event), in the schema's symbol order."""

    CREATED = "CREATED"
    UPDATED = "UPDATED"
    DELETED = "DELETED"
    REJECTED = "REJECTED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"


assert tuple(Status) == STATUSES, "Status must follow the feedback schema's enum"


@dataclass(slots=True, eq=False)
class Source:
    """Where a message was read, and its bytes (kept for a DLQ copy)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]] | None = None
    epoch: int = 0  # the partition's assignment epoch when read: answers from an older one are ignored

    @property
    def tp(self) -> tuple[str, int]:
        return (self.topic, self.partition)

    @property
    def position(self) -> str:
        """``topic:partition:offset``: the event id of messages that have none of their own."""
        return f"{self.topic}:{self.partition}:{self.offset}"


@dataclass(slots=True)
class Outcome:
    """The final word on one event. ``dlq`` is the reason for a DLQ copy of its message, if one is due."""

    status: Status
    status_code: int
    message: str | None = None
    errors: list[ErrorDetail] = field(default_factory=list)
    attempts: int = 0
    answered_at_ms: int | None = None  # when Akeneo answered (for the end-to-end latency metric)
    dlq: str | None = None


@dataclass(slots=True, eq=False)
class Work:
    """One event on its way: the message it came from, the decoded event, what to send, what came of it."""

    source: Source
    event: ChangeEvent
    payload: dict[str, Any] | None = None  # the mapped product, for an UPSERT
    outcome: Outcome | None = None

    @property
    def identifier(self) -> str:
        return self.event.identifier

    @property
    def operation(self) -> str:
        return self.event.operation

    def answer(self, outcome: Outcome) -> Work:
        self.outcome = outcome
        return self


@dataclass(slots=True, eq=False)
class Line:
    """What Akeneo receives as one line of a request (or as one DELETE): the payload of one work, or
    of several works of one product merged (coalescing), each answered with the line's answer.

    ``attempts`` counts the requests the line has been in; ``first_sent`` (clock time) and
    ``not_before`` serve the retry of a line Akeneo did not answer for good.
    """

    works: list[Work]
    payload: dict[str, Any] | None  # None for a DELETE
    entity: str
    operation: str
    identifier: str
    attempts: int = 0
    first_sent: float | None = None
    not_before: float = 0.0

    @classmethod
    def of(cls, work: Work) -> Line:
        e = work.event
        return cls([work], work.payload, e.entity, e.operation, e.identifier)

    @property
    def key(self) -> tuple[str, str]:
        """Whose writes keep their order: a product and a product model may share a code."""
        return (self.entity, self.identifier)

    @property
    def kind(self) -> tuple[str, str]:
        """What may share a request: one endpoint each."""
        return (self.entity, self.operation)

    @property
    def partition_key(self) -> tuple[str, int]:
        return self.works[0].source.tp


def status_for_upsert(code: int) -> Status:
    if code == 201:
        return Status.CREATED
    if code == 204:
        return Status.UPDATED
    if 400 <= code < 500 and code not in (408, 429):
        return Status.REJECTED
    return Status.FAILED


def status_for_delete(code: int) -> Status:
    """204 deleted; 404 counts as deleted too (the product is not there, which is what was asked)."""
    return Status.DELETED if code in (204, 404) else status_for_upsert(code)
