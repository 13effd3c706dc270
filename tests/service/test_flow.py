"""Events through the whole pipeline: what reaches Akeneo, in which order, and what is fed back."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from .rig import Rig


@pytest.mark.parametrize("coalesce", [False, True])
def test_each_product_is_written_in_offset_order_under_four_concurrent_requests(
    make_rig: Callable[..., Rig], coalesce: bool
) -> None:
    rig = make_rig(batch_limit=5, max_in_flight=4, coalesce=coalesce)
    rng = random.Random(8)
    identifiers = [f"P{n}" for n in range(24)]
    events = [i for i in identifiers for _ in range(12)]
    rng.shuffle(events)  # each product's events spread over many batches, interleaved with others
    first, rest = events[:60], events[60:]
    for identifier in first:
        rig.produce(identifier)
    rig.akeneo.block(*identifiers)  # hold the first requests until four are on the wire at once
    rig.assign()
    rig.run_until(lambda: rig.akeneo.waiting == 4, "four requests in flight")
    for n, identifier in enumerate(rest):  # later events arrive while earlier ones are in flight
        rig.produce(identifier)
        if n % 10 == 0:
            rig.turn()
        if n == 60:
            rig.akeneo.release()
    rig.drain()
    assert rig.akeneo.max_in_flight == 4
    assert rig.akeneo.overlaps == []  # never two requests in flight for one product
    for identifier in identifiers:
        written = [int(seq or -1) for seq in rig.akeneo.writes[identifier]]
        assert written == sorted(set(written)) and written[-1] == 11  # in order, the last change last
        assert len(rig.statuses()[identifier]) == 12  # every event answered
        if not coalesce:
            assert written == list(range(12))
            assert rig.statuses()[identifier] == ["CREATED"] + ["UPDATED"] * 11
    if coalesce:
        merged = rig.sample("events_coalesced_total")
        assert merged > 0 and sum(map(len, rig.akeneo.writes.values())) == len(events) - merged


def test_an_unanswered_request_holds_its_partitions_commit_below_it_while_others_commit(rig: Rig) -> None:
    rig.assign()
    for n in range(3):
        rig.produce(f"A{n}", partition=0)
    rig.drain()
    assert rig.committed(0) == 3
    rig.akeneo.block("X")
    rig.produce("X", partition=0)  # offset 3, alone in its request
    rig.run_until(lambda: rig.akeneo.waiting == 1, "the request for X on the wire")
    for n in range(5):
        rig.produce(f"B{n}", partition=0)
        rig.produce(f"C{n}", partition=1)
    rig.run_until(lambda: rig.committed(1) == 5, "partition 1 committed")
    rig.run_for(5.0)  # several commit intervals
    assert {f"B{n}" for n in range(5)} <= set(rig.statuses())  # answered and fed back...
    assert rig.committed(0) == 3  # ...but not committed past X, which has no answer yet
    assert rig.pipeline.open_events == 1  # X alone is unfinished
    rig.akeneo.release("X")
    rig.drain()
    assert rig.committed(0) == 9
    assert rig.statuses()["X"] == ["CREATED"]


def test_a_batch_leaves_as_soon_as_it_is_full_or_its_linger_is_over(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig(batch_limit=3, linger_s=1.0)
    rig.assign()
    for identifier in ("A", "B", "C", "D"):
        rig.produce(identifier, partition=0)
    rig.run_until(lambda: rig.akeneo.calls == 1, "the full batch sent")
    assert sorted(rig.akeneo.writes) == ["A", "B", "C"]  # without lingering
    rig.turn(3)
    assert rig.akeneo.calls == 1  # D lingers...
    rig.clock.advance(1.0)
    rig.run_until(lambda: "D" in rig.akeneo.writes, "D sent")  # ...until its linger is over
    assert rig.akeneo.calls == 2
