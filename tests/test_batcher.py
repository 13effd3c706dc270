from __future__ import annotations

from dataclasses import dataclass

from consumer.batcher import Batcher


@dataclass
class Ev:
    identifier: str
    operation: str = "UPSERT"
    partition_key: tuple[str, int] = ("t", 0)
    seq: int = 0


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
    assert {(bt.operation, tuple(e.identifier for e in bt.items)) for bt in batches} == {
        ("UPSERT", ("a",)),
        ("DELETE", ("b",)),
    }
    for bt in batches:
        b.complete(bt)
    assert [(bt.operation, [e.identifier for e in bt.items]) for bt in b.take(10)] == [("DELETE", ["a"])]


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
