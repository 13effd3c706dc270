"""Every step takes the four verbs, closing and joining included."""

from __future__ import annotations

from confluent_kafka import KafkaError, KafkaException

from .rig import TOPIC, Rig


def test_joining_the_steps_publishes_their_counts_and_commits_what_finished(rig: Rig) -> None:
    rig.assign()
    rig.produce("A", partition=0)
    rig.run_until(lambda: rig.pipeline.open_events == 0 and len(rig.feedback()) == 1, "A answered")
    p = rig.pipeline
    steps = (p.decode, p.map, p.batches, p.akeneo, p.feedback, p.commit)
    for step in steps:
        step.close()
    for step in steps:
        step.join(1.0)
    assert rig.committed(0) == 1
    assert rig.sample("events_consumed_total", topic=TOPIC) == 1


def test_lag_of_a_partition_without_watermarks_is_left_out(rig: Rig) -> None:
    def no_watermarks(partition: object, cached: bool = False) -> tuple[int, int]:
        raise KafkaException(KafkaError(KafkaError._UNKNOWN_PARTITION))

    rig.consumer.get_watermark_offsets = no_watermarks  # type: ignore[method-assign]
    rig.assign(0)
    rig.produce("A", partition=0)
    rig.drain()
    rig.run_for(6.0)
    assert (
        rig.metrics.registry.get_sample_value(
            "akeneo_consumer_consumer_lag_messages", {"topic": TOPIC, "partition": "0"}
        )
        is None
    )
