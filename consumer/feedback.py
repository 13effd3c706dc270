"""Feedback events to the results topic and message copies to the DLQ topic.

An event is finished (its offset may be committed) only when every message published for it
is acknowledged by the broker: its feedback, plus its DLQ copy where there is one. A message
the broker fails to acknowledge is published again, so nothing is lost and nothing is
committed past it. Acknowledgements arrive in ``poll()``, on the caller's thread.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

import orjson
from confluent_kafka import Producer

from consumer.codec import ErrorDetail, FeedbackEvent
from consumer.metrics import Metrics
from consumer.service.items import Outcome, Source

log = logging.getLogger(__name__)

# Headers of a DLQ copy (values UTF-8): why it is there and where it came from.
H_ERROR, H_TOPIC, H_PARTITION, H_OFFSET = "x-error", "x-source-topic", "x-source-partition", "x-source-offset"


class FeedbackEncoder(Protocol):
    def encode_feedback(self, event: FeedbackEvent, topic: str) -> bytes: ...


Headers = list[tuple[str, str | bytes | None]]
_Message = tuple[str, bytes | None, bytes | None, Headers | None]  # topic, key, value, headers


def now_ms() -> int:
    return int(time.time() * 1000)


class Publisher:
    def __init__(
        self,
        producer: Producer,
        codec: FeedbackEncoder,
        results_topic: str,
        dlq_topic: str,
        metrics: Metrics,
        on_finished: Callable[[Source], None],
        dry_run: bool = False,
    ) -> None:
        self._producer = producer
        self._codec = codec
        self._results_topic = results_topic
        self._dlq_topic = dlq_topic
        self._metrics = metrics
        self._on_finished = on_finished
        self._dry_run = dry_run

    def publish(
        self,
        source: Source,
        *,
        event_id: str,
        identifier: str,
        operation: str,
        occurred_at: int,
        outcome: Outcome,
        values: dict[str, str | None] | None = None,
        dlq_reason: str | None = None,
        feedback: bool = True,
    ) -> None:
        """Feedback for one event (and a DLQ copy of its message when ``dlq_reason`` is set).

        ``feedback=False`` publishes only the DLQ copy: without an identifier there is no key to
        give the feedback event.
        """
        self._metrics.events_processed.labels(outcome.status).inc()
        waiting = [0]

        def acked() -> None:
            waiting[0] -= 1
            if waiting[0] == 0:
                self._on_finished(source)

        messages: list[_Message] = []
        if self._results_topic and feedback:
            event = FeedbackEvent(
                event_id=event_id,
                identifier=identifier,
                operation=operation,
                status=outcome.status,
                status_code=outcome.status_code,
                message=outcome.message,
                errors=[_error_shape(e) for e in outcome.errors],
                topic=source.topic,
                partition=source.partition,
                offset=source.offset,
                occurred_at=occurred_at,
                processed_at=now_ms(),
                attempts=outcome.attempts,
                dry_run=self._dry_run,
                values=values or {},
            )
            value = self._codec.encode_feedback(event, self._results_topic)
            messages.append((self._results_topic, identifier.encode(), value, None))
        if dlq_reason is not None and self._dlq_topic:
            self._metrics.dlq_messages.labels(_reason_label(dlq_reason)).inc()
            headers: Headers = [
                (H_ERROR, dlq_reason.encode()),
                (H_TOPIC, source.topic.encode()),
                (H_PARTITION, str(source.partition).encode()),
                (H_OFFSET, str(source.offset).encode()),
            ]
            messages.append((self._dlq_topic, source.key, source.value, [*(source.headers or []), *headers]))
        if not messages:
            self._on_finished(source)
            return
        waiting[0] = len(messages)
        for message in messages:
            self._produce(*message, acked)

    def _produce(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: Headers | None,
        acked: Callable[[], None],
    ) -> None:
        def on_delivery(err: Any, _msg: Any) -> None:
            if err is None:
                acked()
                return
            # Not acknowledged: publish again; the offset stays uncommitted until it is.
            self._metrics.feedback_errors.inc()
            log.warning("publishing to %s failed, retrying: %s", topic, err)
            self._produce(topic, key, value, headers, acked)

        while True:
            try:
                self._producer.produce(topic, value=value, key=key, headers=headers, on_delivery=on_delivery)
                return
            except BufferError:
                self._producer.poll(0.05)  # the local queue is full: let acknowledgements drain it

    def poll(self, timeout: float = 0.0) -> None:
        self._producer.poll(timeout)

    def flush(self, timeout: float) -> bool:
        """Wait for every acknowledgement; True when none is outstanding."""
        return self._producer.flush(timeout) == 0


def _error_shape(error: dict[str, Any]) -> ErrorDetail:
    message = error.get("message")
    return {
        "property": _opt_str(error.get("property")),
        "attribute": _opt_str(error.get("attribute")),
        "locale": _opt_str(error.get("locale")),
        "scope": _opt_str(error.get("scope")),
        "message": message if isinstance(message, str) else orjson.dumps(message).decode(),
    }


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _reason_label(reason: str) -> str:
    """A low-cardinality label for the DLQ metric: the reason's first words, not its details."""
    return reason.split(":", 1)[0][:40]
