"""Commits: asynchronous, counted only when the broker confirms them, made again when they fail."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from confluent_kafka import KafkaError, KafkaException, TopicPartition

from consumer.codec import ChangeEvent
from consumer.metrics import Metrics
from consumer.service.commit_step import CONFIRM_TIMEOUT_S, CommitStep
from consumer.service.loop import LoopSettings
from consumer.work import Source, Work

from .fakes import FakeClock, kafka_error
from .rig import TOPIC, Rig


@dataclass
class Reported:
    """A partition in a commit report (confluent-kafka's TopicPartition.error is read-only)."""

    topic: str
    partition: int
    offset: int
    error: KafkaError | None


def test_a_failed_asynchronous_commit_is_made_again(rig: Rig) -> None:
    rig.consumer.commit_errors.append(kafka_error(KafkaError.REBALANCE_IN_PROGRESS))
    rig.assign()
    for n in range(3):
        rig.produce(f"P{n}", partition=0)
    rig.drain()
    rig.turn()  # the confirmation comes with the next consume
    assert rig.committed(0) == 3
    assert rig.sample("commits_total", result="error") == 1
    assert rig.sample("commits_total", result="ok") >= 1
    assert rig.pipeline.commit.committed_offset((TOPIC, 0)) == 3


def test_an_offset_counts_as_committed_only_once_the_broker_confirms_it(rig: Rig) -> None:
    rig.commit_report = None  # the broker commits, its confirmations never arrive
    rig.assign()
    rig.produce("A", partition=0)
    rig.produce("B", partition=0)
    rig.run_until(lambda: len(rig.consumer.commits) == 1, "a commit made")
    rig.run_for(CONFIRM_TIMEOUT_S - 1.0)
    assert rig.pipeline.commit.committed_offset((TOPIC, 0)) is None
    assert len(rig.consumer.commits) == 1  # one commit under way at a time
    rig.run_for(2.0)
    assert rig.consumer.commits == [{(TOPIC, 0): 2}] * 2  # unconfirmed for too long: made again
    assert rig.sample("commits_total", result="error") == 1
    rig.commit_report = rig.pipeline.commit.confirmed
    rig.run_for(CONFIRM_TIMEOUT_S + 2.0, step_s=1.0)
    assert rig.pipeline.commit.committed_offset((TOPIC, 0)) == 2
    assert rig.sample("commits_total", result="ok") == 1


def test_a_commit_refused_for_one_partition_is_made_again_for_it(rig: Rig) -> None:
    rig.assign()
    rig.produce("A", partition=0)
    rig.produce("B", partition=1)
    rig.run_until(lambda: rig.pipeline.open_events == 0 and len(rig.feedback()) == 2, "both answered")
    refused = kafka_error(KafkaError.OFFSET_METADATA_TOO_LARGE)

    def confirm_partly(err: KafkaError | None, partitions: list[TopicPartition]) -> None:
        reported = [
            Reported(p.topic, p.partition, p.offset, refused if p.partition else None) for p in partitions
        ]
        rig.pipeline.commit.confirmed(err, reported)  # type: ignore[arg-type]

    rig.commit_report = confirm_partly
    rig.run_until(lambda: len(rig.consumer.commits) == 1, "a commit made")
    rig.turn()
    rig.commit_report = rig.pipeline.commit.confirmed
    assert rig.pipeline.commit.committed_offset((TOPIC, 0)) == 1
    assert rig.pipeline.commit.committed_offset((TOPIC, 1)) is None
    rig.run_until(lambda: rig.pipeline.commit.committed_offset((TOPIC, 1)) == 1, "committed again")
    assert rig.consumer.commits[-1] == {(TOPIC, 1): 1}  # only what was refused


def test_a_commit_refused_at_revocation_is_counted_not_raised(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig(commit_interval_s=60.0, loop=LoopSettings(rebalance_drain_s=1.0))
    rig.assign()
    rig.produce("A", partition=0)
    rig.run_until(lambda: rig.pipeline.open_events == 0 and len(rig.feedback()) == 1, "A answered")
    rig.consumer.commit_errors.append(kafka_error(KafkaError.REBALANCE_IN_PROGRESS))
    rig.consumer.revoke([(TOPIC, 0)])
    rig.turn()
    assert rig.committed(0) is None
    assert rig.sample("commits_total", result="error") == 1


def test_lag_is_reported_from_the_confirmed_commit(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig(loop=LoopSettings(lag_interval_s=5.0))
    rig.assign(0)
    for n in range(4):
        rig.produce(f"P{n}", partition=0)
    rig.drain()
    rig.produce("late", partition=0)
    rig.produce("later", partition=0)
    rig.producer.hold = True  # read, answered, not acknowledged: not committed
    rig.run_for(6.0)
    assert rig.sample("consumer_lag_messages", topic=TOPIC, partition="0") == 2
    rig.producer.hold = False
    rig.run_for(6.0)
    assert rig.sample("consumer_lag_messages", topic=TOPIC, partition="0") == 0
    rig.consumer.revoke([(TOPIC, 0)])
    rig.turn()
    lag = rig.metrics.registry.get_sample_value
    assert lag("akeneo_consumer_consumer_lag_messages", {"topic": TOPIC, "partition": "0"}) is None


class RefusingConsumer:
    """Refuses the first ``refusals`` commits outright (librdkafka raising in ``commit``)."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.commits: list[list[TopicPartition]] = []

    def commit(self, *, offsets: list[TopicPartition], asynchronous: bool = True) -> None:
        if self.refusals:
            self.refusals -= 1
            raise KafkaException(kafka_error(KafkaError._STATE, "not in a group"))
        self.commits.append(offsets)


def finished_step(consumer: RefusingConsumer, clock: FakeClock, metrics: Metrics) -> CommitStep:
    """A commit step bound to ``consumer`` with offset 7 of partition 0 finished."""
    step = CommitStep(metrics, interval_s=1.0, clock=clock)
    step.bind(consumer)
    source = Source(TOPIC, 0, 7, b"k", b"v")
    step.register(source)
    step.submit(Work(source, ChangeEvent("e", 0, "UPSERT", "k", {})))
    return step


def test_a_commit_the_consumer_refuses_outright_is_made_again_at_the_next_interval() -> None:
    clock, consumer, metrics = FakeClock(), RefusingConsumer(refusals=1), Metrics()
    step = finished_step(consumer, clock, metrics)
    clock.advance(1.0)
    step.poll()
    assert consumer.commits == []
    assert metrics.registry.get_sample_value("akeneo_consumer_commits_total", {"result": "error"}) == 1
    clock.advance(1.0)
    step.poll()
    assert [(p.partition, p.offset) for p in consumer.commits[0]] == [(0, 8)]


def test_a_commit_with_nothing_to_commit_is_no_error() -> None:
    clock, consumer, metrics = FakeClock(), RefusingConsumer(refusals=0), Metrics()
    step = finished_step(consumer, clock, metrics)
    clock.advance(1.0)
    step.poll()
    step.confirmed(kafka_error(KafkaError._NO_OFFSET), [])
    assert step.committed_offset((TOPIC, 0)) is None
    assert metrics.registry.get_sample_value("akeneo_consumer_commits_total", {"result": "error"}) == 0
    step.join(0.0)  # joining commits what finished, synchronously
    assert len(consumer.commits) == 2 and step.committed_offset((TOPIC, 0)) == 8
