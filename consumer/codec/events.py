"""The events the codec reads and writes, as plain typed objects (no Kafka, no Avro)."""

from __future__ import annotations

import dataclasses
from typing import TypedDict

UPSERT = "UPSERT"
DELETE = "DELETE"
OPERATIONS = (UPSERT, DELETE)  # in schema symbol order: the Avro enum index is the position here
STATUSES = ("CREATED", "UPDATED", "DELETED", "REJECTED", "FAILED", "SKIPPED")

Values = dict[str, str | None]


class ErrorDetail(TypedDict):
    """One validation error, in Akeneo's shape."""

    property: str | None
    attribute: str | None
    locale: str | None
    scope: str | None
    message: str


@dataclasses.dataclass(frozen=True, slots=True)
class ChangeEvent:
    """A product change: the flat row of one product (schemas/product_change.avsc)."""

    event_id: str
    occurred_at: int  # milliseconds since the Unix epoch
    operation: str  # UPSERT or DELETE
    identifier: str
    values: Values


@dataclasses.dataclass(frozen=True, slots=True)
class FeedbackEvent:
    """What became of one change event (schemas/product_feedback.avsc)."""

    event_id: str
    identifier: str
    operation: str
    status: str  # one of STATUSES
    status_code: int
    topic: str
    partition: int
    offset: int
    occurred_at: int  # milliseconds since the Unix epoch
    processed_at: int  # milliseconds since the Unix epoch
    message: str | None = None
    errors: list[ErrorDetail] = dataclasses.field(default_factory=list)
    attempts: int = 0
    dry_run: bool = False
    values: Values = dataclasses.field(default_factory=dict)
