"""Scaling out: a second instance joins and leaves the group mid-stream."""

from __future__ import annotations

import time

import pytest

from consumer.devstack.akeneo_sim import AkeneoSimulator
from consumer.devstack.kafka_broker import TansuBroker
from consumer.devstack.sample_data import sample_events

from .checks import assert_akeneo_state, assert_all_committed, assert_applied_in_order, assert_feedback
from .conftest import Launch
from .harness import Topics, produce, read_feedback, wait_for
from .oracle import expect


@pytest.mark.parametrize("strategy", ["range", "cooperative-sticky"])
def test_a_second_instance_joining_and_leaving_loses_nothing_and_keeps_each_products_order(
    strategy: str, kafka_broker: TansuBroker, sim: AkeneoSimulator, topics: Topics, launch: Launch
) -> None:
    events = list(sample_events(4000, seed=21, updates_every=2))  # many versions per product
    expected = expect(events)
    sim.set_knobs(latency_base_s=0.02)
    first = launch(BATCH_LIMIT="20", KAFKA_PARTITION_ASSIGNMENT_STRATEGY=strategy)
    chunks = [events[i : i + 200] for i in range(0, len(events), 200)]
    second = None
    for n, chunk in enumerate(chunks):
        produce(kafka_broker.bootstrap, topics.input, chunk)
        if n == 4:
            second = launch(BATCH_LIMIT="20", KAFKA_PARTITION_ASSIGNMENT_STRATEGY=strategy)
        if n == 14:
            assert second is not None
            wait_for(lambda s=second: "partitions assigned" in s.log_text(), 60, "the second to join")
            assert second.terminate() == 0
        time.sleep(0.5)

    feedback = read_feedback(kafka_broker.bootstrap, topics, {e.event_id for e in events})
    assert_feedback(events, feedback, expected)
    assert_akeneo_state(sim, expected)
    assert_applied_in_order(sim, expected)
    assert_all_committed(kafka_broker, topics)
    assert second is not None and "partitions revoked" in second.log_text()
    assert first.proc is not None and first.proc.poll() is None  # the first one carried on
