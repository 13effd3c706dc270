from __future__ import annotations

from consumer.offsets import OffsetTracker

TP = ("t", 0)


def test_commit_stops_below_the_oldest_unfinished_event() -> None:
    t = OffsetTracker()
    for o in range(5):
        t.add(TP, o)
    t.finish(TP, 1)
    t.finish(TP, 2)
    assert t.to_commit() == {}  # 0 is still open
    t.finish(TP, 0)
    assert t.to_commit() == {TP: 3}
    t.committed({TP: 3})
    assert t.to_commit() == {}
    assert t.open_events == 2


def test_finishing_twice_or_after_forget_changes_nothing() -> None:
    t = OffsetTracker()
    t.add(TP, 10)
    t.finish(TP, 10)
    t.finish(TP, 10)
    assert t.open_events == 0
    t.add(TP, 11)
    t.forget([TP])
    t.finish(TP, 11)
    assert t.to_commit() == {}
    assert t.open_events == 0


def test_partitions_are_independent() -> None:
    t = OffsetTracker()
    t.add(("t", 0), 0)
    t.add(("t", 1), 7)
    t.finish(("t", 1), 7)
    assert t.to_commit() == {("t", 1): 8}
    assert t.open_events == 1  # partition 0's event is still open
