"""Shutdown: drain within the grace time (lingering batches flushed), commit, close the consumer."""

from __future__ import annotations

from collections.abc import Callable

from consumer.service.loop import LoopSettings

from .rig import Rig

GRACE_S = 5.0


def stopping(make_rig: Callable[..., Rig], **settings: object) -> Rig:
    return make_rig(loop=LoopSettings(shutdown_grace_s=GRACE_S, rebalance_drain_s=10.0), **settings)


def test_shutdown_flushes_lingering_batches_feeds_back_commits_and_closes(
    make_rig: Callable[..., Rig],
) -> None:
    rig = stopping(make_rig, linger_s=3600.0)  # nothing would leave before an hour
    rig.assign()
    for n in range(5):
        rig.produce(f"P{n}", partition=n % 2)
    rig.run_until(lambda: rig.pipeline.open_events == 5, "everything read")
    rig.turn(3)
    assert rig.akeneo.calls == 0  # lingering
    started = rig.clock()
    rig.loop.shutdown()
    assert rig.clock() - started < GRACE_S
    assert rig.akeneo.calls == 1  # one batch of all five, sent at once
    assert sorted(rig.statuses()) == [f"P{n}" for n in range(5)]
    assert (rig.committed(0), rig.committed(1)) == (3, 2)
    assert rig.consumer.closed


def test_shutdown_gives_up_on_an_unanswered_request_at_the_grace_time(make_rig: Callable[..., Rig]) -> None:
    rig = stopping(make_rig)
    rig.assign()
    rig.produce("A", partition=0)
    rig.run_until(lambda: rig.statuses() == {"A": ["CREATED"]}, "A answered")
    rig.akeneo.block("stuck")
    rig.produce("stuck", partition=0)
    rig.run_until(lambda: rig.akeneo.waiting == 1, "stuck on the wire")
    rig.produce("B", partition=1)
    rig.run_until(lambda: "B" in rig.statuses(), "B answered")
    started = rig.clock()
    rig.loop.shutdown()
    assert GRACE_S <= rig.clock() - started < GRACE_S + 1.0
    assert rig.akeneo.cancelled == 1
    assert (rig.committed(0), rig.committed(1)) == (1, 1)  # what finished, not past "stuck"
    assert "stuck" not in rig.statuses()
    assert rig.consumer.closed


def test_shutdown_ends_at_the_grace_time_when_the_broker_never_acknowledges_feedback(
    make_rig: Callable[..., Rig],
) -> None:
    rig = stopping(make_rig)
    rig.assign()
    rig.produce("A", partition=0)
    rig.drain()
    rig.producer.hold = True  # no delivery report any more
    rig.produce("B", partition=0)
    rig.run_until(lambda: rig.akeneo.writes.get("B") == ["0"], "B answered by Akeneo")
    started = rig.clock()
    rig.loop.shutdown()
    assert rig.clock() - started <= GRACE_S + 0.5  # the grace time, not a second drain on top
    assert rig.committed(0) == 1  # B's feedback was never acknowledged
    assert rig.consumer.closed
