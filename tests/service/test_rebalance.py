"""Partitions revoked with work in flight (drain, then cancel), and lost partitions (commit nothing)."""

from __future__ import annotations

from collections.abc import Callable

from consumer.service.loop import LoopSettings

from .rig import TOPIC, Rig

DRAIN_S = 10.0


def revoking(make_rig: Callable[..., Rig], **settings: object) -> Rig:
    rig = make_rig(loop=LoopSettings(rebalance_drain_s=DRAIN_S), **settings)
    rig.assign()
    return rig


def test_a_request_answering_within_the_drain_time_is_fed_back_and_committed(
    make_rig: Callable[..., Rig],
) -> None:
    rig = revoking(make_rig)
    rig.produce("A", partition=0)
    rig.produce("B", partition=0)
    rig.drain()
    rig.akeneo.block("slow")
    rig.produce("slow", partition=0)
    rig.run_until(lambda: rig.akeneo.waiting == 1, "the request on the wire")
    rig.consumer.revoke([(TOPIC, 0)])
    rig.clock.call_in(3.0, lambda: rig.akeneo.release("slow"))  # Akeneo answers 3 s into the drain
    started = rig.clock()
    rig.turn()
    assert rig.clock() - started < DRAIN_S  # it did not wait for the whole drain time
    assert rig.statuses()["slow"] == ["CREATED"]
    assert rig.committed(0) == 3
    assert rig.akeneo.cancelled == 0


def test_a_request_without_answer_is_cancelled_after_the_drain_time_and_not_committed(
    make_rig: Callable[..., Rig],
) -> None:
    rig = revoking(make_rig)
    rig.produce("A", partition=1)
    rig.drain()
    rig.akeneo.block("stuck")
    rig.produce("stuck", partition=1)
    rig.run_until(lambda: rig.akeneo.waiting == 1, "the request on the wire")
    rig.produce("stuck", partition=1)  # its next change: waits for the first, never sent
    rig.produce("other", partition=2)
    rig.run_until(lambda: rig.statuses().get("other") == ["CREATED"], "partition 2 answered")
    rig.consumer.revoke([(TOPIC, 1)])
    started = rig.clock()
    rig.turn()
    assert DRAIN_S <= rig.clock() - started < DRAIN_S + 1.0  # waited the drain time, no longer
    rig.run_until(lambda: rig.akeneo.cancelled == 1, "its retries stopped")
    assert rig.committed(1) == 1  # only what finished
    assert "stuck" not in rig.statuses() and "stuck" not in rig.akeneo.writes
    rig.run_until(lambda: rig.committed(2) == 1, "partition 2 committed")  # partitions kept go on


def test_an_answer_arriving_after_revocation_is_not_fed_back(make_rig: Callable[..., Rig]) -> None:
    rig = revoking(make_rig)
    rig.akeneo.block("late", cancellable=False)  # on the wire: cancelling cannot stop it
    rig.produce("late", partition=3)
    rig.run_until(lambda: rig.akeneo.waiting == 1, "the request on the wire")
    rig.consumer.revoke([(TOPIC, 3)])
    rig.turn()
    rig.akeneo.release("late")
    rig.run_until(lambda: rig.pipeline.akeneo.in_flight == 0, "the late answer in")
    rig.run_for(3.0)
    assert rig.akeneo.writes["late"] == ["0"]  # Akeneo did it; the next owner reads it again
    assert rig.feedback() == []
    assert rig.committed(3) is None


def test_a_batch_shared_with_a_revoked_partition_still_answers_the_kept_one(
    make_rig: Callable[..., Rig],
) -> None:
    rig = revoking(make_rig, batch_limit=2, linger_s=60.0)  # A and K leave together, as one full batch
    rig.akeneo.block("A", "K")
    rig.produce("A", partition=0)
    rig.produce("K", partition=1)
    rig.run_until(lambda: rig.akeneo.waiting == 1, "their request on the wire")
    assert rig.akeneo.on_the_wire() == ["A", "K"]
    rig.consumer.revoke([(TOPIC, 0)])
    rig.turn()  # drained for 10 s, then cancelled
    rig.run_until(lambda: rig.akeneo.cancelled == 1, "the request cancelled")
    rig.akeneo.release()
    rig.clock.advance(60.0)  # K, alone now, lingers as any new line
    rig.run_until(lambda: rig.committed(1) == 1, "the kept partition's event committed")
    assert rig.statuses() == {"K": ["CREATED"]}
    assert rig.akeneo.writes == {"K": ["0"]}
    assert rig.pipeline.open_events == 0


def test_revoking_a_paused_partition_lowers_the_paused_partitions_metric(
    make_rig: Callable[..., Rig],
) -> None:
    rig = make_rig(max_buffered=2, loop=LoopSettings(pause_after_s=1.0, rebalance_drain_s=0.0))
    rig.akeneo.block("A", "B", "C")
    for identifier, partition in (("A", 0), ("B", 1), ("C", 1)):
        rig.produce(identifier, partition=partition)
    rig.assign(0, 1)
    rig.run_until(lambda: rig.akeneo.waiting >= 1 and rig.pipeline.open_events == 2, "full")
    rig.clock.advance(1.0)
    rig.turn()
    assert rig.sample("paused_partitions") == 2
    rig.consumer.revoke([(TOPIC, 0)])
    rig.turn()
    assert rig.sample("paused_partitions") == 1


def test_lost_partitions_commit_nothing_and_are_read_again_when_assigned_back(
    make_rig: Callable[..., Rig],
) -> None:
    rig = revoking(make_rig, commit_interval_s=60.0)
    rig.produce("A", partition=0)
    rig.produce("B", partition=0)
    rig.run_until(lambda: len(rig.feedback()) == 2, "A and B answered")
    rig.akeneo.block("C")
    rig.produce("C", partition=0)
    rig.run_until(lambda: rig.akeneo.waiting == 1, "C on the wire")
    rig.clock.advance(60.0)  # a commit is due...
    rig.consumer.lose([(TOPIC, 0)])
    rig.turn()  # ...but the partition is lost first: someone else may own it already
    rig.akeneo.release()
    rig.run_for(120.0, step_s=1.0)
    assert rig.committed(0) is None and rig.consumer.commits == []
    assert "C" not in rig.statuses()  # its answer came after the loss
    rig.assign(0)
    rig.drain()
    assert rig.statuses() == {"A": ["CREATED", "UPDATED"], "B": ["CREATED", "UPDATED"], "C": ["UPDATED"]}


def test_revocation_ends_a_wait_for_refused_credentials(make_rig: Callable[..., Rig]) -> None:
    rig = revoking(make_rig)
    rig.akeneo.auth_failures = 1_000_000  # refused until someone fixes them in Akeneo
    rig.produce("A", partition=0)
    rig.run_until(lambda: not rig.health.akeneo_reachable, "readiness failing")
    rig.consumer.revoke([(TOPIC, 0)])
    rig.turn()
    rig.run_until(lambda: rig.pipeline.akeneo.in_flight == 0, "the batch given up")
    assert rig.feedback() == [] and rig.committed(0) is None


def test_a_partition_assigned_back_waits_for_its_old_request_and_ignores_its_answer(
    make_rig: Callable[..., Rig],
) -> None:
    rig = revoking(make_rig)
    rig.akeneo.block("P", cancellable=False)
    rig.produce("P", partition=0)
    rig.run_until(lambda: rig.akeneo.waiting == 1, "the request on the wire")
    rig.consumer.revoke([(TOPIC, 0)])
    rig.turn()
    rig.consumer.assign([(TOPIC, 0)])  # back to us before the old request returned
    rig.run_until(lambda: rig.pipeline.open_events == 1, "the event read again")
    rig.run_for(3.0)
    assert rig.akeneo.calls == 1  # the product's new write waits for the one on the wire
    rig.akeneo.release()
    rig.drain()
    assert rig.akeneo.writes["P"] == ["0", "0"]
    assert [(e.identifier, e.status) for e in rig.feedback()] == [("P", "UPDATED")]  # the new answer only
