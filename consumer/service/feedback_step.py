"""Step 5: publish each answered event's feedback (and DLQ copy), pass it on once the broker has them.

An event moves on to the commit step only when every message published for it is acknowledged
by the broker. Acknowledgements are delivery reports, served by ``producer.poll`` inside this
step's ``poll`` (on the loop's thread), and collected here: nothing calls back up the pipeline.

A delivery that fails is judged by its error:

* transient (broker down, leader moving, a timeout): produced again after a bounded, jittered
  backoff; the event waits, so nothing past it is committed;
* permanent for that message (too large, a topic it may not write): feedback is produced again in
  its reduced form, and when even that cannot be delivered the event's message goes to the DLQ
  instead; a DLQ copy that cannot be delivered is sent without its value. What still fails is
  counted, logged once and let go, so one event never stops its partition.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import random
import time
from collections.abc import Callable
from typing import Any, Protocol

from confluent_kafka import KafkaError, KafkaException, Producer

from consumer.codec import FeedbackEvent
from consumer.feedback import (
    H_REDUCED,
    Headers,
    dlq_headers,
    encode_within,
    feedback_event,
    reason_label,
    reduced_feedback,
)
from consumer.metrics import Metrics
from consumer.service.steps import Step
from consumer.work import Status, Work

log = logging.getLogger(__name__)

# Errors no retry can cure for this message; anything else is retried with backoff.
PERMANENT = frozenset(
    {
        KafkaError.MSG_SIZE_TOO_LARGE,
        KafkaError.RECORD_LIST_TOO_LARGE,
        KafkaError.INVALID_RECORD,
        KafkaError.TOPIC_AUTHORIZATION_FAILED,
        KafkaError.CLUSTER_AUTHORIZATION_FAILED,
        KafkaError.POLICY_VIOLATION,
        KafkaError.TOPIC_EXCEPTION,
        KafkaError._INVALID_ARG,
    }
)
# Room for the record's own framing and headers inside message.max.bytes.
FRAMING_BYTES = 1024
RETRY_BASE_S, RETRY_CAP_S = 0.5, 30.0


class FeedbackEncoder(Protocol):
    def encode_feedback(self, event: FeedbackEvent, topic: str) -> bytes: ...


class _Entry:
    """One work's messages still unacknowledged."""

    __slots__ = ("left", "work")

    def __init__(self, work: Work) -> None:
        self.work = work
        self.left = 0


class _Delivery:
    """One message on its way to the broker; its ``done`` is the delivery-report callback."""

    __slots__ = ("entry", "failures", "headers", "key", "kind", "step", "topic", "value")

    def __init__(
        self,
        step: FeedbackStep,
        entry: _Entry,
        kind: str,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: Headers | None,
    ) -> None:
        self.step, self.entry, self.kind = step, entry, kind
        self.topic, self.key, self.value, self.headers = topic, key, value, headers
        self.failures = 0

    def done(self, err: KafkaError | None, _msg: Any) -> None:
        self.step._report(self, err)


class FeedbackStep:
    def __init__(
        self,
        producer: Producer,
        codec: FeedbackEncoder,
        results_topic: str,
        dlq_topic: str,
        metrics: Metrics,
        next_step: Step[Work],
        dry_run: bool = False,
        max_message_bytes: int = 1_000_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._producer = producer
        self._codec = codec
        self._results = results_topic
        self._dlq = dlq_topic
        self._metrics = metrics
        self._next = next_step
        self._dry_run = dry_run
        self._limit = max(1024, max_message_bytes - FRAMING_BYTES)
        self._clock = clock
        self._acked: list[Work] = []
        self._retries: list[tuple[float, int, _Delivery]] = []  # (due, tiebreak, delivery): a heap
        self._tiebreak = itertools.count()
        self._unacked = 0
        # Counted here, added to the metric once per poll: a metric update per event costs more.
        self._processed = {status: metrics.events_processed.labels(status.value) for status in Status}
        self._counts = dict.fromkeys(Status, 0)

    @property
    def unacknowledged(self) -> int:
        """Messages produced (or waiting to be produced again) and not yet acknowledged."""
        return self._unacked

    def submit(self, work: Work) -> None:
        outcome = work.outcome
        assert outcome is not None, "the feedback step takes answered work"
        self._counts[outcome.status] += 1
        entry = _Entry(work)
        source = work.source
        if self._results and work.identifier:
            event = feedback_event(work, self._dry_run)
            fitted = encode_within(event, self._encode, self._limit - len(work.identifier.encode()))
            if fitted is None:
                self._metrics.feedback_dropped.labels("too_large").inc()
                log.error(
                    "feedback of event %s cannot fit the results topic's limit; not published", event.event_id
                )
            else:
                value, reduced = fitted
                headers: Headers | None = [(H_REDUCED, b"values")] if reduced else None
                if reduced:
                    self._metrics.feedback_reduced.inc()
                self._send(
                    _Delivery(
                        self, entry, "feedback", self._results, work.identifier.encode(), value, headers
                    )
                )
        if outcome.dlq is not None and self._dlq:
            self._metrics.dlq_messages.labels(reason_label(outcome.dlq)).inc()
            self._send(
                _Delivery(
                    self, entry, "dlq", self._dlq, source.key, source.value, dlq_headers(source, outcome.dlq)
                )
            )
        if entry.left == 0:
            self._acked.append(work)

    def _encode(self, event: FeedbackEvent) -> bytes:
        return self._codec.encode_feedback(event, self._results)

    def _send(self, delivery: _Delivery) -> None:
        delivery.entry.left += 1
        self._unacked += 1
        self._produce(delivery)

    def _produce(self, d: _Delivery) -> None:
        while True:
            try:
                self._producer.produce(
                    d.topic, value=d.value, key=d.key, headers=d.headers, on_delivery=d.done
                )
                return
            except BufferError:
                self._producer.poll(0.05)  # the local queue is full: let acknowledgements drain it
            except KafkaException as exc:  # refused before sending (too large for this producer, ...)
                self._report(d, exc.args[0] if exc.args else KafkaError(KafkaError._INVALID_ARG))
                return

    def _report(self, d: _Delivery, err: KafkaError | None) -> None:
        if err is None:
            self._acknowledged(d)
            return
        self._metrics.feedback_errors.inc()
        if err.fatal():
            raise KafkaException(err)  # the producer is unusable: stop; nothing was committed past this
        if err.code() not in PERMANENT:
            d.failures += 1
            delay = random.uniform(0.5, 1.0) * min(RETRY_CAP_S, RETRY_BASE_S * 2 ** min(d.failures - 1, 16))
            log.warning("publishing to %s failed, retrying in %.1fs: %s", d.topic, delay, err.str())
            heapq.heappush(self._retries, (self._clock() + delay, next(self._tiebreak), d))
            return
        self._permanent(d, err)

    def _permanent(self, d: _Delivery, err: KafkaError) -> None:
        """The broker will never take this message as it is: a smaller or other one instead, else let go."""
        work, why = d.entry.work, err.str()
        if d.kind == "feedback" and d.headers is None:
            log.warning("feedback of event %s refused (%s); publishing it reduced", work.event.event_id, why)
            value = self._encode(reduced_feedback(feedback_event(work, self._dry_run), self._limit))
            reduced = _Delivery(self, d.entry, "feedback", d.topic, d.key, value, [(H_REDUCED, b"values")])
            self._metrics.feedback_reduced.inc()
            self._replace(d, reduced)
            return
        if d.kind == "feedback" and self._dlq:
            log.error(
                "feedback of event %s cannot be delivered (%s); its message goes to the DLQ instead",
                work.event.event_id,
                why,
            )
            reason = f"feedback undeliverable: {why}"
            self._metrics.dlq_messages.labels(reason_label(reason)).inc()
            self._replace(
                d,
                _Delivery(
                    self,
                    d.entry,
                    "dlq",
                    self._dlq,
                    work.source.key,
                    work.source.value,
                    dlq_headers(work.source, reason),
                ),
            )
            return
        if d.kind == "dlq" and d.value is not None:
            log.error("DLQ copy of %s refused (%s); copying it without its value", work.source.position, why)
            headers = [*(d.headers or []), (H_REDUCED, f"value of {len(d.value)} bytes".encode())]
            self._replace(d, _Delivery(self, d.entry, "dlq", d.topic, d.key, None, headers))
            return
        self._metrics.feedback_dropped.labels(d.kind).inc()
        log.error("%s for %s cannot be delivered (%s); letting it go", d.kind, work.source.position, why)
        self._acknowledged(d)

    def _replace(self, old: _Delivery, new: _Delivery) -> None:
        old.entry.left += 1  # first: the replacement keeps the event waiting
        self._unacked += 1
        self._acknowledged(old)
        self._produce(new)

    def _acknowledged(self, d: _Delivery) -> None:
        self._unacked -= 1
        d.entry.left -= 1
        if d.entry.left == 0:
            self._acked.append(d.entry.work)

    def poll(self) -> None:
        for status, count in self._counts.items():
            if count:
                self._processed[status].inc(count)
                self._counts[status] = 0
        self._producer.poll(0)
        now = self._clock()
        while self._retries and self._retries[0][0] <= now:
            self._produce(heapq.heappop(self._retries)[2])
        if self._acked:
            acked, self._acked = self._acked, []
            for work in acked:
                self._next.submit(work)

    def close(self) -> None:
        pass

    def join(self, timeout_s: float) -> None:
        """Wait up to ``timeout_s`` for every outstanding acknowledgement, passing on what is acked."""
        deadline = self._clock() + timeout_s
        while self._unacked and self._clock() < deadline:
            self._producer.poll(min(0.05, max(0.0, deadline - self._clock())))
            self.poll()
        self.poll()
