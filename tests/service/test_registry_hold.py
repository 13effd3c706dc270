"""A schema registry outage is not the message's fault: its partition waits and is read again."""

from __future__ import annotations

from collections.abc import Callable

from consumer.service.decode_step import REGISTRY_RETRY_S
from consumer.service.loop import LoopSettings

from .rig import TOPIC, Rig


def test_a_registry_outage_holds_the_partition_and_reads_it_again_from_the_held_offset(rig: Rig) -> None:
    rig.assign()
    rig.registry_fails.add("X")
    for identifier in ("A", "X", "A"):
        rig.produce(identifier, partition=0)
    for n in range(3):
        rig.produce(f"B{n}", partition=1)
    rig.run_until(lambda: rig.committed(1) == 3, "partition 1 committed")  # other partitions flow
    assert (TOPIC, 0) in rig.consumer.paused
    assert rig.committed(0) == 1  # A's first change, not past X
    tried = rig.decode_attempts["X"]
    rig.run_for(10 * REGISTRY_RETRY_S, step_s=0.1)
    assert 8 <= rig.decode_attempts["X"] - tried <= 10  # read again every REGISTRY_RETRY_S, no sooner
    rig.registry_fails.clear()
    rig.drain()
    assert (TOPIC, 0) not in rig.consumer.paused
    assert rig.statuses() == {
        "A": ["CREATED", "UPDATED"],
        "X": ["CREATED"],
        **{f"B{n}": ["CREATED"] for n in range(3)},
    }
    assert rig.akeneo.writes["A"] == ["0", "1"]
    assert rig.dlq() == []


def test_a_held_partition_stays_paused_while_the_pipeline_is_full_and_resumes_with_it(
    make_rig: Callable[..., Rig],
) -> None:
    rig = make_rig(max_buffered=2, coalesce=False, loop=LoopSettings(pause_after_s=0.0))
    rig.akeneo.block("A", "B")
    rig.registry_fails.add("X")
    for _ in range(3):
        rig.produce("X", partition=0)
    rig.produce("A", partition=1)
    rig.produce("B", partition=1)
    rig.produce("C", partition=1)
    rig.assign(0, 1)
    rig.run_until(lambda: rig.consumer.paused == {(TOPIC, 0), (TOPIC, 1)}, "full and held")
    rig.registry_fails.clear()
    rig.clock.advance(REGISTRY_RETRY_S)
    rig.turn(3)
    assert (TOPIC, 0) in rig.consumer.paused  # the hold is over, the pipeline still full
    rig.akeneo.release()
    rig.drain()
    assert sorted(rig.statuses()) == ["A", "B", "C", "X"]
    assert rig.akeneo.writes["X"] == ["0", "1", "2"]  # read again from the held offset, in order
