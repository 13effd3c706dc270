"""The Helm chart rendered by Helm's own engine (helm_template.py), linted, and every manifest
validated (validation.py) before a test sees it: a values combination a test renders that Helm
lints with a warning, or that the cluster would refuse, fails that test."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import helm_python
import yaml

from .helm_template import merge_values, read_values, split_notes, template
from .validation import KUBERNETES_VERSION, validate

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm"
# Helm's lint severities: 1 info, 2 warning, 3 error; strict lint fails on warnings too.
LINT_WARNING = 2

# The least a release needs: where Akeneo is and how to log in.
REQUIRED: dict[str, Any] = {
    "akeneo": {
        "host": "https://acme.cloud.akeneo.com",
        "credentials": {
            "clientId": "client-1",
            "clientSecret": "s3cr3t-value",
            "username": "api-user-7",
            "password": "pa55-word",
        },
    }
}


@dataclass
class Release:
    manifests: list[dict[str, Any]]
    notes: str
    # kind -> the schema that validated it ("Kubernetes 1.30.0 (strict)", "CRD schema ...")
    checked_by: dict[str, str] = field(default_factory=dict)

    def kinds(self) -> list[str]:
        return sorted(m["kind"] for m in self.manifests)

    def one(self, kind: str) -> dict[str, Any]:
        found = [m for m in self.manifests if m["kind"] == kind]
        assert len(found) == 1, f"expected one {kind}, found {len(found)}"
        return found[0]

    def container(self) -> dict[str, Any]:
        containers = self.one("Deployment")["spec"]["template"]["spec"]["containers"]
        assert len(containers) == 1
        return dict(containers[0])

    def pod_env(self, secrets: dict[str, dict[str, str]] | None = None) -> dict[str, str]:
        """The environment the service process sees in the pod: ``env`` entries plus every
        ``envFrom`` Secret, from the release or from ``secrets`` (ones the user made)."""
        known = {m["metadata"]["name"]: _decoded(m) for m in self.manifests if m["kind"] == "Secret"}
        known.update(secrets or {})
        container = self.container()
        env: dict[str, str] = {}
        for source in container.get("envFrom", []):
            env.update(known[source["secretRef"]["name"]])
        for entry in container.get("env", []):
            assert isinstance(entry["value"], str), f"{entry['name']} must be a string in a pod spec"
            env[entry["name"]] = entry["value"]
        return env


def _decoded(secret: dict[str, Any]) -> dict[str, str]:
    return {k: base64.b64decode(v).decode() for k, v in secret.get("data", {}).items()}


def release_values(*values: dict[str, Any]) -> dict[str, Any]:
    """``values`` as ``-f`` files, in turn: each read by Helm's reader, then merged as the CLI does."""
    return merge_values(*(read_values(yaml.safe_dump(layer)) for layer in values))


def lint_findings(values: dict[str, Any]) -> list[str]:
    """What `helm lint --strict --kube-version` says about the chart with these values, info left out."""
    report = helm_python.lint(CHART, values, strict=True, kube_version=f"v{KUBERNETES_VERSION}")
    found = [f"{m['path']}: {m['error']}" for m in report["messages"] if m["severity"] >= LINT_WARNING]
    return found + list(report["errors"])


def render(*values: dict[str, Any], release: str = "sync", namespace: str = "default") -> Release:
    """Render with the chart's values.yaml overridden by each of ``values`` in turn; raises Helm's
    own errors. The values must lint clean and every manifest must validate."""
    merged = release_values(*values)
    files, notes = split_notes(template(CHART, merged, release, namespace))
    assert not (findings := lint_findings(merged)), findings
    manifests = [doc for text in files.values() for doc in yaml.safe_load_all(text) if doc]
    checked_by = {m["kind"]: validate(m) for m in manifests}
    return Release(manifests, notes, checked_by)


# The release the alert-rule tests and the metrics check render the rules of.
WITH_RULES: dict[str, Any] = {
    "metrics": {"serviceMonitor": {"enabled": True}},
    "prometheusRule": {"enabled": True},
}


def alert_rules(*values: dict[str, Any]) -> list[dict[str, Any]]:
    """The rules of the chart's PrometheusRule for release "sync" in namespace "default"."""
    release = render(REQUIRED, WITH_RULES, *values, release="sync", namespace="default")
    return [rule for group in release.one("PrometheusRule")["spec"]["groups"] for rule in group["rules"]]
