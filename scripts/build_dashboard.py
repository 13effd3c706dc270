#!/usr/bin/env python3
"""Build the Grafana dashboard, helm/dashboards/akeneo-consumer.json, with Grafana's own typed
builders (grafana-foundation-sdk), so the JSON is never edited by hand.

Every query reads the service's own metrics (consumer/metrics.py) through the `datasource`
template variable, scoped by the `namespace` and `job` variables (a ServiceMonitor's job is the
metrics Service's name). The chart ships the file as a ConfigMap (grafanaDashboard.enabled).

Usage: ``python scripts/build_dashboard.py [--check]``; ``--check`` exits 1 when the committed
file differs from what this script builds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grafana_foundation_sdk.builders import common, dashboard, prometheus, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.common import LegendDisplayMode
from grafana_foundation_sdk.models.dashboard import DashboardCursorSync, DataSourceRef, VariableRefresh

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "helm" / "dashboards" / "akeneo-consumer.json"
UID = "akeneo-consumer"
DATASOURCE = DataSourceRef(type_val="prometheus", uid="${datasource}")
SCOPE = 'namespace="$namespace", job=~"$job"'
RATE = "[$__rate_interval]"
FAILED, RATE_LIMITED = 'status="FAILED"', 'status_code="429"'


def series(metric: str, matchers: str = "") -> str:
    """``metric{<this dashboard's scope>, matchers}``."""
    return f"akeneo_consumer_{metric}{{{SCOPE}{', ' + matchers if matchers else ''}}}"


def rate(metric: str, matchers: str = "") -> str:
    return f"rate({series(metric, matchers)}{RATE})"


def quantiles(histogram: str, by: str = "", legend: str = "") -> list[tuple[str, str]]:
    """p50, p95 and p99 of a histogram, per ``by`` label if given."""
    labels = f"le, {by}" if by else "le"
    return [
        (
            f"histogram_quantile({q}, sum by ({labels}) ({rate(histogram + '_bucket')}))",
            f"p{round(q * 100)}{' ' + legend if legend else ''}",
        )
        for q in (0.5, 0.95, 0.99)
    ]


def panel(title: str, unit: str, description: str, *queries: tuple[str, str]) -> timeseries.Panel:
    """A time series of (PromQL, legend) queries, 8 columns by 8 rows."""
    built = (
        timeseries.Panel()
        .title(title)
        .description(description)
        .unit(unit)
        .datasource(DATASOURCE)
        .span(8)
        .height(8)
        .min(0)
        .legend(common.VizLegendOptions().show_legend(True).display_mode(LegendDisplayMode.LIST))
    )
    for ref, (expr, legend) in zip("ABCDEFGH", queries, strict=False):
        built = built.with_target(
            prometheus.Dataquery().expr(expr).legend_format(legend).ref_id(ref).datasource(DATASOURCE)
        )
    return built


def _variables(board: dashboard.Dashboard) -> dashboard.Dashboard:
    board = board.with_variable(
        dashboard.DatasourceVariable("datasource").id("datasource").label("Data source").type("prometheus")
    )
    for name, query in (
        ("namespace", "label_values(akeneo_consumer_ready, namespace)"),
        ("job", 'label_values(akeneo_consumer_ready{namespace="$namespace"}, job)'),
    ):
        board = board.with_variable(
            dashboard.QueryVariable(name)
            .id(name)
            .label(name.capitalize())
            .query(query)
            .datasource(DATASOURCE)
            .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
            .multi(name == "job")
            .include_all(name == "job")
        )
    return board


def build() -> dashboard.Dashboard:
    board = (
        dashboard.Dashboard("Akeneo consumer")
        .uid(UID)
        .description("Kafka to Akeneo sync: flow, lag, Akeneo's answers, instances (docs/operations.md)")
        .tags(["akeneo", "kafka"])
        .refresh("30s")
        .time("now-3h", "now")
        .tooltip(DashboardCursorSync.CROSSHAIR)
    )
    board = _variables(board)
    lag = series("consumer_lag_messages")
    board = (
        board.with_row(dashboard.Row("Stream"))
        .with_panel(
            panel(
                "Events by status",
                "ops",
                "Events read from the input topic, and events with a final outcome by feedback status.",
                (f"sum({rate('events_consumed_total')})", "consumed"),
                (f"sum by (status) ({rate('events_processed_total')})", "{{status}}"),
            )
        )
        .with_panel(
            panel(
                "Consumer lag by partition",
                "short",
                "Messages between the committed offset and the end of each partition.",
                (f"sum by (topic, partition) ({lag})", "{{topic}} / {{partition}}"),
            )
        )
        .with_panel(
            panel(
                "Lag trend",
                "short",
                "How fast the total lag grows (above 0) or shrinks, per second, over the last 15 minutes.",
                (f"deriv(sum by (topic) ({lag})[15m:1m])", "{{topic}}"),
            )
        )
        .with_panel(
            panel(
                "From occurred_at to Akeneo's answer",
                "s",
                "Time from the upstream change (the event's occurred_at) to Akeneo's answer for it.",
                *quantiles("event_to_answer_seconds"),
            )
        )
        .with_panel(
            panel(
                "FAILED and DLQ",
                "ops",
                "Events given up on (FAILED feedback, copied to the DLQ) and messages copied to the DLQ "
                "by reason. Either one above 0 needs a look: docs/operations.md.",
                (f"sum({rate('events_processed_total', FAILED)})", "FAILED"),
                (f"sum by (reason) ({rate('dlq_messages_total')})", "DLQ: {{reason}}"),
            )
        )
        .with_panel(
            panel(
                "Batch size",
                "short",
                "Events per batch sent to Akeneo; small batches under load mean BATCH_LINGER_MS is short.",
                *quantiles("batch_size_events")[:2],
                (
                    f"sum({rate('batch_size_events_sum')}) / sum({rate('batch_size_events_count')})",
                    "average",
                ),
            )
        )
    )
    board = (
        board.with_row(dashboard.Row("Akeneo"))
        .with_panel(
            panel(
                "Akeneo requests by endpoint and status code",
                "reqps",
                "HTTP requests to Akeneo; status code 0 is a request that got no answer (timeout, "
                "dropped connection).",
                (
                    f"sum by (endpoint, status_code) ({rate('akeneo_requests_total')})",
                    "{{endpoint}} {{status_code}}",
                ),
            )
        )
        .with_panel(
            panel(
                "Akeneo latency by endpoint",
                "s",
                "Duration of one HTTP request to Akeneo, p50, p95 and p99 per endpoint.",
                *quantiles("akeneo_request_duration_seconds", by="endpoint", legend="{{endpoint}}"),
            )
        )
        .with_panel(
            panel(
                "429s and retries by reason",
                "ops",
                "Akeneo's rate-limit answers, and every retried request by reason.",
                (f"sum({rate('akeneo_requests_total', RATE_LIMITED)})", "429 answers"),
                (f"sum by (reason) ({rate('akeneo_retries_total')})", "retry: {{reason}}"),
            )
        )
        .with_panel(
            panel(
                "Requests in flight",
                "short",
                "Requests to Akeneo under way per instance (at most akeneo.maxInFlight each).",
                (f"sum by (pod) ({series('akeneo_in_flight_requests')})", "{{pod}}"),
            )
        )
        .with_panel(
            panel(
                "Concurrency limit",
                "short",
                "Requests to Akeneo each instance may have under way now: the adaptive limit, at most "
                "akeneo.maxInFlight, lower while Akeneo answers 429s; and the share of time a 429's "
                "Retry-After held every request of the instance (0 to 1).",
                (f"max by (pod) ({series('akeneo_concurrency_limit')})", "limit {{pod}}"),
                (f"sum by (pod) ({rate('akeneo_paused_seconds_total')})", "paused {{pod}}"),
            )
        )
        .with_panel(
            panel(
                "Token requests",
                "short",
                "OAuth token requests by grant: refresh_token about once an hour is normal; "
                "repeated password grants mean tokens are refused.",
                (
                    f"sum by (grant) (increase({series('akeneo_token_requests_total')}{RATE}))",
                    "{{grant}}",
                ),
            )
        )
    )
    return (
        board.with_row(dashboard.Row("Instances"))
        .with_panel(
            panel(
                "Ready instances",
                "short",
                "Instances whose /readyz answers 200 (partitions assigned and Akeneo answering), "
                "of all the instances scraped.",
                (f"sum({series('ready')})", "ready"),
                (f"count({series('ready')})", "running"),
            )
        )
        .with_panel(
            panel(
                "Paused partitions",
                "short",
                "Partitions paused because an instance holds MAX_BUFFERED_EVENTS unanswered events: "
                "Akeneo is slower than the topic.",
                (f"sum by (pod) ({series('paused_partitions')})", "{{pod}}"),
            )
        )
        .with_panel(
            panel(
                "Buffered events",
                "short",
                "Events read and not yet committed, per instance.",
                (f"sum by (pod) ({series('buffered_events')})", "{{pod}}"),
            )
        )
    )


def render() -> str:
    model = build().build()
    for number, built in enumerate(model.panels or [], start=1):
        built.id_val = number  # Grafana wants unique panel ids; in layout order
    return JSONEncoder(sort_keys=True, indent=2).encode(model) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when the committed file is stale")
    args = parser.parse_args()
    text = render()
    if args.check:
        if not OUT.exists() or OUT.read_text() != text:
            print(f"{OUT.relative_to(ROOT)} is stale: run python scripts/build_dashboard.py", file=sys.stderr)
            return 1
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
