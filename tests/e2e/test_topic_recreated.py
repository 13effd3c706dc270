"""A broker that lost its topics: restarted empty, the topics created again, new events produced."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from consumer.devstack.akeneo_sim import AkeneoSimulator
from consumer.devstack.kafka_broker import TansuBroker
from consumer.devstack.sample_data import sample_events

from .harness import ServiceProcess, Topics, produce, read_feedback, service_env, wait_for


@pytest.fixture
def own_broker() -> Iterator[TansuBroker]:
    """A broker of this test's own (the suite's shared one must not lose its topics)."""
    with TansuBroker() as broker:
        yield broker


def test_a_broker_restarted_empty_with_its_topics_created_again_is_consumed_again(
    own_broker: TansuBroker, sim: AkeneoSimulator, tmp_path: Path
) -> None:
    """It used to log "partition count changed from 3 to 0", then "partitions assigned []", and
    process nothing for 90-336 s (librdkafka looks at a topic's metadata again only every 5 minutes
    by default) while /healthz stayed 200."""
    topics = Topics.fresh(partitions=3)
    topics.create(own_broker.bootstrap)
    first = list(sample_events(100, seed=41, invalid_every=0, prefix="OLD"))
    produce(own_broker.bootstrap, topics.input, first)
    service = ServiceProcess(service_env(own_broker, sim, topics), tmp_path / "service.log").start()
    try:
        read_feedback(own_broker.bootstrap, topics, {e.event_id for e in first})

        own_broker.stop()  # memory storage: it comes back empty, on the same port
        own_broker.start()
        # The service sees the topic gone (partition count 3 -> 0) before it is created again.
        wait_for(lambda: "Subscribed topic not available" in service.log_text(), 60, "the topic to go")
        topics.create(own_broker.bootstrap)
        second = list(sample_events(200, seed=42, invalid_every=0, prefix="NEW"))
        produce(own_broker.bootstrap, topics.input, second)
        # Within a metadata refresh (10 s) and a rebalance, not librdkafka's default 5 minutes.
        wait_for(lambda: {e.identifier for e in second} <= set(sim.products), 90, "the new events to land")
        assert requests.get(f"{service.metrics_url}/readyz", timeout=5).status_code == 200
        # Their feedback is not checked: a broker that lost its state also lost the idempotent
        # producer's id, and Tansu refuses the bumped epoch librdkafka then sends (a Kafka broker
        # takes it), so feedback to the re-created results topic waits (docs/service.md).
        assert service.terminate() == 0
    finally:
        service.stop()
