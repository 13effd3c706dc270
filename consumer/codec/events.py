"""The events the codec reads and writes, as plain typed objects (no Kafka, no Avro)."""

from __future__ import annotations

import dataclasses
from typing import TypedDict

UPSERT = "UPSERT"
DELETE = "DELETE"
OPERATIONS = (UPSERT, DELETE)  # in schema symbol order: the Avro enum index is the position here
PRODUCT = "PRODUCT"
PRODUCT_MODEL = "PRODUCT_MODEL"
ENTITIES = (PRODUCT, PRODUCT_MODEL)  # in schema symbol order, as OPERATIONS
MODEL_COLUMN = "family_variant"  # a column only product models have
STATUSES = ("CREATED", "UPDATED", "DELETED", "REJECTED", "FAILED", "SKIPPED")

Values = dict[str, str | None]


def entity_of(entity: str, values: Values) -> str:
    """What the event describes: a row with a ``family_variant`` column is a product model whatever
    its ``entity`` says (older producers do not set it, and products have no family variant)."""
    return PRODUCT_MODEL if MODEL_COLUMN in values else entity


class ErrorDetail(TypedDict):
    """One validation error, in Akeneo's shape."""

    property: str | None
    attribute: str | None
    locale: str | None
    scope: str | None
    message: str


# Not frozen, though never changed once built: one of each is built per event, and a frozen
# dataclass's __init__ (object.__setattr__ per field) costs three times a plain one's.
@dataclasses.dataclass(slots=True)
class ChangeEvent:
    """A change of one product or product model: its flat row (schemas/product_change.avsc)."""

    event_id: str
    occurred_at: int  # milliseconds since the Unix epoch
    operation: str  # UPSERT or DELETE
    identifier: str
    values: Values
    entity: str = PRODUCT  # PRODUCT or PRODUCT_MODEL (then ``identifier`` is the model's code)


@dataclasses.dataclass(slots=True)  # not frozen, as ChangeEvent
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
    entity: str = PRODUCT  # the event's entity
