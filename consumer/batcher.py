"""Micro-batching that keeps each product's events in offset order.

Events wait per identifier in arrival order. Only the head event of an identifier that has
nothing in flight may join a batch, so two requests touching one identifier are never in
flight together and Akeneo applies each product's events in the order they were read.
A batch holds one operation only (collection PATCH for upserts, single DELETEs otherwise)
and leaves when it is full or when its oldest event has waited ``linger_s``.

Pure data structure: no Kafka, no HTTP, no threads; the pipeline's batch step drives it (and
locks it: it is shared with the threads that send the batches).
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable, Collection, Hashable
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar


class Batchable(Protocol):
    @property
    def identifier(self) -> str: ...

    @property
    def operation(self) -> str: ...

    @property
    def partition_key(self) -> Hashable: ...


ItemT = TypeVar("ItemT", bound=Batchable)


@dataclass
class Batch(Generic[ItemT]):
    operation: str
    items: list[ItemT] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.items)


class Batcher(Generic[ItemT]):
    def __init__(self, limit: int, linger_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self._limit = limit
        self._linger_s = linger_s
        self._clock = clock
        self._queues: dict[str, deque[tuple[float, ItemT]]] = {}
        # identifiers whose head may be dispatched, per operation, oldest head first
        self._ready: dict[str, OrderedDict[str, float]] = {}
        self._busy: set[str] = set()
        self._pending = 0

    def __len__(self) -> int:
        """Events waiting, not yet handed out in a batch."""
        return self._pending

    def add(self, item: ItemT) -> int:
        """Queue ``item``; returns how many events of its operation are now ready to go if it is one
        of them (1: the first, so a deadline to wait for; the limit: a full batch), else 0."""
        now = self._clock()
        queue = self._queues.get(item.identifier)
        if queue is None:
            queue = self._queues[item.identifier] = deque()
        queue.append((now, item))
        self._pending += 1
        if len(queue) == 1 and item.identifier not in self._busy:
            ready = self._ready_map(item.operation)
            ready[item.identifier] = now
            return len(ready)
        return 0

    def _ready_map(self, operation: str) -> OrderedDict[str, float]:
        ready = self._ready.get(operation)
        if ready is None:
            ready = self._ready[operation] = OrderedDict()
        return ready

    def take(self, max_batches: int, flush: bool = False) -> list[Batch[ItemT]]:
        """Up to ``max_batches`` batches that are full, or lingered long enough (or any, with flush)."""
        batches: list[Batch[ItemT]] = []
        now = self._clock()
        for operation, ready in self._ready.items():
            while ready and len(batches) < max_batches:
                oldest = next(iter(ready.values()))
                if len(ready) < self._limit and not flush and now - oldest < self._linger_s:
                    break
                batches.append(self._cut(operation, ready))
        return batches

    def _cut(self, operation: str, ready: OrderedDict[str, float]) -> Batch[ItemT]:
        batch: Batch[ItemT] = Batch(operation)
        while ready and len(batch.items) < self._limit:
            identifier, _ = ready.popitem(last=False)
            queue = self._queues[identifier]
            _, item = queue.popleft()
            if not queue:
                del self._queues[identifier]
            self._busy.add(identifier)
            batch.items.append(item)
        self._pending -= len(batch.items)
        return batch

    def complete(self, batch: Batch[ItemT]) -> None:
        """The batch has its answers: its identifiers may send their next events."""
        for item in batch.items:
            self._release(item.identifier)

    def _release(self, identifier: str) -> None:
        self._busy.discard(identifier)
        queue = self._queues.get(identifier)
        if queue:
            arrived, head = queue[0]
            ready = self._ready_map(head.operation)
            ready[identifier] = arrived
            ready.move_to_end(identifier, last=False)  # it has waited longest

    def full(self) -> bool:
        """A full batch is ready to go."""
        return any(len(ready) >= self._limit for ready in self._ready.values())

    def next_deadline(self) -> float | None:
        """When the oldest ready event's linger runs out (None: nothing is ready to go)."""
        heads = [next(iter(ready.values())) for ready in self._ready.values() if ready]
        return min(heads) + self._linger_s if heads else None

    def drop(self, partition_keys: Collection[Hashable]) -> list[ItemT]:
        """Remove waiting events of these partitions (revoked); returns what was dropped."""
        dropped: list[ItemT] = []
        for identifier in list(self._queues):
            queue = self._queues[identifier]
            kept = deque(entry for entry in queue if entry[1].partition_key not in partition_keys)
            if len(kept) == len(queue):
                continue
            dropped.extend(entry[1] for entry in queue if entry[1].partition_key in partition_keys)
            for ready in self._ready.values():
                ready.pop(identifier, None)
            if kept:
                self._queues[identifier] = kept
                if identifier not in self._busy:
                    arrived, head = kept[0]
                    self._ready_map(head.operation)[identifier] = arrived
            else:
                del self._queues[identifier]
        self._pending -= len(dropped)
        return dropped
