"""Builds the service from Settings and runs it until SIGTERM/SIGINT.

Start-up order: metrics server first (so probes answer while starting), then Akeneo (catalog
loaded; unreachable or refused credentials stop start-up with one line), then Kafka.
"""

from __future__ import annotations

import gc
import logging
import signal
import sys
import threading
from typing import Any

from confluent_kafka import Consumer, KafkaException, Producer

from consumer.catalog import (
    Catalog,
    CatalogCache,
    ModelDirectory,
    RefreshOutcome,
    load_catalog,
    look_up_model,
)
from consumer.clients import (
    akeneo_client,
    consumer_config,
    load_startup_catalog,
    max_message_bytes,
    producer_config,
    secrets,
    service_retry,
)
from consumer.codec import ChangeEvent, make_codec
from consumer.config import Settings
from consumer.errors import ConfigError, ConsumerError
from consumer.health_server import Health, HealthServer
from consumer.logs import setup_logging
from consumer.mapping import MappingOptions, MapResult, mapper_for
from consumer.metrics import Metrics
from consumer.service.loop import ConsumerLoop, LoopSettings
from consumer.service.map_step import Mapping
from consumer.service.pipeline import Pipeline, PipelineSettings
from consumer.speedups import compiled

log = logging.getLogger("consumer")

# The cyclic garbage collector's default (a young collection every 700 allocations, the whole
# heap now and then) cost a third of the service's CPU per event (benchmarks/RESULTS.md): events
# allocate many short-lived objects, freed by reference counting, and almost no cycles.
GC_THRESHOLDS = (50_000, 20, 100)
# The loop's thread holds the GIL for long stretches of mapping; an Akeneo sender whose answer has
# arrived waits for it up to the switch interval (5 ms by default) at every step of reading the
# answer. With a 25 ms request that idled the senders a third of the time (benchmarks/RESULTS.md).
SWITCH_INTERVAL_S = 0.001


def tune_runtime() -> None:
    """Collect cycles less often (what start-up built, modules and the first catalog, is never
    scanned again) and hand the GIL over sooner to a thread that waits for it."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    sys.setswitchinterval(SWITCH_INTERVAL_S)


class Service:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.metrics = Metrics()
        self.health = Health()
        self.metrics.watch_readiness(lambda: self.health.ready()[0])
        self._stop = threading.Event()
        self._loop: ConsumerLoop | None = None

    def request_stop(self) -> None:
        self._stop.set()
        if self._loop is not None:
            self._loop.request_stop()

    def run(self) -> int:
        s = self.settings
        with HealthServer(self.metrics.registry, self.health, s.metrics_port):
            if not s.active:
                return self._idle()
            catalog = self._startup_catalog()
            if catalog is None:
                log.info("stopped during start-up, before consuming anything")
                return 0
            self.health.akeneo_reachable = True
            log.info("catalog loaded", extra={"catalog": catalog.summary()})
            # Compiled (setup.py) or plain Python: the same results, about 20 µs an event apart.
            log.info("hot path", extra={"compiled": compiled() or "no, plain Python"})
            return self._serve(catalog)

    def _startup_catalog(self) -> Any:
        """The start-up catalog, or None once a stop is requested: SIGTERM ends start-up at once
        even while a request waits for a PIM that never answers (the daemon thread is abandoned)."""
        loaded: list[Any] = []
        done = threading.Event()

        def load() -> None:
            try:
                loaded.append(load_startup_catalog(self.settings, self._stop))
            except BaseException as exc:  # handed to the main thread, which raises it
                loaded.append(exc)
            finally:
                done.set()

        threading.Thread(target=load, name="startup-catalog", daemon=True).start()
        while not done.wait(0.1):
            if self._stop.is_set():
                return None
        if isinstance(loaded[0], BaseException):
            if self._stop.is_set():
                return None  # the stop interrupted the load's retries: not a failure to report
            raise loaded[0]
        return loaded[0]

    def _idle(self) -> int:
        self.health.inactive = True
        log.info("ACTIVE=false: serving health and metrics, consuming nothing")
        while not self._stop.wait(1.0):
            self.health.beat()
        return 0

    def _serve(self, catalog: Catalog) -> int:
        s = self.settings
        client = akeneo_client(s, service_retry(s), observer=self.metrics)
        cache = CatalogCache(
            lambda: load_catalog(client),
            interval_s=s.catalog_refresh_s,
            on_refresh=self._refreshed,
            initial=catalog,
        )
        models = ModelDirectory()
        codec = make_codec(s.event_format, s.schema_registry_url, s.kafka_results_topic)
        if s.kafka_results_topic:
            codec.prepare()
        try:
            producer = Producer(producer_config(s))
            pipeline = Pipeline(
                codec.decode_change,
                self._mapping(cache, models),
                client,
                producer,
                codec,
                PipelineSettings(
                    batch_limit=s.batch_limit,
                    linger_s=s.batch_linger_ms / 1000,
                    max_in_flight=s.akeneo_max_in_flight,
                    max_buffered=s.max_buffered_events,
                    results_topic=s.kafka_results_topic,
                    dlq_topic=s.kafka_dlq_topic,
                    dry_run=s.dry_run,
                    tombstone_delete=s.tombstone_delete,
                    coalesce=s.coalesce,
                    give_up_s=s.retry_give_up_s,
                    parent_wait_s=s.parent_wait_s,
                    max_message_bytes=max_message_bytes(s),
                ),
                self.metrics,
                on_auth_error=self._auth_failing,
                on_rejected=lambda errors: cache.request_refresh("Akeneo rejected values"),
                models=models,
                lookup=lambda code: look_up_model(client, code, models),
            )
            consumer = Consumer(consumer_config(s, on_commit=pipeline.commit.confirmed))
        except KafkaException as exc:
            raise ConfigError(f"Kafka configuration rejected: {exc.args[0].str()}") from None
        pipeline.commit.bind(consumer)
        self._loop = ConsumerLoop(
            consumer,
            s.kafka_topic,
            pipeline,
            LoopSettings(shutdown_grace_s=s.shutdown_grace_s),
            self.metrics,
            self.health,
        )
        if self._stop.is_set():
            self._loop.request_stop()
        tune_runtime()
        cache.start()
        try:
            self._loop.run()
        except KafkaException as exc:
            # A fatal client error (fenced, authentication, ...): one line, no traceback; offsets
            # stay where the last commit left them, so nothing is lost.
            raise ConsumerError(f"Kafka failed: {exc.args[0].str() if exc.args else exc}") from None
        finally:
            cache.stop()
            client.close()
            codec.close()
        return 0

    def _mapping(self, cache: CatalogCache, models: ModelDirectory) -> Mapping:
        options = MappingOptions.from_settings(self.settings)

        def map_event(event: ChangeEvent) -> MapResult:
            mapper = mapper_for(cache.current(), options)
            result = mapper.map_entity(event.entity, event.identifier, event.values, models.get)
            if result.unknown:
                cache.request_refresh(f"unknown codes: {', '.join(result.unknown[:5])}")
            return result

        return map_event

    def _refreshed(self, outcome: RefreshOutcome) -> None:
        trigger = "timer" if outcome.reason == "timer" else "on_demand"
        self.metrics.catalog_refreshes.labels(trigger if outcome.ok else f"{trigger}_failed").inc()

    def _auth_failing(self, failing: bool) -> None:
        self.health.akeneo_reachable = not failing


def run_service(settings: Settings) -> int:
    setup_logging(settings.log_level, secrets(settings))
    service = Service(settings)

    def on_signal(signum: int, _frame: Any) -> None:
        log.info("signal received, draining", extra={"signal": signal.Signals(signum).name})
        service.request_stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return service.run()
