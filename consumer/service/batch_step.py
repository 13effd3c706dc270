"""Step 3: per-product ordered micro-batches, handed to Akeneo's senders the moment they can go.

Works wait in a ``Batcher`` (one queue per identifier; only the head of an identifier with
nothing in flight may join a batch). The loop's thread adds; the Akeneo step's sender threads
``take`` a batch as soon as one is full or its oldest event has lingered ``BATCH_LINGER_MS``,
and ``complete`` it once Akeneo answered, which frees its identifiers' next events. Senders
waiting here are woken when a batch fills, so a finished request is followed by the next at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection
from typing import Any

from consumer.batcher import Batch, Batcher
from consumer.work import Work

IDLE_WAIT_S = 0.05  # a sender with nothing to wait for re-checks this often (shutdown, flush)


class BatchStep:
    def __init__(self, limit: int, linger_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._batcher: Batcher[Work] = Batcher(limit, linger_s, clock)
        self._limit = limit
        self._clock = clock
        self._cond = threading.Condition()
        self._flushing = False
        self._closed = False

    def __len__(self) -> int:
        """Works waiting to join a batch."""
        return len(self._batcher)

    def submit(self, work: Work) -> None:
        with self._cond:
            ready = self._batcher.add(work)
            # Wake a sender only when it has something new to act on: a first deadline to wait for,
            # or a full batch (waking one on every event would cost more than the events).
            if ready == 1 or ready == self._limit:
                self._cond.notify()

    def take(self, timeout_s: float) -> Batch[Work] | None:
        """The next batch that may go, waiting up to ``timeout_s`` for one (None: none came, or closed)."""
        give_up = self._clock() + timeout_s
        with self._cond:
            while not self._closed:
                batches = self._batcher.take(1, flush=self._flushing)
                if batches:
                    if self._batcher.full():
                        self._cond.notify()  # another full batch for another sender
                    return batches[0]
                now = self._clock()
                if now >= give_up:
                    return None
                due = self._batcher.next_deadline()
                wait = IDLE_WAIT_S if due is None else due - now
                self._cond.wait(max(0.0, min(wait, give_up - now)))
        return None

    def complete(self, batch: Batch[Work]) -> None:
        """Akeneo answered ``batch`` (or it was abandoned): its identifiers may send their next events."""
        with self._cond:
            self._batcher.complete(batch)
            if self._batcher.full():
                self._cond.notify()

    def drop(self, partitions: Collection[Any]) -> list[Work]:
        """Forget the waiting works of these partitions (revoked)."""
        with self._cond:
            return self._batcher.drop(partitions)

    def flush(self) -> None:
        """Let every waiting work go without lingering (shutdown)."""
        with self._cond:
            self._flushing = True
            self._cond.notify_all()

    def poll(self) -> None:
        pass

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def join(self, timeout_s: float) -> None:
        pass
