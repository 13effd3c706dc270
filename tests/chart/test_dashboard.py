"""The Grafana dashboard: built by scripts/build_dashboard.py, a valid dashboard model reading its
data source from a template variable, and shipped by the chart for Grafana's sidecar."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from grafana_foundation_sdk.cog.plugins import register_default_plugins
from grafana_foundation_sdk.models.dashboard import Dashboard

from .rendering import CHART, REQUIRED, render

DASHBOARD = CHART / "dashboards" / "akeneo-consumer.json"
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}


def model() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return loaded


def test_the_committed_json_is_what_the_generator_builds() -> None:
    script = CHART.parent / "scripts" / "build_dashboard.py"
    checked = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stderr


def test_it_is_a_dashboard_grafana_can_load() -> None:
    register_default_plugins()
    board = Dashboard.from_json(model())
    assert (board.uid, board.title) == ("akeneo-consumer", "Akeneo consumer")
    assert board.schema_version >= 36
    assert board.panels and all(p.type_val in {"row", "timeseries"} for p in board.panels)


def test_every_panel_queries_prometheus_through_the_datasource_variable() -> None:
    board = model()
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert (variables["datasource"]["type"], variables["datasource"]["query"]) == ("datasource", "prometheus")
    assert variables["namespace"]["datasource"] == variables["job"]["datasource"] == DATASOURCE
    panels = [p for p in board["panels"] if p["type"] != "row"]
    assert len(panels) >= 14
    for panel in panels:
        assert panel["datasource"] == DATASOURCE, panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == DATASOURCE and 'namespace="$namespace"' in target["expr"]
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))
    assert all(p["gridPos"]["x"] + p["gridPos"]["w"] <= 24 for p in board["panels"])


def test_the_panels_an_sre_looks_for_are_there() -> None:
    titles = {p["title"] for p in model()["panels"]}
    assert {
        "Events by status",
        "Consumer lag by partition",
        "Lag trend",
        "From occurred_at to Akeneo's answer",
        "FAILED and DLQ",
        "Batch size",
        "Akeneo requests by endpoint and status code",
        "Akeneo latency by endpoint",
        "429s and retries by reason",
        "Requests in flight",
        "Concurrency limit",
        "Token requests",
        "Ready instances",
        "Paused partitions",
    } <= titles
    limit = next(p for p in model()["panels"] if p["title"] == "Concurrency limit")
    assert "akeneo_consumer_akeneo_concurrency_limit{" in limit["targets"][0]["expr"]
    latency = next(p for p in model()["panels"] if p["title"] == "Akeneo latency by endpoint")
    assert [t["legendFormat"].split()[0] for t in latency["targets"]] == ["p50", "p95", "p99"]


def test_the_chart_ships_it_for_grafanas_sidecar() -> None:
    assert "ConfigMap" not in render(REQUIRED).kinds()
    shipped = render(REQUIRED, {"grafanaDashboard": {"enabled": True}}).one("ConfigMap")
    assert shipped["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(shipped["data"]["akeneo-consumer.json"]) == model()

    elsewhere = {
        "grafanaDashboard": {
            "enabled": True,
            "labels": {"dashboards": "pim"},
            "annotations": {"grafana_folder": "Akeneo"},
            "namespace": "monitoring",
        }
    }
    configmap = render(REQUIRED, elsewhere).one("ConfigMap")
    assert configmap["metadata"]["namespace"] == "monitoring"
    assert configmap["metadata"]["labels"]["dashboards"] == "pim"
    assert configmap["metadata"]["annotations"] == {"grafana_folder": "Akeneo"}
