"""The consumer loop: poll, decode, map, batch, dispatch, feed back, commit.

Everything but the Akeneo calls runs on this one thread, so the batcher, the offset tracker
and the Kafka consumer need no locks. Each turn of the loop:

1. reads what the broker has (unless paused), decodes and maps it: bad input is answered at
   once (REJECTED feedback, DLQ copy); good events wait in the batcher;
2. collects finished batches from the dispatcher and publishes their feedback;
3. hands new batches to the dispatcher while it has room;
4. commits what is finished (every event at or below the offset answered and its feedback
   acknowledged) and pauses or resumes partitions to keep memory bounded.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from confluent_kafka import Consumer, KafkaException, Message, TopicPartition

from consumer.batcher import Batch, Batcher
from consumer.codec import DELETE, UPSERT, ChangeEvent, DecodeError, RegistryError
from consumer.feedback import Publisher, now_ms
from consumer.health_server import Health
from consumer.metrics import Metrics
from consumer.offsets import OffsetTracker
from consumer.service.dispatcher import Dispatcher
from consumer.service.items import FAILED, REJECTED, SKIPPED, Item, Outcome, Source

log = logging.getLogger(__name__)

REGISTRY_RETRY_S = 2.0

# A product's mapping: (payload, None) when valid, (None, errors) when rejected.
MapResult = tuple[dict[str, Any] | None, list[dict[str, Any]] | None]
Mapper = Callable[[ChangeEvent], MapResult]
Decoder = Callable[[bytes, str, bytes | None], ChangeEvent]


@dataclass(frozen=True)
class LoopSettings:
    batch_limit: int
    linger_s: float
    max_buffered: int
    dry_run: bool
    tombstone_delete: bool
    shutdown_grace_s: float
    rebalance_drain_s: float = 10.0
    commit_interval_s: float = 1.0
    lag_interval_s: float = 5.0
    max_poll_records: int = 500


class ConsumerLoop:
    def __init__(
        self,
        consumer: Consumer,
        topic: str,
        decode: Decoder,
        mapper: Mapper,
        publisher_factory: Callable[[Callable[[Source], None]], Publisher],
        dispatcher: Dispatcher,
        settings: LoopSettings,
        metrics: Metrics,
        health: Health,
        on_rejected_by_akeneo: Callable[[list[dict[str, Any]]], None] = lambda errors: None,
    ) -> None:
        self._consumer = consumer
        self._topic = topic
        self._decode = decode
        self._map = mapper
        self._dispatcher = dispatcher
        self._s = settings
        self._metrics = metrics
        self._health = health
        self._on_rejected_by_akeneo = on_rejected_by_akeneo
        self._tracker = OffsetTracker()
        self._publisher = publisher_factory(self._finished)
        self._batcher: Batcher[Item] = Batcher(settings.batch_limit, settings.linger_s)
        self._assigned: set[tuple[str, int]] = set()
        self._epochs: dict[tuple[str, int], int] = {}  # bumped at each revocation of a partition
        self._held: dict[tuple[str, int], float] = {}  # partitions waiting for the registry, until when
        self._paused = False  # wanted: at the bound until half of it has drained
        self._paused_tps: set[tuple[str, int]] = set()  # partitions this loop has paused
        self._stop = threading.Event()
        self._last_commit = 0.0
        self._last_lag = 0.0

    # --- lifecycle ---------------------------------------------------------------------------
    def request_stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        self._consumer.subscribe(
            [self._topic], on_assign=self._on_assign, on_revoke=self._on_revoke, on_lost=self._on_lost
        )
        while not self._stop.is_set():
            self._turn()
        self._shutdown()

    def _turn(self) -> None:
        self._health.beat()
        busy = bool(self._dispatcher.batches()) or len(self._batcher) > 0
        room = self._s.max_buffered - self._tracker.open_events
        count = max(1, min(self._s.max_poll_records, room))
        # With batches in flight, wait on Akeneo's answers rather than on the broker, so a finished
        # batch is followed by the next one at once (no idle request slot).
        messages = self._consumer.consume(count, 0 if busy else 0.1)
        for message in messages:
            self._receive(message)
        self._release_held()
        self._collect(0.01 if busy and not messages else 0.0)
        self._dispatch(flush=False)
        self._publisher.poll(0)
        self._maybe_commit()
        self._backpressure()
        self._maybe_report_lag()

    # --- reading -------------------------------------------------------------------------------
    def _receive(self, message: Message) -> None:
        err = message.error()
        if err is not None:
            if not err.retriable() and err.fatal():
                raise KafkaException(err)
            log.warning("consumer error: %s", err)
            return
        topic, partition, offset = message.topic() or "", message.partition() or 0, message.offset() or 0
        if (topic, partition) in self._held:
            return  # read again once the registry answers
        headers = message.headers()
        source = Source(
            topic,
            partition,
            offset,
            message.key(),
            message.value(),
            _plain_headers(headers),
            self._epochs.get((topic, partition), 0),
        )
        if source.value is None:
            self._track(source)
            self._tombstone(source)
            return
        try:
            event = self._decode(source.value, topic, source.key)
        except DecodeError as exc:
            self._track(source)
            self._undecodable(source, exc)
            return
        except RegistryError as exc:
            self._hold(source, exc)
            return
        self._track(source)
        item = Item(
            source, event.event_id, event.identifier, event.operation, event.occurred_at, dict(event.values)
        )
        if event.operation == DELETE:
            self._enqueue(item)
            return
        payload, errors = self._map(event)
        if payload is None:
            outcome = Outcome(REJECTED, 422, "rejected before sending: invalid values", errors or [])
            self._answer(item, outcome)
            return
        item.payload = payload
        self._enqueue(item)

    def _track(self, source: Source) -> None:
        self._tracker.add(source.tp, source.offset)
        self._metrics.events_consumed.labels(source.topic).inc()

    def _hold(self, source: Source, exc: Exception) -> None:
        """The registry, not the message, failed: read this partition again from here later."""
        log.warning("schema registry unavailable, retrying in %ss: %s", REGISTRY_RETRY_S, exc)
        tp = TopicPartition(source.topic, source.partition, source.offset)
        self._consumer.pause([tp])
        self._consumer.seek(tp)
        self._held[source.tp] = time.monotonic() + REGISTRY_RETRY_S

    def _release_held(self) -> None:
        now = time.monotonic()
        for tp, until in list(self._held.items()):
            if now >= until:
                del self._held[tp]
                if not self._paused and tp in self._assigned:
                    self._consumer.resume([TopicPartition(*tp)])

    def _tombstone(self, source: Source) -> None:
        identifier = (source.key or b"").decode("utf-8", "replace")
        event_id = f"{source.topic}:{source.partition}:{source.offset}"
        if self._s.tombstone_delete and identifier:
            self._enqueue(Item(source, event_id, identifier, DELETE, now_ms()))
            return
        why = "tombstone skipped: deleting from a tombstone is off (TOMBSTONE_DELETE=false)"
        if not identifier:
            why = "tombstone without a key: nothing to delete"
        self._answer(Item(source, event_id, identifier, DELETE, now_ms()), Outcome(SKIPPED, 0, why))

    def _undecodable(self, source: Source, exc: DecodeError) -> None:
        identifier = exc.identifier or (source.key or b"").decode("utf-8", "replace")
        reason = f"undecodable: {exc}"
        event_id = exc.event_id or f"{source.topic}:{source.partition}:{source.offset}"
        outcome = Outcome(REJECTED, 422, f"{reason}; the message was copied to the DLQ")
        self._publisher.publish(
            source,
            event_id=event_id,
            identifier=identifier,
            operation=UPSERT,
            occurred_at=now_ms(),
            outcome=outcome,
            dlq_reason=reason,
            feedback=bool(identifier),
        )

    def _enqueue(self, item: Item) -> None:
        if self._s.dry_run:
            outcome = Outcome(SKIPPED, 0, "dry run: valid, not sent to Akeneo")
            self._answer(item, outcome)
            return
        self._batcher.add(item)

    def _answer(self, item: Item, outcome: Outcome, dlq_reason: str | None = None) -> None:
        self._publisher.publish(
            item.source,
            event_id=item.event_id,
            identifier=item.identifier,
            operation=item.operation,
            occurred_at=item.occurred_at,
            outcome=outcome,
            values=item.values,
            dlq_reason=dlq_reason,
        )

    # --- Akeneo ----------------------------------------------------------------------------------
    def _dispatch(self, flush: bool) -> None:
        free = self._dispatcher.free
        if free <= 0:
            return
        for batch in self._batcher.take(free, flush=flush):
            self._metrics.batch_size.observe(len(batch))
            self._dispatcher.submit(batch)

    def _collect(self, timeout: float) -> None:
        for batch, outcomes in self._dispatcher.completed(timeout):
            self._batcher.complete(batch)
            if outcomes is None:
                continue  # cancelled: no final answer; the next owner reads these events again
            akeneo_errors: list[dict[str, Any]] = []
            for item, outcome in zip(batch.items, outcomes, strict=True):
                if self._epochs.get(item.source.tp, 0) != item.source.epoch:
                    continue  # revoked while in flight and abandoned (even if assigned again since)
                if outcome.answered_at_ms is not None:
                    waited_s = (outcome.answered_at_ms - item.occurred_at) / 1000
                    self._metrics.event_to_answer.observe(max(0.0, waited_s))
                if outcome.status == REJECTED:
                    akeneo_errors.extend(outcome.errors)
                dlq = f"Akeneo failed: {outcome.message}" if outcome.status == FAILED else None
                self._answer(item, outcome, dlq_reason=dlq)
            if akeneo_errors:
                self._on_rejected_by_akeneo(akeneo_errors)

    # --- offsets and flow control ------------------------------------------------------------
    def _finished(self, source: Source) -> None:
        self._tracker.finish(source.tp, source.offset)

    def _maybe_commit(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_commit < self._s.commit_interval_s:
            return
        self._last_commit = now
        self._commit(asynchronous=not force)

    def _commit(self, asynchronous: bool, only: set[tuple[str, int]] | None = None) -> None:
        offsets = {tp: o for tp, o in self._tracker.to_commit().items() if only is None or tp in only}
        if not offsets:
            return
        tps = [TopicPartition(t, p, o) for (t, p), o in offsets.items()]
        try:
            if asynchronous:
                self._consumer.commit(offsets=tps, asynchronous=True)
            else:
                self._consumer.commit(offsets=tps, asynchronous=False)
        except KafkaException as exc:
            self._metrics.commits.labels("error").inc()
            log.warning("commit failed (will retry): %s", exc)
            return
        self._tracker.committed(offsets)
        self._metrics.commits.labels("ok").inc()

    def _backpressure(self) -> None:
        """Pause every assigned partition at the bound, resume at half of it. Applied each turn,
        so partitions assigned while full (incremental rebalancing) are paused too."""
        open_events = self._tracker.open_events
        self._metrics.buffered_events.set(open_events)
        if not self._paused and open_events >= self._s.max_buffered:
            self._paused = True
        elif self._paused and open_events <= self._s.max_buffered // 2:
            self._paused = False
        if self._paused:
            newly = self._assigned - self._paused_tps
            if newly:
                self._consumer.pause([TopicPartition(t, p) for t, p in newly])
                self._paused_tps |= newly
        elif self._paused_tps:
            waiting = self._paused_tps - self._held.keys()  # held ones resume when the registry answers
            self._consumer.resume([TopicPartition(t, p) for t, p in waiting])
            self._paused_tps.clear()
        self._metrics.paused_partitions.set(len(self._paused_tps))

    def _maybe_report_lag(self) -> None:
        """Lag from what this client already knows: the high watermark of the last fetch response
        and our own last commit (or read position). No broker round trip on the loop's thread."""
        now = time.monotonic()
        if now - self._last_lag < self._s.lag_interval_s or not self._assigned:
            return
        self._last_lag = now
        for topic, partition in self._assigned:
            tp = TopicPartition(topic, partition)
            try:
                _, high = self._consumer.get_watermark_offsets(tp, cached=True)
            except KafkaException:
                continue
            done = self._tracker.committed_offset((topic, partition))
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
        self._release(revoked, drain_s=self._s.rebalance_drain_s, commit=True)
        log.info("partitions revoked", extra={"partitions": sorted(p for _, p in revoked)})

    def _on_lost(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        # Lost, not revoked: someone else may own them already, so commit nothing.
        self._release({(p.topic, p.partition) for p in partitions}, drain_s=0.0, commit=False)

    def _release(self, revoked: set[tuple[str, int]], drain_s: float, commit: bool) -> None:
        """Finish (within ``drain_s``) or abandon the work of revoked partitions, commit, forget."""
        self._batcher.drop(revoked)
        deadline = time.monotonic() + drain_s
        while self._touching(revoked) and time.monotonic() < deadline:
            self._collect(0.05)
            self._publisher.poll(0)
        for batch in self._touching(revoked):
            self._dispatcher.cancel(batch)
        self._publisher.flush(max(0.0, deadline - time.monotonic()) + 5.0)
        if commit:
            self._commit(asynchronous=False, only=revoked)
        self._tracker.forget(revoked)
        self._assigned -= revoked
        self._paused_tps -= revoked
        self._health.assigned = bool(self._assigned)
        for tp in revoked:
            self._epochs[tp] = self._epochs.get(tp, 0) + 1
            self._held.pop(tp, None)
            with contextlib.suppress(KeyError):  # no lag reported for it yet
                self._metrics.consumer_lag.remove(tp[0], str(tp[1]))

    def _touching(self, tps: set[tuple[str, int]]) -> list[Batch[Item]]:
        return [b for b in self._dispatcher.batches() if any(i.source.tp in tps for i in b.items)]

    # --- shutdown --------------------------------------------------------------------------------
    def _shutdown(self) -> None:
        """Drain what was read within the grace time, commit what finished, leave the group."""
        deadline = time.monotonic() + self._s.shutdown_grace_s
        if self._assigned:
            self._consumer.pause([TopicPartition(t, p) for t, p in self._assigned])
        while (self._dispatcher.batches() or len(self._batcher)) and time.monotonic() < deadline:
            self._dispatch(flush=True)
            self._collect(0.05)
            self._publisher.poll(0)
        self._dispatcher.cancel_all()
        settle = time.monotonic() + 2.0  # cancelled batches report back once their request returns
        while self._dispatcher.batches() and time.monotonic() < settle:
            self._collect(0.05)
        self._publisher.flush(max(0.5, deadline - time.monotonic()))
        self._commit(asynchronous=False)
        unfinished = self._tracker.open_events
        if unfinished:
            log.warning("shutting down with %d events unfinished; they will be read again", unfinished)
        self._consumer.close()  # triggers _on_revoke, which finds nothing left to do
        self._dispatcher.close()


def _plain_headers(headers: Any) -> list[tuple[str, bytes]] | None:
    """Kafka headers as (name, bytes) pairs, kept on a DLQ copy."""
    if not headers:
        return None
    pairs = headers.items() if isinstance(headers, dict) else headers
    return [(k, v.encode() if isinstance(v, str) else (v or b"")) for k, v in pairs]
