"""Builds the service from Settings and runs it until SIGTERM/SIGINT.

Start-up order: metrics server first (so probes answer while starting), then Akeneo (catalog
loaded; unreachable or refused credentials stop start-up with one line), then Kafka.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from typing import Any

from confluent_kafka import Consumer, KafkaException, Producer

from consumer.akeneo import AkeneoClient, AkeneoError, Credentials, RetryPolicy
from consumer.catalog import CatalogCache, RefreshOutcome, load_catalog
from consumer.codec import ChangeEvent, make_codec
from consumer.config import Settings, require_akeneo
from consumer.errors import ConfigError, ConsumerError
from consumer.feedback import Publisher
from consumer.health_server import Health, HealthServer
from consumer.logs import setup_logging
from consumer.mapping import MappingOptions, mapper_for
from consumer.metrics import Metrics
from consumer.redact import safe_url
from consumer.service.dispatcher import Dispatcher
from consumer.service.items import Source
from consumer.service.loop import ConsumerLoop, LoopSettings, MapResult

log = logging.getLogger("consumer")

# Retries while the service runs: forever (or until RETRY_GIVE_UP_S), backoff capped low so
# throughput is back within seconds after an outage.
SERVICE_RETRY_CAP_S = 5.0
# At start-up each request is retried for up to 10 s (a flaky PIM still lets the service start),
# then one clear line: an unreachable PIM fails start-up quickly enough for an orchestrator to see.
# Attempts are bounded by what is left of the 10 s, so a PIM that never answers costs 10 s, not
# AKENEO_TIMEOUT_S per attempt.
STARTUP_RETRY = RetryPolicy(
    base_s=0.2, cap_s=2.0, max_attempts=None, give_up_after_s=10.0, bound_attempts=True
)


def akeneo_client(
    settings: Settings, retry: RetryPolicy, observer: Any = None, stop: threading.Event | None = None
) -> AkeneoClient:
    require_akeneo(settings)
    credentials = Credentials(
        settings.akeneo_client_id,
        settings.akeneo_client_secret.reveal(),
        settings.akeneo_username,
        settings.akeneo_password.reveal(),
    )
    verify: bool | str = settings.akeneo_ca_bundle or settings.akeneo_verify_tls
    return AkeneoClient(
        settings.akeneo_host,
        credentials,
        max_in_flight=settings.akeneo_max_in_flight,
        timeout_s=settings.akeneo_timeout_s,
        verify=verify,
        retry=retry,
        observer=observer,
        stop_event=stop,
    )


def service_retry(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        base_s=0.2,
        cap_s=SERVICE_RETRY_CAP_S,
        max_attempts=None,
        give_up_after_s=settings.retry_give_up_s or None,
    )


def load_startup_catalog(settings: Settings, stop: threading.Event | None = None) -> Any:
    """The catalog, or a ConsumerError saying in one line why Akeneo cannot be used."""
    with akeneo_client(settings, STARTUP_RETRY, stop=stop) as client:
        try:
            return load_catalog(client)
        except AkeneoError as exc:
            where = safe_url(settings.akeneo_host)
            raise ConsumerError(f"cannot load the catalog from Akeneo at {where}: {exc}") from None


# librdkafka properties of one client kind only: KAFKA_X_Y settings go to both clients, and
# each drops the other's (which librdkafka would otherwise warn about at every start).
_CONSUMER_ONLY = (
    "group.",
    "session.timeout.ms",
    "heartbeat.interval.ms",
    "max.poll.interval.ms",
    "auto.offset.reset",
    "enable.auto.",
    "auto.commit.",
    "partition.assignment.strategy",
    "fetch.",
    "queued.",
    "isolation.level",
    "enable.partition.eof",
    "check.crcs",
    "coordinator.query.interval.ms",
)
_PRODUCER_ONLY = (
    "acks",
    "request.required.acks",
    "linger.ms",
    "queue.buffering.",
    "batch.",
    "compression.",
    "enable.idempotence",
    "message.timeout.ms",
    "delivery.timeout.ms",
    "retries",
    "message.send.max.retries",
    "retry.backoff.",
    "transactional.id",
    "transaction.timeout.ms",
    "enable.gapless.guarantee",
    "request.timeout.ms",
    "partitioner",
    "sticky.partitioning.linger.ms",
)


def _kafka_common(settings: Settings, drop: tuple[str, ...]) -> dict[str, Any]:
    conf: dict[str, Any] = {k: v for k, v in settings.kafka_config().items() if not k.startswith(drop)}
    # librdkafka's own log lines become JSON log lines like ours, not raw stderr.
    conf["logger"] = logging.getLogger("librdkafka")
    return conf


def consumer_config(settings: Settings) -> dict[str, Any]:
    conf: dict[str, Any] = {
        "group.id": settings.kafka_group_id,
        "enable.auto.commit": False,
        # A new group reads the topic from the start: every change is applied at least once.
        "auto.offset.reset": "earliest",
        # Incremental rebalancing: an instance joining or leaving moves only the partitions that
        # change owner; the others keep flowing (no stop-the-world drain).
        "partition.assignment.strategy": "cooperative-sticky",
        # Bounded prefetch: with Akeneo slow, librdkafka must not buffer the backlog either.
        "queued.max.messages.kbytes": 8192,
        "fetch.max.bytes": 8 * 1024 * 1024,
    }
    conf.update(_kafka_common(settings, _PRODUCER_ONLY))
    return conf


def producer_config(settings: Settings) -> dict[str, Any]:
    conf: dict[str, Any] = {"enable.idempotence": True, "linger.ms": 5, "acks": "all"}
    conf.update(_kafka_common(settings, _CONSUMER_ONLY))
    return conf


def _secrets(settings: Settings) -> list[str]:
    found = [settings.akeneo_client_secret.reveal(), settings.akeneo_password.reveal()]
    found += [v for k, v in settings.kafka_extra.items() if "password" in k or "secret" in k]
    return found


class Service:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.metrics = Metrics()
        self.health = Health()
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
            raise loaded[0]
        return loaded[0]

    def _idle(self) -> int:
        self.health.inactive = True
        log.info("ACTIVE=false: serving health and metrics, consuming nothing")
        while not self._stop.wait(1.0):
            self.health.beat()
        return 0

    def _serve(self, catalog: Any) -> int:
        s = self.settings
        client = akeneo_client(s, service_retry(s), observer=self.metrics)
        cache = CatalogCache(
            lambda: load_catalog(client),
            interval_s=s.catalog_refresh_s,
            on_refresh=self._refreshed,
            initial=catalog,
        )
        codec = make_codec(s.event_format, s.schema_registry_url, s.kafka_results_topic)
        if s.kafka_results_topic:
            codec.prepare()
        try:
            consumer = Consumer(consumer_config(s))
            producer = Producer(producer_config(s))
        except KafkaException as exc:
            raise ConfigError(f"Kafka configuration rejected: {exc.args[0].str()}") from None
        dispatcher = Dispatcher(client, s.akeneo_max_in_flight, self._auth_failing)

        def publisher(on_finished: Callable[[Source], None]) -> Publisher:
            topics = (s.kafka_results_topic, s.kafka_dlq_topic)
            return Publisher(producer, codec, *topics, self.metrics, on_finished, s.dry_run)

        self._loop = ConsumerLoop(
            consumer,
            s.kafka_topic,
            codec.decode_change,
            self._mapper(cache),
            publisher,
            dispatcher,
            LoopSettings(
                batch_limit=s.batch_limit,
                linger_s=s.batch_linger_ms / 1000,
                max_buffered=s.max_buffered_events,
                dry_run=s.dry_run,
                tombstone_delete=s.tombstone_delete,
                shutdown_grace_s=s.shutdown_grace_s,
            ),
            self.metrics,
            self.health,
            on_rejected_by_akeneo=lambda errors: cache.request_refresh("Akeneo rejected values"),
        )
        if self._stop.is_set():
            self._loop.request_stop()
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

    def _mapper(self, cache: CatalogCache) -> Callable[[ChangeEvent], MapResult]:
        options = MappingOptions.from_settings(self.settings)

        def map_event(event: ChangeEvent) -> MapResult:
            result = mapper_for(cache.current(), options).map(event.identifier, event.values)
            if result.unknown:
                cache.request_refresh(f"unknown codes: {', '.join(result.unknown[:5])}")
            return (result.payload, None) if result.payload is not None else (None, list(result.errors))

        return map_event

    def _refreshed(self, outcome: RefreshOutcome) -> None:
        trigger = "timer" if outcome.reason == "timer" else "on_demand"
        self.metrics.catalog_refreshes.labels(trigger if outcome.ok else f"{trigger}_failed").inc()

    def _auth_failing(self, failing: bool) -> None:
        self.health.akeneo_reachable = not failing


def run_service(settings: Settings) -> int:
    setup_logging(settings.log_level, _secrets(settings))
    service = Service(settings)

    def on_signal(signum: int, _frame: Any) -> None:
        log.info("signal received, draining", extra={"signal": signal.Signals(signum).name})
        service.request_stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return service.run()
