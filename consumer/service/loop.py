"""The consumer loop: poll Kafka, submit to the pipeline, pause and resume, handle assignments.

Everything but the Akeneo calls runs on this one thread (rebalance callbacks, delivery reports
and commit confirmations included), so the steps need no locks but the one they share with the
Akeneo senders. Each turn reads what the broker has, offers it to the pipeline and polls the
pipeline; when the pipeline is full it says so (``MessageRejected``) and the loop pauses every
partition, keeps the refused messages and offers them again until they are taken, then resumes.
With work under way and nothing to read, the loop sleeps on the pipeline's ``wake`` (set by
every Akeneo answer), a few milliseconds at most, instead of on the broker.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from confluent_kafka import Consumer, KafkaException, Message, TopicPartition

from consumer.health_server import Health
from consumer.metrics import Metrics
from consumer.service.pipeline import Pipeline
from consumer.service.steps import Hold, MessageRejected
from consumer.work import Source

log = logging.getLogger(__name__)

TP = tuple[str, int]


@dataclass(frozen=True)
class LoopSettings:
    shutdown_grace_s: float = 30.0
    rebalance_drain_s: float = 10.0
    lag_interval_s: float = 5.0
    max_poll_records: int = 500
    idle_poll_s: float = 0.1  # broker wait when nothing is under way
    busy_wait_s: float = 0.005  # longest sleep on the pipeline's wake while work is under way
    # Pausing a partition drops what librdkafka prefetched for it, so a pipeline full for a moment
    # is waited out without reading (the prefetch, bounded by queued.max.messages.kbytes, stays);
    # only a pipeline full this long pauses the partitions (as arroyo does).
    pause_after_s: float = 2.0


class ConsumerLoop:
    def __init__(
        self,
        consumer: Consumer,
        topic: str,
        pipeline: Pipeline,
        settings: LoopSettings,
        metrics: Metrics,
        health: Health,
        clock: Any = time.monotonic,
    ) -> None:
        self._consumer = consumer
        self._topic = topic
        self._pipeline = pipeline
        self._s = settings
        self._metrics = metrics
        self._health = health
        self._clock = clock
        self._assigned: set[TP] = set()
        self._held: dict[TP, float] = {}  # partitions waiting for the schema registry, until when
        self._refused: deque[Message] = deque()  # read, refused by a full pipeline: offered again first
        self._refused_since: float | None = None
        self._paused: set[TP] = set()  # paused because the pipeline is full
        self._stop = threading.Event()
        self._closing = False
        self._last_lag = 0.0

    # --- lifecycle ---------------------------------------------------------------------------------
    def request_stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        self.subscribe()
        while not self._stop.is_set():
            self.turn()
        self.shutdown()

    def subscribe(self) -> None:
        self._consumer.subscribe(
            [self._topic], on_assign=self._on_assign, on_revoke=self._on_revoke, on_lost=self._on_lost
        )

    def turn(self) -> None:
        self._health.beat()
        self._release_held()
        read = 0
        if self._refused:
            self._offer(self._refused)
        if not self._refused or self._paused:
            # While paused, reading serves rebalances and keeps the group membership alive; what
            # comes is from partitions assigned since, paused in their turn below.
            busy = self._pipeline.busy()
            room = max(1, min(self._s.max_poll_records, self._pipeline.room))
            messages = self._consumer.consume(room, 0 if busy or self._refused else self._s.idle_poll_s)
            read = len(messages)
            if self._refused:
                self._refused.extend(messages)
            else:
                self._offer(deque(messages))
        self._pipeline.poll()
        self._keep_paused()
        self._maybe_report_lag()
        if (not read or self._refused) and self._pipeline.busy():
            self._pipeline.wake.wait(self._s.busy_wait_s)
            self._pipeline.wake.clear()

    # --- reading -------------------------------------------------------------------------------
    def _offer(self, messages: deque[Message]) -> None:
        """Submit in order; on MessageRejected keep the rest (in order) and pause everything."""
        while messages:
            message = messages[0]
            try:
                self._submit(message)
            except MessageRejected:
                # Messages of a partition held meanwhile are read again from its held offset: keeping
                # them here would offer them before the ones they follow.
                self._refused = deque(m for m in messages if (m.topic(), m.partition()) not in self._held)
                if self._refused_since is None:
                    self._refused_since = self._clock()
                return
            messages.popleft()
        self._refused = deque()
        self._refused_since = None
        self._resume_all()

    def _submit(self, message: Message) -> None:
        err = message.error()
        if err is not None:
            if err.fatal():
                raise KafkaException(err)
            log.warning("consumer error: %s", err)
            return
        topic, partition = message.topic() or "", message.partition() or 0
        tp = (topic, partition)
        if tp in self._held or tp not in self._assigned:
            return  # read again once the registry answers; or revoked since it was fetched
        source = Source(
            topic,
            partition,
            message.offset() or 0,
            message.key(),
            message.value(),
            _plain_headers(message.headers()),
            self._pipeline.epoch_of(tp),
        )
        try:
            self._pipeline.submit(source)
        except Hold as hold:
            self._hold(hold)

    def _hold(self, hold: Hold) -> None:
        """The registry, not the message, failed: read this partition again from here later."""
        log.warning("schema registry unavailable, retrying in %ss: %s", hold.retry_s, hold)
        tp = TopicPartition(hold.topic, hold.partition, hold.offset)
        self._consumer.pause([tp])
        self._consumer.seek(tp)
        self._held[(hold.topic, hold.partition)] = self._clock() + hold.retry_s

    def _release_held(self) -> None:
        if not self._held:
            return
        now = self._clock()
        for tp, until in list(self._held.items()):
            if now >= until:
                del self._held[tp]
                if tp in self._assigned and tp not in self._paused:
                    self._consumer.resume([TopicPartition(*tp)])

    # --- flow control ----------------------------------------------------------------------------
    def _pause_all(self) -> None:
        newly = self._assigned - self._paused
        if newly:
            self._consumer.pause([TopicPartition(t, p) for t, p in newly])
            self._paused |= newly
            self._metrics.paused_partitions.set(len(self._paused))

    def _keep_paused(self) -> None:
        """Full for ``pause_after_s``: pause every partition, those assigned since included."""
        self._metrics.buffered_events.set(self._pipeline.open_events)
        if self._refused_since is not None and self._clock() - self._refused_since >= self._s.pause_after_s:
            self._pause_all()

    def _resume_all(self) -> None:
        if not self._paused:
            return
        waiting = (self._paused & self._assigned) - self._held.keys()  # held ones resume on their own
        if waiting:
            self._consumer.resume([TopicPartition(t, p) for t, p in waiting])
        self._paused.clear()
        self._metrics.paused_partitions.set(0)

    def _maybe_report_lag(self) -> None:
        """Lag from what this client already knows: the high watermark of the last fetch response
        and our own last commit (or read position). No broker round trip on the loop's thread."""
        now = self._clock()
        if now - self._last_lag < self._s.lag_interval_s or not self._assigned:
            return
        self._last_lag = now
        for topic, partition in self._assigned:
            tp = TopicPartition(topic, partition)
            try:
                _, high = self._consumer.get_watermark_offsets(tp, cached=True)
            except KafkaException:
                continue
            done = self._pipeline.commit.committed_offset((topic, partition))
            if done is None:
                done = self._consumer.position([tp])[0].offset
            if high >= 0 and done is not None and done >= 0:
                self._metrics.consumer_lag.labels(topic, str(partition)).set(max(0, high - done))

    # --- rebalances ------------------------------------------------------------------------------
    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self._assigned.update((p.topic, p.partition) for p in partitions)
        self._health.assigned = bool(self._assigned)
        log.info("partitions assigned", extra={"partitions": sorted(p.partition for p in partitions)})

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        revoked = {(p.topic, p.partition) for p in partitions}
        if self._closing:  # shutdown drained and committed within the grace time already
            self._release(revoked, drain_s=0.0, commit=False)
        else:
            self._release(revoked, drain_s=self._s.rebalance_drain_s, commit=True)
        log.info("partitions revoked", extra={"partitions": sorted(p for _, p in revoked)})

    def _on_lost(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        # Lost, not revoked: someone else may own them already, so commit nothing.
        self._release({(p.topic, p.partition) for p in partitions}, drain_s=0.0, commit=False)

    def _release(self, revoked: set[TP], drain_s: float, commit: bool) -> None:
        self._pipeline.release(revoked, drain_s, commit)
        self._refused = deque(m for m in self._refused if (m.topic(), m.partition()) not in revoked)
        self._assigned -= revoked
        self._paused -= revoked
        self._metrics.paused_partitions.set(len(self._paused))
        self._health.assigned = bool(self._assigned)
        for tp in revoked:
            self._held.pop(tp, None)
            with contextlib.suppress(KeyError):  # no lag reported for it yet
                self._metrics.consumer_lag.remove(tp[0], str(tp[1]))

    # --- shutdown --------------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Drain what was read within the grace time, commit what finished, leave the group."""
        if self._assigned:
            self._consumer.pause([TopicPartition(t, p) for t, p in self._assigned])
        self._pipeline.shutdown(self._s.shutdown_grace_s)
        unfinished = self._pipeline.open_events
        if unfinished:
            log.warning("shutting down with %d events unfinished; they will be read again", unfinished)
        self._closing = True
        self._consumer.close()  # triggers _on_revoke, which only forgets the partitions


def _plain_headers(headers: Any) -> list[tuple[str, bytes]] | None:
    """Kafka headers as (name, bytes) pairs, kept on a DLQ copy."""
    if not headers:
        return None
    pairs = headers.items() if isinstance(headers, dict) else headers
    return [(k, v.encode() if isinstance(v, str) else (v or b"")) for k, v in pairs]
