"""The Helm chart's pod, run for real: the environment its Deployment gives the container
(``env`` plus the Secret), the probes it declares, and the stop Kubernetes sends."""

from __future__ import annotations

from pathlib import Path

import requests
from chart.rendering import render

from consumer.devstack.akeneo_sim import AkeneoSimulator
from consumer.devstack.kafka_broker import TansuBroker, free_port
from consumer.devstack.sample_data import sample_events

from .harness import ServiceProcess, Topics, produce, read_feedback, wait_for


def test_the_charts_pod_consumes_answers_probes_and_stops_cleanly(
    kafka_broker: TansuBroker, sim: AkeneoSimulator, topics: Topics, tmp_path: Path
) -> None:
    akeneo = sim.settings_env()
    port = free_port()
    release = render(
        {
            "kafka": {
                "bootstrapServers": kafka_broker.bootstrap,
                "groupId": topics.group,
                "topic": topics.input,
                "resultsTopic": topics.results,
                "dlqTopic": topics.dlq,
                # A new group's first join waits about half of session.timeout.ms.
                "properties": {"session.timeout.ms": 6000, "heartbeat.interval.ms": 500},
            },
            "eventFormat": "json",
            "akeneo": {
                "host": akeneo["AKENEO_HOST"],
                "credentials": {
                    "clientId": akeneo["AKENEO_CLIENT_ID"],
                    "clientSecret": akeneo["AKENEO_CLIENT_SECRET"],
                    "username": akeneo["AKENEO_USERNAME"],
                    "password": akeneo["AKENEO_PASSWORD"],
                },
            },
            "metrics": {"port": port},
            "batch": {"lingerMs": 50},
            "shutdownGraceSeconds": 20,
        }
    )
    container = release.container()
    pod = release.one("Deployment")["spec"]["template"]["spec"]

    def probe(kind: str) -> int:
        try:
            return requests.get(
                f"http://127.0.0.1:{port}{container[kind]['httpGet']['path']}", timeout=2
            ).status_code
        except requests.ConnectionError:
            return 0

    service = ServiceProcess(release.pod_env(), tmp_path / "pod.log").start()
    try:
        wait_for(lambda: probe("readinessProbe") == 200, 60, "the readiness probe to pass")
        assert (probe("startupProbe"), probe("livenessProbe")) == (200, 200)

        events = list(sample_events(300, seed=41, invalid_every=0))
        produce(kafka_broker.bootstrap, topics.input, events)
        feedback = read_feedback(kafka_broker.bootstrap, topics, {e.event_id for e in events}, timeout_s=90)
        assert {fbs[-1].status for fbs in feedback.values()} <= {"CREATED", "UPDATED"}
        assert set(sim.products) == {e.identifier for e in events}

        # What the kubelet does to stop a pod: SIGTERM, then SIGKILL after the grace period.
        assert service.terminate(timeout=pod["terminationGracePeriodSeconds"]) == 0
    finally:
        service.stop()
    assert "Traceback" not in service.log_text()
