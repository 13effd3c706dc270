"""The service as the runner builds it from Settings, on the in-memory Kafka and the fake Akeneo."""

from __future__ import annotations

import gc
import os
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from confluent_kafka import KafkaError, KafkaException

from consumer.catalog import Catalog
from consumer.codec import JsonCodec
from consumer.config import Settings
from consumer.devstack.akeneo_sim import load_sample_catalog
from consumer.devstack.memory_kafka import MemoryBroker, MemoryConsumer, MemoryMessage, MemoryProducer
from consumer.devstack.sample_data import sample_events
from consumer.errors import ConfigError, ConsumerError
from consumer.service import runner

from .fakes import FakeAkeneo
from .rig import DLQ, RESULTS, TOPIC
from .support import wait_until

SETTINGS = Settings(
    kafka_topic=TOPIC,
    kafka_results_topic=RESULTS,
    kafka_dlq_topic=DLQ,
    event_format="json",
    metrics_port=0,
    batch_linger_ms=0,
    shutdown_grace_s=5.0,
)


class Kafka:
    """The broker and Akeneo the patched runner's clients use, and the consumer it built."""

    def __init__(self) -> None:
        self.akeneo = FakeAkeneo()
        self.broker = MemoryBroker()
        for topic in (TOPIC, RESULTS, DLQ):
            self.broker.create_topic(topic, 2)
        self.consumer: MemoryConsumer | None = None
        self.producer_error: KafkaException | None = None

    def make_consumer(self, config: dict[str, Any]) -> MemoryConsumer:
        self.consumer = MemoryConsumer(self.broker, on_commit=config["on_commit"])
        self.consumer.assign([(TOPIC, 0), (TOPIC, 1)])
        return self.consumer

    def make_producer(self, config: dict[str, Any]) -> MemoryProducer:
        if self.producer_error is not None:
            raise self.producer_error
        return MemoryProducer(self.broker)

    def committed(self) -> int:
        return sum(self.broker.committed.get((TOPIC, p), 0) for p in range(2))


@pytest.fixture
def kafka(monkeypatch: pytest.MonkeyPatch) -> Kafka:
    kafka = Kafka()
    monkeypatch.setattr(runner, "Consumer", kafka.make_consumer)
    monkeypatch.setattr(runner, "Producer", kafka.make_producer)
    monkeypatch.setattr(runner, "akeneo_client", lambda *args, **kwargs: kafka.akeneo)
    monkeypatch.setattr(
        runner, "load_startup_catalog", lambda s, stop: Catalog.from_json(load_sample_catalog())
    )
    monkeypatch.setattr(runner, "tune_gc", lambda: None)  # it freezes the test process's heap
    return kafka


def serve(service: runner.Service) -> Callable[[], int]:
    """Run ``service`` on a thread; the returned function stops it and gives its exit code."""
    result: list[int | BaseException] = []

    def run() -> None:
        try:
            result.append(service.run())
        except BaseException as exc:
            result.append(exc)

    thread = threading.Thread(target=run)
    thread.start()

    def stop() -> int:
        service.request_stop()
        thread.join(30)
        [outcome] = result
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    return stop


def test_the_service_consumes_maps_sends_feeds_back_commits_and_stops(kafka: Kafka) -> None:
    codec = JsonCodec()
    for event in sample_events(30, seed=3, invalid_every=10):
        kafka.broker.produce(TOPIC, event.identifier.encode(), codec.encode_change(event, TOPIC))
    service = runner.Service(SETTINGS)
    stop = serve(service)
    wait_until(lambda: kafka.committed() == 30, 30)
    assert stop() == 0
    statuses = [codec.decode_feedback(m.value(), RESULTS).status for m in kafka.broker.messages(RESULTS)]
    assert len(statuses) == 30 and statuses.count("REJECTED") == 3
    assert kafka.consumer is not None and kafka.consumer.closed
    assert kafka.akeneo.closed
    assert service.health.akeneo_reachable


def test_an_unknown_code_asks_for_a_catalog_refresh(kafka: Kafka) -> None:
    codec = JsonCodec()
    [event] = sample_events(1, seed=3, invalid_every=0)
    event = type(event)(
        event.event_id, event.occurred_at, event.operation, event.identifier, {"no_such": "x"}
    )
    kafka.broker.produce(TOPIC, event.identifier.encode(), codec.encode_change(event, TOPIC))
    service = runner.Service(SETTINGS)
    stop = serve(service)
    failed = "akeneo_consumer_catalog_refreshes_total"
    wait_until(
        lambda: service.metrics.registry.get_sample_value(failed, {"trigger": "on_demand_failed"}) == 1, 30
    )
    assert stop() == 0  # the fake Akeneo serves no catalog: the refresh fails, the service goes on


def test_kafka_settings_librdkafka_refuses_stop_start_up_in_one_line(kafka: Kafka) -> None:
    kafka.producer_error = KafkaException(KafkaError(KafkaError._INVALID_ARG, 'No such property: "x.y"'))
    with pytest.raises(ConfigError, match=r'Kafka configuration rejected: No such property: "x\.y"'):
        runner.Service(SETTINGS).run()


def test_a_fatal_kafka_error_stops_the_service_in_one_line(kafka: Kafka) -> None:
    log = kafka.broker.topics[TOPIC][0]
    log.append(MemoryMessage(TOPIC, 0, 0, None, None, None, KafkaError(KafkaError._PARTITION_EOF, "end")))
    log.append(
        MemoryMessage(TOPIC, 0, 1, None, None, None, KafkaError(KafkaError._FENCED, "fenced", fatal=True))
    )
    with pytest.raises(ConsumerError, match="Kafka failed: fenced"):
        runner.Service(SETTINGS).run()


def test_a_stop_during_start_up_ends_it_before_anything_is_consumed(
    kafka: Kafka, monkeypatch: pytest.MonkeyPatch
) -> None:
    loading = threading.Event()

    def unanswered(settings: Settings, stop: threading.Event) -> Catalog:
        loading.set()
        stop.wait(30)  # retrying a failing PIM until the stop interrupts it, then giving up
        raise ConsumerError("cannot load the catalog from Akeneo: cancelled")

    monkeypatch.setattr(runner, "load_startup_catalog", unanswered)
    service = runner.Service(SETTINGS)
    stop = serve(service)
    wait_until(loading.is_set, 10)
    assert stop() == 0
    assert kafka.consumer is None


def test_inactive_serves_health_and_consumes_nothing(kafka: Kafka) -> None:
    service = runner.Service(Settings(active=False, metrics_port=0))
    stop = serve(service)
    wait_until(lambda: service.health.inactive, 10)
    assert service.health.ready() == (True, "inactive (ACTIVE=false)")
    assert stop() == 0
    assert kafka.consumer is None


@pytest.fixture
def restore_signals() -> Iterator[None]:
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


@pytest.mark.usefixtures("restore_signals")
def test_sigterm_asks_the_service_to_drain_and_stop(monkeypatch: pytest.MonkeyPatch) -> None:
    stopped = threading.Event()

    class Service:
        def __init__(self, settings: Settings) -> None:
            pass

        def request_stop(self) -> None:
            stopped.set()

        def run(self) -> int:
            os.kill(os.getpid(), signal.SIGTERM)
            return 0 if stopped.wait(5) else 1

    monkeypatch.setattr(runner, "Service", Service)
    monkeypatch.setattr(runner, "setup_logging", lambda level, secrets: None)
    assert runner.run_service(SETTINGS) == 0


def test_tune_gc_collects_less_often() -> None:
    before = gc.get_threshold()
    try:
        runner.tune_gc()
        assert gc.get_threshold() == runner.GC_THRESHOLDS
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
