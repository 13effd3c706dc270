"""End-to-end fixtures: a fresh simulator, fresh topics and a service launcher per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from consumer.devstack.akeneo_sim import AkeneoSimulator
from consumer.devstack.kafka_broker import TansuBroker

from .harness import ServiceProcess, Topics, service_env

Launch = Callable[..., ServiceProcess]


@pytest.fixture
def sim() -> Iterator[AkeneoSimulator]:
    with AkeneoSimulator(record_history=True) as simulator:
        yield simulator


@pytest.fixture
def launch(
    kafka_broker: TansuBroker, sim: AkeneoSimulator, topics: Topics, tmp_path: Path
) -> Iterator[Launch]:
    """``launch(event_format="json", **ENV)`` starts ``akeneo-consumer run``; all are killed at the end."""
    started: list[ServiceProcess] = []

    def start(event_format: str = "json", **env: str) -> ServiceProcess:
        log = tmp_path / f"service-{len(started)}.log"
        service = ServiceProcess(service_env(kafka_broker, sim, topics, event_format, **env), log).start()
        started.append(service)
        return service

    yield start
    for service in started:
        service.stop()
