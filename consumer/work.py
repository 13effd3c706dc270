"""The unit of work: one Kafka message on its way to a final outcome.

Below both the feedback module and the service: every step of the pipeline hands on a ``Work``,
and the feedback event is built from it and its ``Outcome``. Nothing here knows Kafka or HTTP.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from consumer.codec import PRODUCT_MODEL, STATUSES, UPSERT, ChangeEvent, ErrorDetail


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
    """One event on its way: the message it came from, the decoded event, what to send, what came of it.

    A variant product's row may also write to its product models (``models``: code and payload,
    root first), and its own write must wait for writes to the models it hangs from (``ancestors``).
    Each of those writes is a line of its own; ``pending`` counts the lines not answered yet, and
    ``answers`` collects their answers until the event's ``outcome`` can be told.
    """

    source: Source
    event: ChangeEvent
    payload: dict[str, Any] | None = None  # the mapped product or product model, for an UPSERT
    outcome: Outcome | None = None
    models: tuple[tuple[str, dict[str, Any]], ...] = ()
    ancestors: tuple[str, ...] = ()
    pending: int = 0
    answers: list[tuple[Line, Outcome]] = field(default_factory=list)

    @property
    def identifier(self) -> str:
        return self.event.identifier

    @property
    def operation(self) -> str:
        return self.event.operation

    def answer(self, outcome: Outcome) -> Work:
        self.outcome = outcome
        return self

    def answered(self, line: Line, outcome: Outcome) -> bool:
        """Record a line's answer; True (and ``outcome`` set) once every line of the event has one."""
        self.pending -= 1
        if self.pending == 0 and not self.answers:  # one line, the usual case: its answer is the event's
            self.outcome = outcome
            return True
        self.answers.append((line, outcome))
        if self.pending > 0:
            return False
        self.outcome = _combined(self.answers)
        # Lines hold their works: dropping them here leaves no reference cycle for the garbage
        # collector to find (reference counting frees the event at once).
        self.answers = []
        return True


def _combined(answers: list[tuple[Line, Outcome]]) -> Outcome:
    """One event's outcome from its own line's answer and its model lines' answers: the own line's
    status unless a model line was refused or failed, which then wins and is named."""
    own = next(o for line, o in answers if line.part is None)
    parts = [(line.part, o) for line, o in answers if line.part is not None]
    bad = [(code, o) for code, o in parts if o.status in (Status.REJECTED, Status.FAILED)]
    attempts = max(o.attempts for _, o in answers)
    written = ", ".join(f'"{code}"' for code, o in parts if o.status not in (Status.REJECTED, Status.FAILED))
    if not bad:
        note = f"values of its product model levels written to {written}"
        message = f"{own.message}; {note}" if own.message else note
        return Outcome(
            own.status, own.status_code, message, own.errors, attempts, own.answered_at_ms, own.dlq
        )
    worst = next((item for item in bad if item[1].status is Status.REJECTED), bad[0])
    code, part = worst
    said = f'the values for product model "{code}" were refused by Akeneo: {part.message}'
    own_said = f"the product's own values: {own.status.value.lower()}" + (
        f" ({own.message})" if own.message else ""
    )
    also = f"; written to {written}" if written else ""
    status = Status.FAILED if all(o.status is Status.FAILED for _, o in bad) else Status.REJECTED
    errors = [e for _, o in bad for e in o.errors] + own.errors
    return Outcome(
        status,
        part.status_code,
        f"{said}; {own_said}{also}",
        errors,
        attempts,
        own.answered_at_ms,
        part.dlq or own.dlq,
    )


@dataclass(slots=True, eq=False)
class Line:
    """What Akeneo receives as one line of a request (or as one DELETE): the payload of one work, or
    of several works merged (coalescing; always for writes to a product model that variants imply),
    each answered with the line's answer. ``part`` is the model's code when the line is a variant's
    write to one of its product models, None when it is the event's own write.

    ``attempts`` counts the requests the line has been in; ``first_sent`` (clock time) and
    ``not_before`` serve the retry of a line Akeneo did not answer for good. ``blockers`` counts the
    lines it must wait for (a variant waits for its models' writes), ``dependents`` those waiting
    for it.
    """

    works: list[Work]
    payload: dict[str, Any] | None  # None for a DELETE
    entity: str
    operation: str
    identifier: str
    part: str | None = None
    attempts: int = 0
    first_sent: float | None = None
    not_before: float = 0.0
    blockers: int = 0
    dependents: list[Line] = field(default_factory=list)

    @classmethod
    def of(cls, work: Work) -> Line:
        e = work.event
        return cls([work], work.payload, e.entity, e.operation, e.identifier)

    @classmethod
    def model_part(cls, work: Work, code: str, payload: dict[str, Any]) -> Line:
        return cls([work], payload, PRODUCT_MODEL, UPSERT, code, part=code)

    @property
    def key(self) -> tuple[str, str]:
        """Whose writes keep their order: a product and a product model may share a code."""
        return (self.entity, self.identifier)

    @property
    def kind(self) -> tuple[str, str]:
        """What may share a request: one endpoint each."""
        return (self.entity, self.operation)

    def shed(self, partitions: Collection[tuple[str, int]]) -> bool:
        """Forget the works of these partitions (revoked); True when none is left."""
        self.works = [w for w in self.works if w.source.tp not in partitions]
        return not self.works


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
