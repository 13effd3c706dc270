"""A Schema Registry outage is the registry's fault, not the messages': they wait, none goes to the DLQ."""

from __future__ import annotations

import dataclasses
import io
import json
import time
from pathlib import Path

import fastavro
from confluent_kafka import Producer

from consumer.devstack.akeneo_sim import AkeneoSimulator
from consumer.devstack.kafka_broker import TansuBroker, free_port
from consumer.devstack.sample_data import sample_events
from consumer.devstack.schema_registry import SchemaRegistryStandIn

from .conftest import Launch
from .harness import Topics, read_feedback, read_until, settled, wait_for

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def _writer_schema() -> str:
    """Ours, one version ahead upstream: an extra field with a default."""
    schema = json.loads((SCHEMAS / "product_change.avsc").read_text())
    schema["fields"].append({"name": "source_system", "type": "string", "default": ""})
    return json.dumps(schema)


def _registry(port: int, topics: Topics, writer: str) -> SchemaRegistryStandIn:
    """A registry holding the same schemas under the same ids every time it is started."""
    registry = SchemaRegistryStandIn(port).start()
    assert registry.register(f"{topics.input}-value", writer) == 1
    feedback = (SCHEMAS / "product_feedback.avsc").read_text()
    assert registry.register(f"{topics.results}-value", feedback) == 2
    return registry


def test_registry_outage_holds_events_until_it_returns(
    kafka_broker: TansuBroker, sim: AkeneoSimulator, topics: Topics, launch: Launch
) -> None:
    port, writer = free_port(), _writer_schema()
    registry = _registry(port, topics, writer)
    service = launch("confluent-avro", SCHEMA_REGISTRY_URL=registry.url)
    wait_for(lambda: "partitions assigned" in service.log_text(), 60, "the service to join")
    registry.stop()  # the service has not needed schema 1 yet: it must fetch it while the registry is down

    events = list(sample_events(100, seed=12, invalid_every=0))
    parsed = fastavro.parse_schema(json.loads(writer))
    producer = Producer({"bootstrap.servers": kafka_broker.bootstrap})
    for event in events:
        body = io.BytesIO()
        fastavro.schemaless_writer(body, parsed, {**dataclasses.asdict(event), "source_system": "erp"})
        value = b"\x00" + (1).to_bytes(4, "big") + body.getvalue()
        producer.produce(topics.input, key=event.identifier.encode(), value=value)
    assert producer.flush(10) == 0

    wait_for(lambda: "schema registry unavailable" in service.log_text(), 30, "the outage to be noticed")
    time.sleep(3)
    assert sim.products == {}  # nothing decoded while the registry is away

    registry = _registry(port, topics, writer)
    try:
        feedback = read_feedback(
            kafka_broker.bootstrap, topics, {e.event_id for e in events}, "confluent-avro", registry.url
        )
        assert {fbs[-1].status for fbs in feedback.values()} == {"CREATED"}
        assert len(sim.products) == len({e.identifier for e in events})
        dlq = read_until(kafka_broker.bootstrap, topics.dlq, lambda m: m, settled())
        assert dlq == []
    finally:
        registry.stop()
