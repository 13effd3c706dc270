"""The unit of work of the pipeline: one Kafka message on its way to a final outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from consumer.codec import STATUSES

# Feedback statuses, in the schema's order (contract: Feedback event)
CREATED, UPDATED, DELETED, REJECTED, FAILED, SKIPPED = STATUSES


@dataclass(slots=True, eq=False)
class Source:
    """Where a message was read, and its bytes (kept for a DLQ copy if Akeneo gives up)."""

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


@dataclass(slots=True, eq=False)
class Item:
    """A decoded event waiting for (or holding) Akeneo's answer."""

    source: Source
    event_id: str
    identifier: str
    operation: str
    occurred_at: int
    values: dict[str, str | None] = field(default_factory=dict)  # the input row, echoed in feedback
    payload: dict[str, Any] | None = None  # the mapped product, for UPSERT

    @property
    def partition_key(self) -> tuple[str, int]:
        return self.source.tp


@dataclass(slots=True)
class Outcome:
    """The final word on one item."""

    status: str
    status_code: int
    message: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    answered_at_ms: int | None = None  # when Akeneo answered (for the end-to-end latency metric)


def status_for_upsert(code: int) -> str:
    if code == 201:
        return CREATED
    if code == 204:
        return UPDATED
    if 400 <= code < 500 and code not in (408, 429):
        return REJECTED
    return FAILED
