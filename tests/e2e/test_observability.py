"""What the dashboard and the alert rules query is what the running service exports: every
``akeneo_consumer_*`` name of every panel and rule expression is a metric family on a live
service's /metrics, and every label a query filters or groups by is on that family's samples."""

from __future__ import annotations

import json
import re
from collections import defaultdict

import requests
from chart.rendering import CHART, alert_rules

from consumer.devstack.akeneo_sim import AkeneoSimulator
from consumer.devstack.kafka_broker import TansuBroker
from consumer.devstack.sample_data import sample_events

from .conftest import Launch
from .harness import Topics, produce, read_feedback, wait_for

# Added by the scrape (ServiceMonitor, Prometheus), not by the service; and histograms' buckets.
NOT_CHECKED = {"namespace", "job", "instance", "pod", "le"}
HISTOGRAM_SERIES = ("_bucket", "_sum", "_count")
NAME = r"akeneo_consumer_\w+"


def queries() -> list[str]:
    board = json.loads((CHART / "dashboards" / "akeneo-consumer.json").read_text())
    panels = [t["expr"] for p in board["panels"] for t in p.get("targets", [])]
    variables = [v["query"] for v in board["templating"]["list"] if v["type"] == "query"]
    return panels + variables + [rule["expr"] for rule in alert_rules()]


def exported(text: str) -> tuple[dict[str, str], dict[str, set[str]]]:
    """Family name -> type, and family name -> the label names its samples carry."""
    types = dict(re.findall(rf"^# TYPE ({NAME}) (\w+)$", text, re.M))
    labels: dict[str, set[str]] = defaultdict(set)
    for sample, body in re.findall(rf"^({NAME})(?:\{{([^}}]*)\}})? ", text, re.M):
        labels[family(sample, types)] |= set(re.findall(r'(\w+)="', body)) - {"le"}
    return types, labels


def family(series: str, types: dict[str, str]) -> str:
    """A histogram's _bucket/_sum/_count series belong to its family."""
    for suffix in HISTOGRAM_SERIES:
        base = series.removesuffix(suffix)
        if base != series and types.get(base) == "histogram":
            return base
    return series


def used_labels(query: str) -> dict[str, set[str]]:
    """Per metric name: the labels its selectors match on, and those the query groups by."""
    used: dict[str, set[str]] = defaultdict(set)
    for name, matchers in re.findall(rf"({NAME})\{{([^}}]*)\}}", query):
        used[name] |= set(re.findall(r"(\w+)\s*[=!]~?", matchers))
    grouped = {g.strip() for by in re.findall(r"by \(([^)]*)\)", query) for g in by.split(",")}
    for name in re.findall(NAME, query):
        used[name] |= grouped
    return used


def scraped(url: str) -> str:
    try:
        return requests.get(url, timeout=5).text
    except requests.ConnectionError:  # not listening yet
        return ""


def test_every_metric_the_dashboard_and_the_alerts_query_is_exported(
    kafka_broker: TansuBroker, sim: AkeneoSimulator, topics: Topics, launch: Launch
) -> None:
    service = launch()
    scrape = f"{service.metrics_url}/metrics"
    wait_for(lambda: "akeneo_consumer_ready 1.0" in scraped(scrape), 60, "readiness")
    sim.fail_next(2, status=503)  # so retries and 5xx answers have samples too
    events = list(sample_events(200, seed=12, invalid_every=10))
    produce(kafka_broker.bootstrap, topics.input, events, raw=[(b"poison", b"\x00 not an event")])
    read_feedback(kafka_broker.bootstrap, topics, {e.event_id for e in events})
    # The lag gauge is set every 5 s, once partitions have a committed position.
    lag = re.compile(rf'^akeneo_consumer_consumer_lag_messages{{[^}}]*topic="{topics.input}"', re.M)
    wait_for(lambda: bool(lag.search(scraped(scrape))), 30, "the lag gauge")
    text = scraped(scrape)
    types, labels = exported(text)

    asked = [q for q in queries() if re.search(NAME, q)]
    assert len(asked) >= 25
    missing = sorted({n for q in asked for n in re.findall(NAME, q) if family(n, types) not in types})
    assert not missing, f"queried but not exported: {missing}"
    unknown = {
        f"{name}: {sorted(wanted - labels[family(name, types)] - NOT_CHECKED)}"
        for query in asked
        for name, wanted in used_labels(query).items()
        if family(name, types) in labels and wanted - labels[family(name, types)] - NOT_CHECKED
    }
    assert not unknown, f"labels no sample carries: {unknown}"
    # The check saw what it checks: most families queried had samples to compare labels with.
    queried = {family(n, types) for q in asked for n in re.findall(NAME, q)}
    assert len(queried & labels.keys()) >= len(queried) - 2, sorted(queried - labels.keys())
    assert "akeneo_consumer_ready 1.0" in text
