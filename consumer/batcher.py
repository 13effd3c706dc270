"""Micro-batching that keeps each product's writes in offset order.

Items wait per ``key`` (a product, a product model) in arrival order. Only the head item of a
key that has nothing in flight may join a batch, so two requests touching one key are never in
flight together and Akeneo applies each key's writes in the order they were read. A batch holds
items of one ``kind`` only (one endpoint: collection PATCH of products, of models, single
DELETEs) and leaves when it is full or when its oldest item has waited ``linger_s``.

More rules serve the service: an item given back for another try (``requeue``) goes first in its
key's queue and waits until its ``not_before``; with a ``coalesce`` function, an item that arrives
behind another one of its key that is still waiting may be merged into it, so they go to Akeneo
as one line; and an item with ``blockers`` (items of other keys it depends on, which list it
among their ``dependents``) is not ready before each of them is complete (a variant product
waits for the writes to its product models).

Pure data structure: no Kafka, no HTTP, no threads; the pipeline's batch step drives it (and
locks it: it is shared with the threads that send the batches).
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Collection, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar


class Batchable(Protocol):
    @property
    def key(self) -> Hashable: ...  # whose order is kept (one in flight at a time)

    @property
    def kind(self) -> Hashable: ...  # what may share a request

    @property
    def not_before(self) -> float: ...  # clock time before which it may not go (0: at once)

    blockers: int  # items it waits for
    dependents: list[Any]  # items waiting for it

    def shed(self, partitions: Collection[Any]) -> bool: ...  # revoked: True when nothing is left


ItemT = TypeVar("ItemT", bound=Batchable)


@dataclass
class Batch(Generic[ItemT]):
    kind: Hashable
    items: list[ItemT] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.items)


class Batcher(Generic[ItemT]):
    def __init__(
        self,
        limit: int,
        linger_s: float,
        clock: Callable[[], float] = time.monotonic,
        coalesce: Callable[[ItemT, ItemT], bool] | None = None,
    ) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self._limit = limit
        self._linger_s = linger_s
        self._clock = clock
        self._coalesce = coalesce  # (waiting, newcomer) -> True when the newcomer was merged in
        self._queues: dict[Hashable, deque[tuple[float, ItemT]]] = {}
        # keys whose head may be dispatched, per kind, oldest head first
        self._ready: dict[Hashable, OrderedDict[Hashable, float]] = {}
        self._delayed: list[tuple[float, int, Hashable]] = []  # (not_before, tiebreak, key): a heap
        self._tiebreak = itertools.count()
        self._busy: set[Hashable] = set()
        self._pending = 0

    def __len__(self) -> int:
        """Items waiting, not yet handed out in a batch."""
        return self._pending

    def add(self, item: ItemT) -> int:
        """Queue ``item`` (or merge it into the waiting item ahead of it of its key). Returns how many
        items of its kind are now ready to go if it is one of them (1: the first, so a deadline to wait
        for; the limit: a full batch), else 0."""
        now = self._clock()
        queue = self._queues.get(item.key)
        if queue is None:
            queue = self._queues[item.key] = deque()
        elif queue and self._coalesce is not None and self._coalesce(queue[-1][1], item):
            return 0
        queue.append((now, item))
        self._pending += 1
        if len(queue) == 1 and item.key not in self._busy:
            return self._make_ready(item.key, now, item)
        return 0

    def _make_ready(self, key: Hashable, arrived: float, head: ItemT, oldest: bool = False) -> int:
        if head.blockers:
            return 0  # made ready by the completion of what it waits for
        if head.not_before > self._clock():
            heapq.heappush(self._delayed, (head.not_before, next(self._tiebreak), key))
            return 0
        ready = self._ready.get(head.kind)
        if ready is None:
            ready = self._ready[head.kind] = OrderedDict()
        ready[key] = arrived
        if oldest:
            ready.move_to_end(key, last=False)  # it has waited longest
        return len(ready)

    def requeue(self, item: ItemT) -> None:
        """``item`` (handed out in a batch, not answered for good) goes first in its key's queue again;
        it is ready once its batch is complete and its ``not_before`` has come."""
        queue = self._queues.get(item.key)
        if queue is None:
            queue = self._queues[item.key] = deque()
        queue.appendleft((self._clock() - self._linger_s, item))  # it has lingered already: no second wait
        self._pending += 1

    def _release_delayed(self) -> None:
        now = self._clock()
        while self._delayed and self._delayed[0][0] <= now:
            _, _, key = heapq.heappop(self._delayed)
            queue = self._queues.get(key)
            if queue and key not in self._busy:
                arrived, head = queue[0]
                self._make_ready(key, arrived, head, oldest=True)

    def take(self, max_batches: int, flush: bool = False) -> list[Batch[ItemT]]:
        """Up to ``max_batches`` batches that are full, or lingered long enough (or any, with flush)."""
        self._release_delayed()
        batches: list[Batch[ItemT]] = []
        now = self._clock()
        for kind, ready in self._ready.items():
            while ready and len(batches) < max_batches:
                oldest = next(iter(ready.values()))
                if len(ready) < self._limit and not flush and now - oldest < self._linger_s:
                    break
                batches.append(self._cut(kind, ready))
        return batches

    def _cut(self, kind: Hashable, ready: OrderedDict[Hashable, float]) -> Batch[ItemT]:
        batch: Batch[ItemT] = Batch(kind)
        while ready and len(batch.items) < self._limit:
            key, _ = ready.popitem(last=False)
            queue = self._queues[key]
            _, item = queue.popleft()
            if not queue:
                del self._queues[key]
            self._busy.add(key)
            batch.items.append(item)
        self._pending -= len(batch.items)
        return batch

    def last(self, key: Hashable) -> ItemT | None:
        """The item last queued for ``key`` and still waiting, if any."""
        queue = self._queues.get(key)
        return queue[-1][1] if queue else None

    def complete(self, batch: Batch[ItemT], unfinished: Collection[ItemT] = ()) -> None:
        """The batch has its answers: its keys may send their next items, and what waited for its
        items may go (but for the ``unfinished`` ones, requeued to be sent again)."""
        for item in batch.items:
            self._busy.discard(item.key)
            self._wake(item.key)
            if item not in unfinished:
                self._unblock(item)

    def _wake(self, key: Hashable) -> None:
        queue = self._queues.get(key)
        if queue and key not in self._busy:
            arrived, head = queue[0]
            self._make_ready(key, arrived, head, oldest=True)

    def _unblock(self, item: ItemT) -> None:
        for dependent in item.dependents:
            dependent.blockers -= 1
            if dependent.blockers == 0:
                queue = self._queues.get(dependent.key)
                if queue and queue[0][1] is dependent:
                    self._wake(dependent.key)
        item.dependents.clear()

    def full(self) -> bool:
        """A full batch is ready to go."""
        return any(len(ready) >= self._limit for ready in self._ready.values())

    def next_deadline(self) -> float | None:
        """When the oldest ready item's linger runs out, or a delayed one may go (None: nothing waits)."""
        heads = [next(iter(ready.values())) + self._linger_s for ready in self._ready.values() if ready]
        if self._delayed:
            heads.append(self._delayed[0][0])
        return min(heads) if heads else None

    def drop(self, partition_keys: Collection[Hashable]) -> list[ItemT]:
        """Shed the waiting items' share of these partitions (revoked); returns the items nothing is
        left of, which are removed (and no longer hold up what waited for them)."""
        dropped: list[ItemT] = []
        for key in list(self._queues):
            queue = self._queues[key]
            gone = [entry for entry in queue if entry[1].shed(partition_keys)]
            if not gone:
                continue
            kept = deque(entry for entry in queue if entry not in gone)
            dropped.extend(entry[1] for entry in gone)
            for ready in self._ready.values():
                ready.pop(key, None)
            if kept:
                self._queues[key] = kept
            else:
                del self._queues[key]
        self._pending -= len(dropped)
        for item in dropped:
            self._unblock(item)
        for key in list(self._queues):
            self._wake(key)
        return dropped
