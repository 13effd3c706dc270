"""The Helm chart rendered by ``helm-render`` (a `helm template --strict` stand-in built from
tests/chart/helm_render with Debian's Go and Sprig), parsed into manifests."""

from __future__ import annotations

import base64
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm"
RENDER = ROOT / "build" / "helm-render"
_SOURCES = [Path(__file__).parent / "helm_render" / "main.go", Path(__file__).parent / "build-render"]

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


class RenderError(Exception):
    """helm-render refused the chart or the values; the message is what Helm would print."""


def renderer() -> Path:
    """The helm-render binary, built first when it is missing or older than its sources."""
    if not RENDER.exists() or RENDER.stat().st_mtime < max(p.stat().st_mtime for p in _SOURCES):
        subprocess.run([str(_SOURCES[1]), str(RENDER)], check=True)
    return RENDER


@dataclass
class Release:
    manifests: list[dict[str, Any]]
    notes: str

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


def render(*values: dict[str, Any], release: str = "sync") -> Release:
    """Render with the chart's values.yaml overridden by each of ``values`` in turn."""
    with tempfile.TemporaryDirectory() as tmp:
        args = [str(renderer()), "-release", release]
        for i, override in enumerate(values):
            path = Path(tmp) / f"values-{i}.yaml"
            path.write_text(yaml.safe_dump(override))
            args += ["-f", str(path)]
        done = subprocess.run([*args, str(CHART)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RenderError(done.stderr.strip())
    manifests = [doc for doc in yaml.safe_load_all(done.stdout) if doc]
    return Release(manifests, done.stderr)
