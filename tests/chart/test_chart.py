"""The Helm chart: what Helm's own engine renders of it, checked against the service it deploys
(every render is also linted and its manifests validated, see rendering.py)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import helm_python
import pytest
import requests
import yaml

from consumer.config import KEYS, Settings, load_settings
from consumer.health_server import Health, HealthServer
from consumer.metrics import Metrics

from .rendering import CHART, REQUIRED, Release, render

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def with_required(**values: Any) -> tuple[dict[str, Any], ...]:
    """Values files for a release: the required ones, then ``values`` over them (Helm merges maps)."""
    return (REQUIRED, values)


def test_defaults_deploy_the_service_with_its_own_defaults() -> None:
    release = render(REQUIRED)
    assert release.kinds() == ["Deployment", "PodDisruptionBudget", "Secret", "Service", "ServiceAccount"]
    settings = load_settings(env=release.pod_env())
    expected = Settings(
        kafka_bootstrap_servers="kafka:9092",
        akeneo_host="https://acme.cloud.akeneo.com",
        akeneo_client_id="client-1",
        akeneo_client_secret="s3cr3t-value",  # type: ignore[arg-type]
        akeneo_username="api-user-7",
        akeneo_password="pa55-word",  # type: ignore[arg-type]
    )
    assert dataclasses.asdict(settings) == dataclasses.asdict(expected)


def test_every_setting_of_the_service_has_a_value() -> None:
    release = render(
        *with_required(schemaRegistryUrl="http://registry:8081", akeneo={"caBundle": "/etc/ca/ca.pem"})
    )
    assert set(KEYS) <= set(release.pod_env())


def test_values_reach_the_service() -> None:
    release = render(
        *with_required(
            kafka={
                "bootstrapServers": "b1:9093,b2:9093",
                "groupId": "pim-sync",
                "topic": "changes",
                "resultsTopic": "",
                "properties": {
                    "security.protocol": "SASL_SSL",
                    "sasl.mechanism": "PLAIN",
                    "session.timeout.ms": 6000,
                },
            },
            eventFormat="confluent-avro",
            schemaRegistryUrl="http://registry:8081",
            batch={"limit": 50, "lingerMs": 20},
            dryRun=True,
            active=False,
            tombstoneDelete=True,
            retryGiveUpSeconds=600,
            retryAfterMaxSeconds=15,
            akeneo={"adaptiveConcurrency": False},
            logLevel="DEBUG",
        )
    )
    s = load_settings(env=release.pod_env())
    assert (s.kafka_bootstrap_servers, s.kafka_group_id, s.kafka_topic, s.kafka_results_topic) == (
        "b1:9093,b2:9093",
        "pim-sync",
        "changes",
        "",
    )
    assert s.kafka_extra == {
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "PLAIN",
        "session.timeout.ms": "6000",
    }
    assert (s.event_format, s.schema_registry_url) == ("confluent-avro", "http://registry:8081")
    assert (s.batch_limit, s.batch_linger_ms, s.dry_run, s.active, s.tombstone_delete) == (
        50,
        20,
        True,
        False,
        True,
    )
    assert (s.retry_give_up_s, s.log_level) == (600.0, "DEBUG")
    assert (s.retry_after_max_s, s.akeneo_adaptive_concurrency) == (15.0, False)
    assert "DRY RUN" in release.notes and "INACTIVE" in release.notes


def test_large_and_fractional_numbers_reach_the_service_exactly() -> None:
    """Helm reads numbers from values files as float64, which print as 1e+06."""
    release = render(
        *with_required(
            maxBufferedEvents=1_000_000,
            catalogRefreshSeconds=86_400,
            akeneo={"timeoutSeconds": 2.5},
            kafka={
                "properties": {
                    "queued.max.messages.kbytes": 1_048_576,
                    "enable.ssl.certificate.verification": False,
                }
            },
        )
    )
    s = load_settings(env=release.pod_env())
    assert (s.max_buffered_events, s.catalog_refresh_s, s.akeneo_timeout_s) == (1_000_000, 86_400.0, 2.5)
    assert s.kafka_extra == {
        "queued.max.messages.kbytes": "1048576",
        "enable.ssl.certificate.verification": "false",
    }


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (({},), "akeneo.host is required"),
        (
            ({"akeneo": {"host": "https://pim"}},),
            "akeneo.credentials.clientId is required unless akeneo.existingSecret",
        ),
        (
            with_required(akeneo={"credentials": {"password": ""}}),
            "akeneo.credentials.password is required",
        ),
        (
            with_required(eventFormat="confluent-avro"),
            "schemaRegistryUrl is required when eventFormat is confluent-avro",
        ),
        (
            with_required(kafka={"properties": {"group.id": "x"}}),
            "kafka.properties.group.id: set it through its own value",
        ),
        (
            with_required(metrics={"service": {"enabled": False}, "serviceMonitor": {"enabled": True}}),
            "metrics.serviceMonitor.enabled needs metrics.service.enabled",
        ),
    ],
)
def test_a_release_that_cannot_work_is_refused_naming_the_value(
    values: tuple[dict[str, Any], ...], message: str
) -> None:
    with pytest.raises(helm_python.HelmRenderError, match=re.escape(message)):
        render(*values)


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"replicas": 3}, "at '': additional properties 'replicas' not allowed"),
        ({"replicaCount": "two"}, "at '/replicaCount': got string, want integer"),
        ({"eventFormat": "xml"}, "at '/eventFormat': value must be one of 'avro', 'confluent-avro', 'json'"),
        ({"batch": {"limit": 0}}, "at '/batch/limit': minimum: got 0, want 1"),
        (
            {"kafka": {"properties": {"SECURITY_PROTOCOL": "SSL"}}},
            "'SECURITY_PROTOCOL' does not match pattern '^[a-z][a-z0-9.]*$'",
        ),
        ({"akeneo": {"verifyTls": "no"}}, "at '/akeneo/verifyTls': got string, want boolean"),
        (
            {"akeneo": {"adaptiveConcurrency": "yes"}},
            "at '/akeneo/adaptiveConcurrency': got string, want boolean",
        ),
        ({"retryAfterMaxSeconds": 0}, "at '/retryAfterMaxSeconds': minimum: got 0, want 1"),
        ({"logLevel": "TRACE"}, "at '/logLevel': value must be one of 'DEBUG', 'INFO', 'WARNING', 'ERROR'"),
    ],
)
def test_the_values_schema_refuses_misspelt_and_mistyped_values(values: dict[str, Any], problem: str) -> None:
    """Helm 4's own messages, before any template runs."""
    with pytest.raises(helm_python.HelmValuesError, match="values don't meet the specifications") as refused:
        render(REQUIRED, values)
    assert problem in str(refused.value)


def test_an_existing_secret_replaces_the_charts_own() -> None:
    values = {
        "akeneo": {"host": "https://pim", "existingSecret": "akeneo-api"},
        "kafka": {"existingSecret": "kafka-sasl"},
    }
    release = render(values)
    assert "Secret" not in release.kinds()
    pod = release.one("Deployment")["spec"]["template"]
    assert "checksum/secret" not in (pod["metadata"].get("annotations") or {})
    assert [s["secretRef"]["name"] for s in release.container()["envFrom"]] == ["akeneo-api", "kafka-sasl"]
    users_secrets = {
        "akeneo-api": {
            "AKENEO_CLIENT_ID": "i",
            "AKENEO_CLIENT_SECRET": "s",
            "AKENEO_USERNAME": "u",
            "AKENEO_PASSWORD": "p",
        },
        "kafka-sasl": {"KAFKA_SASL_USERNAME": "svc", "KAFKA_SASL_PASSWORD": "hunter2"},
    }
    settings = load_settings(env=release.pod_env(users_secrets))
    assert (settings.akeneo_client_id, settings.akeneo_password.reveal()) == ("i", "p")
    assert settings.kafka_extra == {"sasl.username": "svc", "sasl.password": "hunter2"}


def test_credentials_live_only_in_the_secret() -> None:
    release = render(REQUIRED)
    secret_values = list(REQUIRED["akeneo"]["credentials"].values())
    for manifest in release.manifests:
        text = yaml.safe_dump(manifest)
        leaked = [v for v in secret_values if v in text]
        assert not leaked, f"{manifest['kind']} shows {leaked}"
    assert all(v not in release.notes for v in secret_values)


def test_new_credentials_roll_the_pods() -> None:
    def checksum(release: Release) -> str:
        return str(
            release.one("Deployment")["spec"]["template"]["metadata"]["annotations"]["checksum/secret"]
        )

    rotated = render(*with_required(akeneo={"credentials": {"password": "new-one"}}))
    assert checksum(render(REQUIRED)) != checksum(rotated)
    assert checksum(render(REQUIRED)) == checksum(render(*with_required(logLevel="DEBUG")))


def test_kubernetes_waits_longer_than_the_drain() -> None:
    for grace in (0, 30, 120):
        release = render(*with_required(shutdownGraceSeconds=grace))
        pod = release.one("Deployment")["spec"]["template"]["spec"]
        shutdown = load_settings(env=release.pod_env()).shutdown_grace_s
        assert shutdown == grace
        assert pod["terminationGracePeriodSeconds"] > shutdown


def test_probes_reach_the_services_health_endpoints() -> None:
    release = render(*with_required(metrics={"port": 9100}))
    container = release.container()
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"metrics": 9100}
    assert load_settings(env=release.pod_env()).metrics_port == 9100

    health = Health()
    with HealthServer(Metrics().registry, health, port=0, host="127.0.0.1") as server:

        def probe(kind: str) -> int:
            get = container[kind]["httpGet"]
            assert get["port"] in ports  # by name, so a changed port follows
            return requests.get(f"http://127.0.0.1:{server.port}{get['path']}", timeout=5).status_code

        assert (probe("startupProbe"), probe("livenessProbe"), probe("readinessProbe")) == (200, 200, 503)
        health.akeneo_reachable = health.assigned = True
        assert probe("readinessProbe") == 200


def test_the_metrics_service_and_monitor_select_the_pods() -> None:
    release = render(
        *with_required(metrics={"serviceMonitor": {"enabled": True, "labels": {"release": "prom"}}})
    )
    pod_labels = release.one("Deployment")["spec"]["template"]["metadata"]["labels"]
    service = release.one("Service")
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert service["spec"]["ports"][0]["targetPort"] == "metrics"
    monitor = release.one("ServiceMonitor")
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert monitor["spec"]["endpoints"][0]["port"] == service["spec"]["ports"][0]["name"]
    assert monitor["metadata"]["labels"]["release"] == "prom"
    assert release.one("PodDisruptionBudget")["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()


def test_optional_parts_turn_off() -> None:
    release = render(
        *with_required(
            serviceAccount={"create": False, "name": "shared"},
            podDisruptionBudget={"enabled": False},
            metrics={"service": {"enabled": False}},
        )
    )
    assert release.kinds() == ["Deployment", "Secret"]
    assert release.one("Deployment")["spec"]["template"]["spec"]["serviceAccountName"] == "shared"


@pytest.mark.parametrize(
    ("release_name", "overrides"),
    [("sync", {}), ("akeneo-consumer-eu", {}), ("x" * 53, {}), ("sync", {"fullnameOverride": "y" * 70})],
)
def test_resource_names_are_valid_dns_labels(release_name: str, overrides: dict[str, Any]) -> None:
    release = render(REQUIRED, overrides, release=release_name)
    for manifest in release.manifests:
        name = manifest["metadata"]["name"]
        assert len(name) <= 63 and DNS_LABEL.match(name), name


def test_every_value_is_documented_where_it_is_defined() -> None:
    """A key at the top two levels has a comment directly above it or above its parent."""
    undocumented: list[str] = []
    documented_parents: set[str] = set()
    parent = ""
    previous = ""
    text = (CHART / "values.yaml").read_text()
    groups = {key for key, value in yaml.safe_load(text).items() if isinstance(value, dict) and value}
    for line in text.splitlines():
        found = re.match(r"^( {0,2})([A-Za-z]\w*):", line)
        if found:
            indent, key = found.groups()
            commented = previous.strip().startswith("#")
            if not indent:
                parent = key
                if commented:
                    documented_parents.add(key)
            if not commented and parent not in documented_parents and (indent or key not in groups):
                undocumented.append(f"{parent}.{key}" if indent else key)
        if line.strip():
            previous = line
    assert not undocumented
