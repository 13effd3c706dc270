"""What is published for an answered event: its feedback event and, where due, a DLQ copy.

Pure: builds and shrinks messages, produces nothing (the service's feedback step does). A
message over the results or DLQ topic's size limit would never be accepted, so each has a
smaller, still honest form: feedback without the echoed values and with its errors capped, a
DLQ copy without the message's value (the source position in its headers says where to find it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from consumer.codec import FeedbackEvent
from consumer.work import Source, Work

# Headers of a DLQ copy (values UTF-8): why it is there and where it came from.
H_ERROR, H_TOPIC, H_PARTITION, H_OFFSET = "x-error", "x-source-topic", "x-source-partition", "x-source-offset"
# Set on a DLQ copy whose value was left out, and on feedback whose values were: what was dropped.
H_REDUCED = "x-reduced"
MAX_ERRORS_REDUCED = 10
MAX_MESSAGE_REDUCED = 1000

Headers = list[tuple[str, str | bytes | None]]  # as the Kafka producer takes them


def now_ms() -> int:
    return int(time.time() * 1000)


def feedback_event(work: Work, dry_run: bool) -> FeedbackEvent:
    """The feedback of an answered work (its ``outcome`` set)."""
    event, source, outcome = work.event, work.source, work.outcome
    assert outcome is not None, "feedback is built for answered work only"
    return FeedbackEvent(
        event_id=event.event_id,
        identifier=event.identifier,
        operation=event.operation,
        status=outcome.status.value,
        status_code=outcome.status_code,
        message=outcome.message,
        errors=outcome.errors,
        topic=source.topic,
        partition=source.partition,
        offset=source.offset,
        occurred_at=event.occurred_at,
        processed_at=now_ms(),
        attempts=outcome.attempts,
        dry_run=dry_run,
        values=event.values,
        entity=event.entity,
    )


def encode_within(
    event: FeedbackEvent, encode: Callable[[FeedbackEvent], bytes], limit: int
) -> tuple[bytes, bool] | None:
    """``event`` encoded in at most ``limit`` bytes: as it is, else reduced (``reduced_feedback``), else
    also without errors and with a short message. Returns (bytes, reduced), or None when nothing fits."""
    data = encode(event)
    if len(data) <= limit:
        return data, False
    smaller = reduced_feedback(event, limit)
    data = encode(smaller)
    if len(data) <= limit:
        return data, True
    data = encode(replace(smaller, errors=[], message=(smaller.message or "")[-MAX_MESSAGE_REDUCED:]))
    return (data, True) if len(data) <= limit else None


def reduced_feedback(event: FeedbackEvent, limit: int) -> FeedbackEvent:
    """``event`` without its echoed values and with at most 10 errors; its message says so."""
    dropped = f"{len(event.values)} echoed values" + (
        f" and {len(event.errors) - MAX_ERRORS_REDUCED} of {len(event.errors)} errors"
        if len(event.errors) > MAX_ERRORS_REDUCED
        else ""
    )
    note = f"[feedback reduced to fit the results topic's {limit:,}-byte limit: {dropped} left out]"
    message = (event.message or "")[:MAX_MESSAGE_REDUCED]
    return replace(
        event,
        values={},
        errors=event.errors[:MAX_ERRORS_REDUCED],
        message=f"{message} {note}" if message else note,
    )


def dlq_headers(source: Source, reason: str) -> Headers:
    """The source's own headers, then why the copy is there and where the original is."""
    return [
        *(source.headers or []),
        (H_ERROR, reason.encode()),
        (H_TOPIC, source.topic.encode()),
        (H_PARTITION, str(source.partition).encode()),
        (H_OFFSET, str(source.offset).encode()),
    ]


def reason_label(reason: str) -> str:
    """A low-cardinality label for the DLQ metric: the reason's first words, not its details."""
    return reason.split(":", 1)[0][:40]
