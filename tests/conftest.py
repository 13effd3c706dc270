"""Fixtures shared by the whole suite: one real Kafka-protocol broker (Tansu) per test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from consumer.devstack.kafka_broker import TansuBroker


@pytest.fixture(scope="session")
def kafka_broker() -> Iterator[TansuBroker]:
    with TansuBroker() as broker:
        yield broker
