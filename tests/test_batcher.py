from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from consumer.batcher import Batcher


@dataclass
class Ev:
    identifier: str
    operation: str = "UPSERT"
    partition_key: tuple[str, int] = ("t", 0)
    seq: int = 0
    not_before: float = 0.0
    merged: list[int] = field(default_factory=list)
    blockers: int = 0
    dependents: list[Ev] = field(default_factory=list)

    def shed(self, partitions: Collection[tuple[str, int]]) -> bool:
        return self.partition_key in partitions

    @property
    def key(self) -> str:
        return self.identifier

    @property
    def kind(self) -> str:
        return self.operation


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_full_batches_leave_at_once_and_partial_ones_after_linger() -> None:
    clock = Clock()
    b: Batcher[Ev] = Batcher(limit=3, linger_s=0.5, clock=clock)
    for i in range(4):
        b.add(Ev(f"p{i}"))
    first = b.take(10)
    assert [e.identifier for e in first[0].items] == ["p0", "p1", "p2"]
    assert len(first) == 1
    assert b.take(10) == []  # p3 alone waits for the linger
    clock.now = 0.49
    assert b.take(10) == []
    clock.now = 0.5
    assert [e.identifier for e in b.take(10)[0].items] == ["p3"]
    assert len(b) == 0


def test_one_identifier_is_never_in_two_batches_at_once_and_keeps_its_order() -> None:
    b: Batcher[Ev] = Batcher(limit=10, linger_s=0)
    for seq in range(3):
        b.add(Ev("same", seq=seq))
    b.add(Ev("other"))
    batch = b.take(10)
    assert [(e.identifier, e.seq) for bt in batch for e in bt.items] == [("same", 0), ("other", 0)]
    assert b.take(10) == []  # "same" is busy until its batch completes
    b.complete(batch[0])
    assert [e.seq for e in b.take(10)[0].items] == [1]


def test_deletes_and_upserts_go_in_separate_batches_in_event_order() -> None:
    b: Batcher[Ev] = Batcher(limit=10, linger_s=0)
    b.add(Ev("a", "UPSERT", seq=0))
    b.add(Ev("a", "DELETE", seq=1))
    b.add(Ev("b", "DELETE", seq=0))
    batches = b.take(10)
    assert {(bt.kind, tuple(e.identifier for e in bt.items)) for bt in batches} == {
        ("UPSERT", ("a",)),
        ("DELETE", ("b",)),
    }
    for bt in batches:
        b.complete(bt)
    assert [(bt.kind, [e.identifier for e in bt.items]) for bt in b.take(10)] == [("DELETE", ["a"])]


def test_take_respects_max_batches_and_flush_sends_partial_batches() -> None:
    b: Batcher[Ev] = Batcher(limit=2, linger_s=60)
    for i in range(5):
        b.add(Ev(f"p{i}"))
    assert len(b.take(1)) == 1
    assert len(b.take(5)) == 1  # p4 alone is not full and has not lingered
    assert [e.identifier for e in b.take(5, flush=True)[0].items] == ["p4"]


def test_drop_removes_only_waiting_events_of_revoked_partitions() -> None:
    b: Batcher[Ev] = Batcher(limit=10, linger_s=0)
    b.add(Ev("x", partition_key=("t", 0)))
    b.add(Ev("y", partition_key=("t", 1)))
    dropped = b.drop({("t", 0)})
    assert [e.identifier for e in dropped] == ["x"]
    assert len(b) == 1
    assert [e.identifier for e in b.take(10)[0].items] == ["y"]


def _merge_upserts(waiting: Ev, newcomer: Ev) -> bool:
    if waiting.operation != "UPSERT" or newcomer.operation != "UPSERT":
        return False
    waiting.merged.append(newcomer.seq)
    return True


def test_coalescing_merges_only_into_a_waiting_item_and_a_delete_ends_the_merge() -> None:
    b: Batcher[Ev] = Batcher(limit=10, linger_s=0, coalesce=_merge_upserts)
    b.add(Ev("p", seq=0))
    [first] = b.take(10)  # in flight: nothing may merge into it any more
    for seq in (1, 2):
        b.add(Ev("p", seq=seq))
    b.add(Ev("p", "DELETE", seq=3))
    b.add(Ev("p", seq=4))
    b.add(Ev("p", seq=5))
    assert len(b) == 3  # 1 (with 2 merged in), the delete, 4 (with 5)
    b.complete(first)
    order = []
    while len(b):
        [batch] = b.take(10)
        order += [(e.seq, e.merged) for e in batch.items]
        b.complete(batch)
    assert order == [(1, [2]), (3, []), (4, [5])]


def test_a_requeued_item_goes_first_and_waits_for_its_time() -> None:
    clock = Clock()
    b: Batcher[Ev] = Batcher(limit=10, linger_s=0, clock=clock)
    b.add(Ev("p", seq=0))
    [batch] = b.take(10)
    b.add(Ev("p", seq=1))  # arrives while 0 is in flight
    retried = batch.items[0]
    retried.not_before = 5.0
    b.requeue(retried)
    b.complete(batch)
    assert b.take(10) == [] and b.next_deadline() == 5.0  # nothing of "p" jumps the retry
    clock.now = 5.0
    [again] = b.take(10)
    assert [e.seq for e in again.items] == [0]
    b.complete(again)
    assert [e.seq for e in b.take(10)[0].items] == [1]
