"""Autoscaling on the consumer group's lag: a KEDA ScaledObject (Kafka scaler) and, for SASL or a
private CA, a TriggerAuthentication reading the Secret the pods read."""

from __future__ import annotations

import re
from typing import Any

import helm_python
import pytest

from .rendering import REQUIRED, Release, render

SASL_KAFKA: dict[str, Any] = {
    "bootstrapServers": "b1:9093,b2:9093",
    "groupId": "pim-sync",
    "topic": "changes",
    "existingSecret": "kafka-sasl",
    "properties": {"security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-512"},
}


def scaled(**keda: Any) -> Release:
    return render(REQUIRED, {"kafka": SASL_KAFKA, "keda": {"enabled": True, "partitions": 6, **keda}})


def test_keda_scales_the_deployment_on_the_groups_lag() -> None:
    release = scaled(lagThreshold=500, minReplicaCount=2)
    assert "replicas" not in release.one("Deployment")["spec"]
    spec = release.one("ScaledObject")["spec"]
    assert spec["scaleTargetRef"] == {"name": release.one("Deployment")["metadata"]["name"]}
    assert (spec["minReplicaCount"], spec["maxReplicaCount"]) == (2, 6)
    (trigger,) = spec["triggers"]
    assert trigger["type"] == "kafka"
    assert trigger["metadata"] == {
        "bootstrapServers": "b1:9093,b2:9093",
        "consumerGroup": "pim-sync",
        "topic": "changes",
        "lagThreshold": "500",
        "offsetResetPolicy": "earliest",
        "sasl": "scram_sha512",
        "tls": "enable",
    }
    behavior = spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]["scaleDown"]
    assert behavior["stabilizationWindowSeconds"] == spec["cooldownPeriod"] == 300
    assert "2 to 6 instances" in release.notes


def test_kedas_credentials_come_from_the_secret_the_pods_read() -> None:
    release = scaled(caSecretKey="ca.pem")
    auth = release.one("TriggerAuthentication")
    assert release.one("ScaledObject")["spec"]["triggers"][0]["authenticationRef"] == {
        "name": auth["metadata"]["name"]
    }
    refs = {r["parameter"]: (r["name"], r["key"]) for r in auth["spec"]["secretTargetRef"]}
    assert refs == {
        "username": ("kafka-sasl", "KAFKA_SASL_USERNAME"),
        "password": ("kafka-sasl", "KAFKA_SASL_PASSWORD"),
        "ca": ("kafka-sasl", "ca.pem"),
    }
    pod_secrets = [s["secretRef"]["name"] for s in release.container()["envFrom"]]
    assert "kafka-sasl" in pod_secrets


@pytest.mark.parametrize(
    ("properties", "sasl", "tls"),
    [
        ({}, "none", "disable"),
        ({"security.protocol": "SSL"}, "none", "enable"),
        ({"security.protocol": "sasl_plaintext", "sasl.mechanisms": "PLAIN"}, "plaintext", "disable"),
        ({"security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-256"}, "scram_sha256", "enable"),
    ],
)
def test_sasl_and_tls_follow_the_services_kafka_properties(
    properties: dict[str, str], sasl: str, tls: str
) -> None:
    release = render(
        REQUIRED,
        {
            "kafka": {"existingSecret": "k", "properties": properties},
            "keda": {"enabled": True, "partitions": 3},
        },
    )
    metadata = release.one("ScaledObject")["spec"]["triggers"][0]["metadata"]
    assert (metadata["sasl"], metadata["tls"]) == (sasl, tls)
    assert ("TriggerAuthentication" in release.kinds()) == (sasl != "none")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"keda": {"enabled": True}}, "keda.partitions is required"),
        (
            {"keda": {"enabled": True, "partitions": 4, "maxReplicaCount": 8}},
            "keda.maxReplicaCount 8 exceeds keda.partitions 4: consumers beyond the partition count sit idle",
        ),
        (
            {"keda": {"enabled": True, "partitions": 2, "minReplicaCount": 3}},
            "keda.minReplicaCount 3 exceeds the maximum of 2 replicas",
        ),
        (
            {
                "kafka": {"properties": {"security.protocol": "SASL_SSL"}},
                "keda": {"enabled": True, "partitions": 2},
            },
            "SASL mechanism GSSAPI does not use",
        ),
        (
            {
                "kafka": {"properties": {"security.protocol": "SASL_SSL", "sasl.mechanism": "PLAIN"}},
                "keda": {"enabled": True, "partitions": 2},
            },
            "needs kafka.existingSecret",
        ),
    ],
)
def test_a_scaler_that_cannot_work_is_refused(values: dict[str, Any], message: str) -> None:
    with pytest.raises(helm_python.HelmRenderError, match=re.escape(message)):
        render(REQUIRED, values)


def test_scaling_to_zero_is_refused_by_the_schema() -> None:
    with pytest.raises(
        helm_python.HelmValuesError, match="at '/keda/minReplicaCount': minimum: got 0, want 1"
    ):
        render(REQUIRED, {"keda": {"enabled": True, "partitions": 2, "minReplicaCount": 0}})
