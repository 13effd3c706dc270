from __future__ import annotations

import uuid

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from consumer.devstack.kafka_broker import BrokerError, TansuBroker, create_topics


def test_broker_round_trips_messages_and_group_commits(kafka_broker: TansuBroker) -> None:
    topic = f"t-{uuid.uuid4().hex[:8]}"
    create_topics(kafka_broker.bootstrap, {topic: 2})
    create_topics(kafka_broker.bootstrap, {topic: 2})  # creating twice is harmless
    producer = Producer({"bootstrap.servers": kafka_broker.bootstrap})
    for i in range(10):
        producer.produce(topic, key=f"k{i}".encode(), value=f"v{i}".encode())
    assert producer.flush(10) == 0

    consumer = Consumer(
        {
            "bootstrap.servers": kafka_broker.bootstrap,
            "group.id": f"g-{topic}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "session.timeout.ms": 6000,
        }
    )
    consumer.subscribe([topic])
    seen: dict[bytes, bytes] = {}
    for _ in range(60):
        for msg in consumer.consume(100, 0.5):
            if msg.error() is None:
                seen[msg.key()] = msg.value()
        if len(seen) == 10:
            break
    consumer.commit(asynchronous=False)
    committed = consumer.committed([TopicPartition(topic, p) for p in range(2)], timeout=10)
    consumer.close()
    assert seen == {f"k{i}".encode(): f"v{i}".encode() for i in range(10)}
    assert sum(tp.offset for tp in committed) == 10


def test_stop_is_idempotent_and_port_is_released() -> None:
    broker = TansuBroker().start()
    broker.stop()
    broker.stop()
    with TansuBroker(port=broker.port) as again:
        assert again.port == broker.port


def test_a_broker_dying_at_start_is_reported_with_its_reason() -> None:
    with pytest.raises(BrokerError, match=r"exited at start with code 1: .*UnsupportedStorageUrl"):
        TansuBroker(storage="bogus://x").start()
