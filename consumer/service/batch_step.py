"""Step 3: per-product ordered micro-batches, handed to Akeneo's senders the moment they can go.

Each work becomes a ``Line`` waiting in a ``Batcher`` (one queue per product or product model;
only the head of one with nothing in flight may join a batch). With ``COALESCE`` on, an upsert
that arrives while an earlier upsert of the same product still waits (queued behind one in
flight, or in the same batch window) is merged into it: one line, each event answered with its
answer; a DELETE ends a merge. The loop's thread adds; the Akeneo step's sender threads ``take``
a batch as soon as one is full or its oldest line has lingered ``BATCH_LINGER_MS``, give back
(``requeue``) the lines Akeneo did not answer for good, and ``complete`` the batch, which frees
its products' next lines. Senders waiting here are woken when a batch fills, so a finished
request is followed by the next at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection
from typing import Any

from consumer.batcher import Batch, Batcher
from consumer.codec import PRODUCT_MODEL, UPSERT
from consumer.mapping.merge import merge_payloads
from consumer.work import Line, Work

IDLE_WAIT_S = 0.05  # a sender with nothing to wait for re-checks this often (shutdown, flush)


class BatchStep:
    def __init__(
        self,
        limit: int,
        linger_s: float,
        clock: Callable[[], float] = time.monotonic,
        coalesce: bool = True,
        on_coalesced: Callable[[], None] = lambda: None,
    ) -> None:
        self._on_coalesced = on_coalesced
        self._coalesce = coalesce
        self._batcher: Batcher[Line] = Batcher(limit, linger_s, clock, self._merge)
        # The latest line of each product model not yet complete: what a variant written after it waits for.
        self._latest_model: dict[tuple[str, str], Line] = {}
        self._limit = limit
        self._clock = clock
        self._cond = threading.Condition()
        self._flushing = False
        self._closed = False

    def __len__(self) -> int:
        """Lines waiting to join a batch."""
        return len(self._batcher)

    def _merge(self, waiting: Line, newcomer: Line) -> bool:
        if waiting.operation != UPSERT or newcomer.operation != UPSERT:
            return False  # a DELETE ends a merge: what follows it starts anew
        if not (self._coalesce or (waiting.part is not None and newcomer.part is not None)):
            return False  # writes to a model that variants imply merge always, other lines by COALESCE
        if newcomer.blockers:
            return False  # it waits for model writes the waiting line does not: it must not go with it
        assert waiting.payload is not None and newcomer.payload is not None
        waiting.payload = merge_payloads(waiting.payload, newcomer.payload)
        waiting.works.extend(newcomer.works)
        self._on_coalesced()
        return True

    def submit(self, work: Work) -> None:
        """Queue the event's writes: to its product models first (a variant's), then its own, which
        waits for the latest write of every model it hangs from that is not complete yet."""
        with self._cond:
            notify = False
            for code, payload in work.models:
                notify |= self._add(Line.model_part(work, code, payload))
            line = Line.of(work)
            for code in work.ancestors:
                ahead = self._latest_model.get((PRODUCT_MODEL, code))
                if ahead is not None:
                    ahead.dependents.append(line)
                    line.blockers += 1
            work.pending = len(work.models) + 1
            notify |= self._add(line)
            if notify:
                self._cond.notify()

    def _add(self, line: Line) -> bool:
        """Queue ``line``; True when a sender should be woken: it has something new to act on, a first
        deadline to wait for or a full batch (waking one on every event would cost more than the events)."""
        ready = self._batcher.add(line)
        if line.entity == PRODUCT_MODEL:
            holder = self._batcher.last(line.key)  # the line itself, or the one it merged into
            if holder is not None:
                self._latest_model[line.key] = holder
        return ready == 1 or ready == self._limit

    def take(self, timeout_s: float) -> Batch[Line] | None:
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

    def complete(self, batch: Batch[Line], retry: Collection[Line] = ()) -> None:
        """Akeneo answered ``batch`` (or it was abandoned): its products may send their next lines,
        first the ``retry`` ones, given back because Akeneo did not answer them for good."""
        with self._cond:
            for line in retry:
                self._batcher.requeue(line)
            self._batcher.complete(batch, retry)
            for line in batch.items:
                if line not in retry and self._latest_model.get(line.key) is line:
                    del self._latest_model[line.key]
            self._cond.notify()  # freed products, or a retry with its own time to wait for

    def drop(self, partitions: Collection[Any]) -> list[Line]:
        """Forget the waiting works of these partitions (revoked)."""
        with self._cond:
            dropped = self._batcher.drop(partitions)
            for line in dropped:
                if self._latest_model.get(line.key) is line:
                    del self._latest_model[line.key]
            return dropped

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
