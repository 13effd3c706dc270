"""The clients every command builds the same way: the Akeneo client, Kafka consumer and producer settings.

``run``, ``check``, ``catalog dump``, ``produce`` and ``feedback export`` all talk to the same
Kafka and Akeneo with the same settings; this is the one place that turns Settings into them.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from typing import Any

from consumer.akeneo import AkeneoClient, AkeneoError, Credentials, RetryPolicy
from consumer.catalog import Catalog, load_catalog
from consumer.config import Settings, require_akeneo
from consumer.errors import ConsumerError
from consumer.redact import safe_url

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
        adaptive_concurrency=settings.akeneo_adaptive_concurrency,
    )


def service_retry(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        base_s=0.2,
        cap_s=SERVICE_RETRY_CAP_S,
        max_attempts=None,
        give_up_after_s=settings.retry_give_up_s or None,
        retry_after_cap_s=settings.retry_after_max_s,
    )


def startup_retry(settings: Settings) -> RetryPolicy:
    return dataclasses.replace(STARTUP_RETRY, retry_after_cap_s=settings.retry_after_max_s)


def load_startup_catalog(settings: Settings, stop: threading.Event | None = None) -> Catalog:
    """The catalog, or a ConsumerError saying in one line why Akeneo cannot be used."""
    with akeneo_client(settings, startup_retry(settings), stop=stop) as client:
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


def consumer_config(settings: Settings, on_commit: Any = None) -> dict[str, Any]:
    """librdkafka settings of the service's consumer; ``on_commit`` receives commit confirmations."""
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
        # A topic deleted and created again (a broker restarted empty, topics re-created) is seen at
        # the next metadata refresh; librdkafka's default of 5 minutes left the service idle that long.
        "topic.metadata.refresh.interval.ms": 10_000,
    }
    conf.update(_kafka_common(settings, _PRODUCER_ONLY))
    if on_commit is not None:
        conf["on_commit"] = on_commit
    return conf


def producer_config(settings: Settings) -> dict[str, Any]:
    conf: dict[str, Any] = {"enable.idempotence": True, "linger.ms": 5, "acks": "all"}
    conf.update(_kafka_common(settings, _CONSUMER_ONLY))
    return conf


def max_message_bytes(settings: Settings) -> int:
    """The largest message the producer will send (librdkafka's ``message.max.bytes``)."""
    return int(settings.kafka_config().get("message.max.bytes", 1_000_000))


def secrets(settings: Settings) -> list[str]:
    found = [settings.akeneo_client_secret.reveal(), settings.akeneo_password.reveal()]
    found += [v for k, v in settings.kafka_extra.items() if "password" in k or "secret" in k]
    return found
