from __future__ import annotations

import requests

from consumer.health_server import Health, HealthServer
from consumer.metrics import Metrics


def test_probes_follow_the_service_state_and_metrics_are_exported() -> None:
    metrics = Metrics()
    health = Health(stale_after_s=60)
    metrics.on_request("PATCH /products", 200, 0.12)
    metrics.events_processed.labels("CREATED").inc(3)
    with HealthServer(metrics.registry, health, port=0, host="127.0.0.1") as server:
        base = f"http://127.0.0.1:{server.port}"
        assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
        ready = requests.get(f"{base}/readyz", timeout=5)
        assert (ready.status_code, ready.text.strip()) == (503, "Akeneo not reachable")
        health.akeneo_reachable = True
        assert requests.get(f"{base}/readyz", timeout=5).text.strip() == "no partitions assigned"
        health.assigned = True
        assert requests.get(f"{base}/readyz", timeout=5).status_code == 200
        body = requests.get(f"{base}/metrics", timeout=5).text
        assert (
            'akeneo_consumer_akeneo_requests_total{endpoint="PATCH /products",status_code="200"} 1.0' in body
        )
        assert 'akeneo_consumer_events_processed_total{status="CREATED"} 3.0' in body
        assert requests.get(f"{base}/nope", timeout=5).status_code == 404


def test_a_stalled_loop_fails_liveness() -> None:
    health = Health(stale_after_s=0.0)
    assert not health.alive()
    assert health.ready() == (False, "main loop stalled")


def test_the_ready_gauge_says_what_the_readiness_probe_says() -> None:
    metrics = Metrics()
    health = Health(stale_after_s=60)
    metrics.watch_readiness(lambda: health.ready()[0])
    with HealthServer(metrics.registry, health, port=0, host="127.0.0.1") as server:
        base = f"http://127.0.0.1:{server.port}"

        def gauge_and_probe() -> tuple[str, int]:
            body = requests.get(f"{base}/metrics", timeout=5).text
            (line,) = [s for s in body.splitlines() if s.startswith("akeneo_consumer_ready ")]
            return line, requests.get(f"{base}/readyz", timeout=5).status_code

        assert gauge_and_probe() == ("akeneo_consumer_ready 0.0", 503)
        health.akeneo_reachable = health.assigned = True
        assert gauge_and_probe() == ("akeneo_consumer_ready 1.0", 200)
