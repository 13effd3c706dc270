"""Which offsets may be committed: per partition, everything below the oldest unfinished event.

An event is registered when read and finished when its final answer exists and its feedback
(or DLQ copy) is acknowledged by the broker. Offsets arrive in increasing order per partition,
so the unfinished ones form a queue whose head bounds the commit (amortised O(1) per event).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection

TopicPartition = tuple[str, int]


class _Partition:
    __slots__ = ("committed", "done", "next_commit", "order")

    def __init__(self) -> None:
        self.order: deque[int] = deque()
        self.done: set[int] = set()
        self.next_commit: int | None = None  # offset to commit (last finished contiguous + 1)
        self.committed: int | None = None


class OffsetTracker:
    def __init__(self) -> None:
        self._parts: dict[TopicPartition, _Partition] = {}
        self._open = 0

    @property
    def open_events(self) -> int:
        """Events read and not yet finished, across partitions."""
        return self._open

    def add(self, tp: TopicPartition, offset: int) -> None:
        part = self._parts.get(tp)
        if part is None:
            part = self._parts[tp] = _Partition()
        if part.order and offset <= part.order[-1]:
            return  # re-delivered after a seek; the first registration stands
        part.order.append(offset)
        self._open += 1

    def finish(self, tp: TopicPartition, offset: int) -> None:
        part = self._parts.get(tp)
        if part is None or not part.order or offset < part.order[0] or offset in part.done:
            return  # partition revoked meanwhile, or finished twice
        part.done.add(offset)
        self._open -= 1
        while part.order and part.order[0] in part.done:
            head = part.order.popleft()
            part.done.discard(head)
            part.next_commit = head + 1

    def to_commit(self) -> dict[TopicPartition, int]:
        """Offsets that advanced since the last ``committed`` call."""
        return {
            tp: part.next_commit
            for tp, part in self._parts.items()
            if part.next_commit is not None and part.next_commit != part.committed
        }

    def committed(self, offsets: dict[TopicPartition, int]) -> None:
        for tp, offset in offsets.items():
            part = self._parts.get(tp)
            if part is not None:
                part.committed = offset

    def committed_offset(self, tp: TopicPartition) -> int | None:
        """The offset last committed for ``tp`` by this tracker (None: nothing yet)."""
        part = self._parts.get(tp)
        return None if part is None else part.committed

    def forget(self, tps: Collection[TopicPartition]) -> None:
        """Partitions revoked: their unfinished events will be read again by the next owner."""
        for tp in tps:
            part = self._parts.pop(tp, None)
            if part is not None:
                self._open -= len(part.order) - len(part.done)
