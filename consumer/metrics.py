"""Prometheus metrics of the service, in a registry of their own (one per service instance).

Names follow Prometheus rules: prefix ``akeneo_consumer_``, ``_total`` for counters, base
units (seconds). Labels stay low-cardinality: endpoints are route templates, never
identifiers; nothing here ever carries a secret.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics

from consumer.akeneo import ClientObserver

# `*_created` timestamps double the series count for no dashboard's benefit.
disable_created_metrics()

PREFIX = "akeneo_consumer"
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_END_TO_END_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)
_BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 75, 100, 200, 500, 1000)


class Metrics(ClientObserver):
    """Every metric the service exports; also the Akeneo client's observer."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.events_consumed = Counter(
            f"{PREFIX}_events_consumed_total", "Messages read from the input topic", ["topic"], registry=r
        )
        self.events_processed = Counter(
            f"{PREFIX}_events_processed_total",
            "Events with a final outcome, by feedback status",
            ["status"],
            registry=r,
        )
        self.akeneo_requests = Counter(
            f"{PREFIX}_akeneo_requests_total",
            "HTTP requests to Akeneo by endpoint template and status code (0: no answer)",
            ["endpoint", "status_code"],
            registry=r,
        )
        self.akeneo_latency = Histogram(
            f"{PREFIX}_akeneo_request_duration_seconds",
            "Duration of one HTTP request to Akeneo",
            ["endpoint"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.akeneo_in_flight = Gauge(
            f"{PREFIX}_akeneo_in_flight_requests", "Requests to Akeneo under way", registry=r
        )
        self.akeneo_concurrency_limit = Gauge(
            f"{PREFIX}_akeneo_concurrency_limit",
            "Requests to Akeneo the instance may have under way now (adaptive, at most AKENEO_MAX_IN_FLIGHT)",
            registry=r,
        )
        self.akeneo_paused = Counter(
            f"{PREFIX}_akeneo_paused_seconds_total",
            "Time every request to Akeneo was held by a 429's Retry-After (rate: the share of time paused)",
            registry=r,
        )
        self.akeneo_retries = Counter(
            f"{PREFIX}_akeneo_retries_total", "Retried Akeneo requests by reason", ["reason"], registry=r
        )
        self.akeneo_backoff = Histogram(
            f"{PREFIX}_akeneo_backoff_seconds",
            "Waits before retrying an Akeneo request (Retry-After or backoff), by reason",
            ["reason"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.token_requests = Counter(
            f"{PREFIX}_akeneo_token_requests_total",
            "OAuth token requests by grant (password, refresh_token)",
            ["grant"],
            registry=r,
        )
        self.batch_size = Histogram(
            f"{PREFIX}_batch_size_events",
            "Events per batch sent to Akeneo",
            buckets=_BATCH_BUCKETS,
            registry=r,
        )
        self.dlq_messages = Counter(
            f"{PREFIX}_dlq_messages_total",
            "Messages copied to the DLQ topic by reason",
            ["reason"],
            registry=r,
        )
        self.consumer_lag = Gauge(
            f"{PREFIX}_consumer_lag_messages",
            "Messages between the committed offset and the partition's end",
            ["topic", "partition"],
            registry=r,
        )
        self.event_to_answer = Histogram(
            f"{PREFIX}_event_to_answer_seconds",
            "Time from the event's occurred_at to Akeneo's answer",
            buckets=_END_TO_END_BUCKETS,
            registry=r,
        )
        self.buffered_events = Gauge(
            f"{PREFIX}_buffered_events",
            "Events read and not yet committed (buffered + in flight)",
            registry=r,
        )
        self.paused_partitions = Gauge(
            f"{PREFIX}_paused_partitions", "Partitions paused because the service is full", registry=r
        )
        self.commits = Counter(f"{PREFIX}_commits_total", "Offset commits", ["result"], registry=r)
        self.catalog_refreshes = Counter(
            f"{PREFIX}_catalog_refreshes_total",
            "Catalog reloads from Akeneo by trigger",
            ["trigger"],
            registry=r,
        )
        self.feedback_errors = Counter(
            f"{PREFIX}_feedback_delivery_errors_total",
            "Feedback or DLQ messages the broker failed to acknowledge (retried, reduced or let go)",
            registry=r,
        )
        self.events_coalesced = Counter(
            f"{PREFIX}_events_coalesced_total",
            "Events merged into an earlier waiting change of the same product (COALESCE): one line for both",
            registry=r,
        )
        self.feedback_reduced = Counter(
            f"{PREFIX}_feedback_reduced_total",
            "Feedback events published without their echoed values to fit the results topic's size limit",
            registry=r,
        )
        self.feedback_dropped = Counter(
            f"{PREFIX}_feedback_dropped_total",
            "Feedback or DLQ messages that could not be delivered in any form and were let go, by kind",
            ["kind"],
            registry=r,
        )
        # Readiness as a series, so alerts and dashboards see it without kube-state-metrics.
        self.ready = Gauge(f"{PREFIX}_ready", "1 while /readyz answers 200, else 0", registry=r)

    def watch_readiness(self, ready: Callable[[], bool]) -> None:
        """``ready`` is asked at every scrape, so the gauge never lags the probe."""
        self.ready.set_function(lambda: 1.0 if ready() else 0.0)

    # --- ClientObserver -------------------------------------------------------------------
    def on_request(self, endpoint: str, status: int, seconds: float) -> None:
        self.akeneo_requests.labels(endpoint, str(status)).inc()
        self.akeneo_latency.labels(endpoint).observe(seconds)

    def on_retry(self, reason: str) -> None:
        self.akeneo_retries.labels(reason).inc()

    def on_backoff(self, reason: str, seconds: float) -> None:
        self.akeneo_backoff.labels(reason).observe(seconds)

    def on_token(self, kind: str) -> None:
        self.token_requests.labels(kind).inc()

    def on_in_flight(self, delta: int) -> None:
        self.akeneo_in_flight.inc(delta)

    def on_concurrency_limit(self, limit: int) -> None:
        self.akeneo_concurrency_limit.set(limit)

    def on_pause(self, seconds: float) -> None:
        self.akeneo_paused.inc(seconds)
