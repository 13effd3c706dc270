"""What checks the chart beyond rendering: Helm's lint, the manifests' schemas, and the values the
templates read. Every render of every test goes through the first two (rendering.render)."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import helm_python
import pytest
import yaml

from .rendering import CHART, REQUIRED, render
from .validation import ManifestInvalid, validate

# Every optional part of the chart switched on, so every kind it can render is rendered.
EVERYTHING_ON: dict[str, Any] = {
    "metrics": {"serviceMonitor": {"enabled": True}},
    "grafanaDashboard": {"enabled": True},
    "prometheusRule": {"enabled": True},
    "keda": {"enabled": True, "partitions": 4},
    "kafka": {
        "existingSecret": "kafka-sasl",
        "properties": {"security.protocol": "SASL_SSL", "sasl.mechanism": "PLAIN"},
    },
}
BUILTIN = "Kubernetes 1.30.0 (strict)"


def test_every_kind_is_validated_against_its_own_schema() -> None:
    assert render(REQUIRED, EVERYTHING_ON).checked_by == {
        "ConfigMap": BUILTIN,
        "Deployment": BUILTIN,
        "PodDisruptionBudget": BUILTIN,
        "Secret": BUILTIN,
        "Service": BUILTIN,
        "ServiceAccount": BUILTIN,
        "ServiceMonitor": "CRD schema servicemonitor-monitoring-v1.json",
        "PrometheusRule": "CRD schema prometheusrule-monitoring-v1.json",
        "ScaledObject": "CRD schema scaledobject-keda-v1alpha1.json",
        "TriggerAuthentication": "CRD schema triggerauthentication-keda-v1alpha1.json",
    }


def _container(manifest: dict[str, Any]) -> dict[str, Any]:
    container: dict[str, Any] = manifest["spec"]["template"]["spec"]["containers"][0]
    return container


def _misspell_readiness_probe(deployment: dict[str, Any]) -> None:
    _container(deployment)["readinesProbe"] = _container(deployment).pop("readinessProbe")


def _quote_the_port(deployment: dict[str, Any]) -> None:
    _container(deployment)["ports"][0]["containerPort"] = "8080"


def _misspell_scrape_interval(monitor: dict[str, Any]) -> None:
    monitor["spec"]["endpoints"][0]["intervall"] = monitor["spec"]["endpoints"][0].pop("interval")


def _number_as_label(monitor: dict[str, Any]) -> None:
    monitor["metadata"]["labels"]["release"] = 7


def _misspell_rule_for(rule: dict[str, Any]) -> None:
    first = rule["spec"]["groups"][0]["rules"][0]
    first["fro"] = first.pop("for")


def _misspell_max_replicas(scaled: dict[str, Any]) -> None:
    scaled["spec"]["maxReplicas"] = scaled["spec"].pop("maxReplicaCount")


def _number_as_trigger_metadata(scaled: dict[str, Any]) -> None:
    scaled["spec"]["triggers"][0]["metadata"]["lagThreshold"] = 1000


def _misspell_secret_refs(auth: dict[str, Any]) -> None:
    auth["spec"]["secretTargetRefs"] = auth["spec"].pop("secretTargetRef")


@pytest.mark.parametrize(
    ("kind", "spoil", "problem"),
    [
        ("Deployment", _misspell_readiness_probe, "'readinesProbe' was unexpected"),
        ("Deployment", _quote_the_port, "'8080' is not of type 'integer'"),
        ("ServiceMonitor", _misspell_scrape_interval, "'intervall' was unexpected"),
        ("ServiceMonitor", _number_as_label, "metadata.labels.release: 7 is not of type 'string'"),
        ("PrometheusRule", _misspell_rule_for, "'fro' was unexpected"),
        ("ScaledObject", _misspell_max_replicas, "'maxReplicas' was unexpected"),
        ("ScaledObject", _number_as_trigger_metadata, "lagThreshold: 1000 is not of type 'string'"),
        ("TriggerAuthentication", _misspell_secret_refs, "'secretTargetRefs' was unexpected"),
    ],
)
def test_the_validation_refuses_what_the_cluster_would(
    kind: str, spoil: Callable[[dict[str, Any]], None], problem: str
) -> None:
    manifest = copy.deepcopy(render(REQUIRED, EVERYTHING_ON).one(kind))
    validate(manifest)
    spoil(manifest)
    with pytest.raises(ManifestInvalid, match=re.escape(problem)):
        validate(manifest)


def test_a_kind_without_a_schema_is_refused_not_skipped() -> None:
    with pytest.raises(ManifestInvalid, match="no schema"):
        validate({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}})


def test_every_value_a_template_reads_is_defined_in_values_yaml() -> None:
    """What `--strict` rendering would catch: a misspelt .Values path renders as an empty string."""
    with helm_python.Chart.load(CHART) as chart:
        defaults = chart.values
    read = {
        path
        for template in (CHART / "templates").iterdir()
        for path in re.findall(r"\.Values\.([A-Za-z][\w.]*)", template.read_text())
    }
    assert read, "the templates read no values?"
    undefined = []
    for path in sorted(read):
        node: Any = defaults
        for key in path.split("."):
            if not isinstance(node, dict) or key not in node:
                undefined.append(path)
                break
            node = node[key]
    assert not undefined


def test_a_release_name_helm_would_refuse_is_refused() -> None:
    with pytest.raises(helm_python.HelmInvalidArgError, match="must not be longer than 53"):
        render(REQUIRED, release="x" * 54)


def test_make_chart_prints_what_helm_renders() -> None:
    script = [sys.executable, str(CHART.parent / "tests/chart/helm_template.py")]
    example = CHART.parent / "tests/chart/example-values.yaml"
    printed = subprocess.run(
        [*script, "-f", str(example), str(CHART)], capture_output=True, text=True, check=False
    )
    assert printed.returncode == 0, printed.stderr
    expected = render(yaml.safe_load(example.read_text()), release="release-name")
    assert [doc for doc in yaml.safe_load_all(printed.stdout) if doc] == expected.manifests
    assert printed.stderr == expected.notes

    refused = subprocess.run([*script, str(CHART)], capture_output=True, text=True, check=False)
    assert refused.returncode == 1
    assert (
        refused.stderr.startswith("Error: execution error at") and "akeneo.host is required" in refused.stderr
    )
