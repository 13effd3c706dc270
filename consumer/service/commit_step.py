"""Step 6, the last: commit, per partition, everything below the oldest unfinished event.

Every message is registered when read (``register``) and finished when it arrives here, its
feedback acknowledged. Commits are asynchronous, at most one under way, and an offset counts as
committed only once the broker confirms it (``confirmed``, librdkafka's ``on_commit``, served
on the loop's thread); a commit that fails is simply made again at the next interval.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from typing import Any, Protocol

from confluent_kafka import KafkaError, KafkaException, TopicPartition

from consumer.metrics import Metrics
from consumer.offsets import OffsetTracker
from consumer.work import Source, Work

log = logging.getLogger(__name__)

TP = tuple[str, int]
CONFIRM_TIMEOUT_S = 30.0  # an unconfirmed commit after this long is made again


class Committer(Protocol):
    """The consumer, as far as committing goes."""

    def commit(self, *args: Any, **kwargs: Any) -> Any: ...


class CommitStep:
    def __init__(
        self,
        metrics: Metrics,
        interval_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.tracker = OffsetTracker()
        self._metrics = metrics
        self._interval = interval_s
        self._clock = clock
        self._consumer: Committer | None = None
        self._last = clock()
        self._in_flight: dict[TP, int] | None = None  # the asynchronous commit awaiting confirmation
        self._sent_at = 0.0
        self._ok = metrics.commits.labels("ok")
        self._error = metrics.commits.labels("error")

    def bind(self, consumer: Committer) -> None:
        """The consumer to commit with (built after this step: its ``on_commit`` is ``confirmed``)."""
        self._consumer = consumer

    @property
    def open_events(self) -> int:
        return self.tracker.open_events

    def register(self, source: Source) -> None:
        self.tracker.add(source.tp, source.offset)

    def submit(self, work: Work) -> None:
        self.tracker.finish(work.source.tp, work.source.offset)

    def poll(self) -> None:
        now = self._clock()
        if self._in_flight is not None and now - self._sent_at > CONFIRM_TIMEOUT_S:
            self._failed("no confirmation from the broker")  # lost in a rebalance: commit again
        if self._in_flight is not None or now - self._last < self._interval:
            return
        self._last = now
        offsets = self.tracker.to_commit()
        if not offsets or self._consumer is None:
            return
        self._in_flight, self._sent_at = offsets, now
        try:
            self._consumer.commit(offsets=_partitions(offsets), asynchronous=True)
        except KafkaException as exc:
            self._failed(exc.args[0] if exc.args else exc)

    def confirmed(self, err: KafkaError | None, partitions: list[TopicPartition]) -> None:
        """librdkafka's report of a commit (``on_commit``)."""
        if err is not None:
            if err.code() == KafkaError._NO_OFFSET:
                self._in_flight = None  # nothing needed committing
                return
            self._failed(err)
            return
        done = {(p.topic, p.partition): p.offset for p in partitions if p.error is None}
        self.tracker.committed(done)
        if any(p.error is not None for p in partitions):
            self._failed(next(p.error for p in partitions if p.error is not None))
            return
        self._in_flight = None
        self._ok.inc()

    def _failed(self, err: object) -> None:
        self._in_flight = None
        self._error.inc()
        log.warning("commit failed (will retry): %s", err)

    def commit_now(self, only: Collection[TP] | None = None) -> bool:
        """A synchronous commit of what is finished (of ``only`` these partitions); True if it held."""
        offsets = {tp: o for tp, o in self.tracker.to_commit().items() if only is None or tp in only}
        if not offsets or self._consumer is None:
            return True
        try:
            self._consumer.commit(offsets=_partitions(offsets), asynchronous=False)
        except KafkaException as exc:
            self._failed(exc.args[0] if exc.args else exc)
            return False
        self.tracker.committed(offsets)
        self._ok.inc()
        return True

    def forget(self, tps: Collection[TP]) -> None:
        self.tracker.forget(tps)

    def committed_offset(self, tp: TP) -> int | None:
        return self.tracker.committed_offset(tp)

    def close(self) -> None:
        pass

    def join(self, timeout_s: float) -> None:
        self.commit_now()


def _partitions(offsets: dict[TP, int]) -> list[TopicPartition]:
    return [TopicPartition(t, p, o) for (t, p), o in offsets.items()]
