"""A full pipeline: the loop stops reading, then pauses every partition, and resumes at half."""

from __future__ import annotations

from collections.abc import Callable

from consumer.service.loop import LoopSettings

from .rig import TOPIC, Rig
from .support import wait_until

MAX_BUFFERED = 20


def test_a_full_pipeline_stops_reading_pauses_after_a_while_and_resumes_when_half_has_drained(
    make_rig: Callable[..., Rig],
) -> None:
    # One product a request and room for every buffered one on the wire: each answer frees one event.
    rig = make_rig(
        max_buffered=MAX_BUFFERED,
        batch_limit=1,
        max_in_flight=MAX_BUFFERED,
        loop=LoopSettings(pause_after_s=2.0),
    )
    identifiers = [f"E{n}" for n in range(50)]
    rig.akeneo.block(*identifiers)
    for n, identifier in enumerate(identifiers):
        rig.produce(identifier, partition=n % 2)
    rig.assign(0, 1)
    rig.run_until(lambda: rig.pipeline.open_events == MAX_BUFFERED, "the pipeline full")
    wait_until(lambda: rig.akeneo.waiting == MAX_BUFFERED)  # the senders take them without turns
    rig.turn(5)
    consumed = rig.sample("events_consumed_total", topic=TOPIC)
    assert consumed == MAX_BUFFERED  # it stopped reading at MAX_BUFFERED_EVENTS
    assert rig.sample("buffered_events") == MAX_BUFFERED
    # Full for a moment: waited out without pausing (pausing would drop librdkafka's prefetch).
    assert rig.consumer.paused == set() and rig.sample("paused_partitions") == 0

    rig.clock.advance(2.0)
    rig.turn()
    assert rig.consumer.paused == {(TOPIC, 0), (TOPIC, 1)}
    assert rig.sample("paused_partitions") == 2
    rig.produce("late", partition=2)
    rig.assign(2)  # assigned while full: paused too
    rig.turn(3)
    assert rig.consumer.paused == {(TOPIC, 0), (TOPIC, 1), (TOPIC, 2)}
    assert rig.sample("paused_partitions") == 3

    # Answers one at a time: still paused down to half, resumed at the next turn.
    waiting = rig.akeneo.on_the_wire()
    for identifier in waiting[:9]:
        before = rig.pipeline.open_events
        rig.akeneo.release(identifier)
        rig.run_until(lambda b=before: rig.pipeline.open_events < b, f"{identifier} answered")  # type: ignore[misc]
        assert rig.consumer.paused and rig.pipeline.open_events > MAX_BUFFERED // 2
    rig.akeneo.release(waiting[9])
    rig.run_until(lambda: rig.pipeline.open_events == MAX_BUFFERED // 2, "half drained")
    assert rig.consumer.paused  # exactly half still open: resumed at the next submit
    rig.turn()
    assert rig.consumer.paused == set() and rig.sample("paused_partitions") == 0

    rig.akeneo.release()
    rig.drain()
    assert rig.peak_open <= MAX_BUFFERED  # memory stayed bounded throughout
    assert sorted(rig.statuses()) == sorted([*identifiers, "late"])  # nothing lost
    assert all(s == ["CREATED"] for s in rig.statuses().values())
    assert rig.sample("buffered_events") == 0
