"""The chart's alert rules, run by Prometheus' own promtool: they parse (`promtool check rules`)
and fire on exactly the series tests/chart/alerts_test.yaml describes (`promtool test rules`).

promtool is not on PyPI: it comes with Debian's prometheus package, which .ci/run installs
(as root) when it is missing. Without it these tests are skipped, by name, with the reason."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import helm_python
import pytest
import yaml

from .rendering import CHART, REQUIRED, alert_rules, render

PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool is not installed (Debian's prometheus package; .ci/run installs it)"
)
RULE_TESTS = Path(__file__).with_name("alerts_test.yaml")


def _promtool(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run([PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, check=False)


def _rule_files(tmp_path: Path, tests: dict[str, Any] | None = None) -> Path:
    """rules.yaml (the chart's rules) and alerts_test.yaml (or ``tests``) side by side."""
    group = {"name": "akeneo-consumer", "rules": alert_rules()}
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": [group]}))
    (tmp_path / RULE_TESTS.name).write_text(yaml.safe_dump(tests) if tests else RULE_TESTS.read_text())
    return tmp_path


@needs_promtool
def test_promtool_accepts_the_rules(tmp_path: Path) -> None:
    checked = _promtool("check", "rules", "rules.yaml", cwd=_rule_files(tmp_path))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(alert_rules())} rules found" in checked.stdout


@needs_promtool
def test_the_rules_fire_on_the_series_their_tests_describe(tmp_path: Path) -> None:
    tested = _promtool("test", "rules", RULE_TESTS.name, cwd=_rule_files(tmp_path))
    assert tested.returncode == 0, tested.stdout + tested.stderr
    cases = yaml.safe_load(RULE_TESTS.read_text())["tests"]
    fired = {check["alertname"] for case in cases for check in case["alert_rule_test"] if check["exp_alerts"]}
    assert fired == {rule["alert"] for rule in alert_rules()}, "every alert has a case where it fires"


@needs_promtool
def test_a_wrong_expectation_fails_the_rule_tests(tmp_path: Path) -> None:
    cases = yaml.safe_load(RULE_TESTS.read_text())
    cases["tests"][0]["alert_rule_test"][0]["exp_alerts"] = [{"exp_labels": {"severity": "warning"}}]
    tested = _promtool("test", "rules", RULE_TESTS.name, cwd=_rule_files(tmp_path, cases))
    assert tested.returncode != 0 and "FAILED" in tested.stdout + tested.stderr


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes."""
    headings = re.findall(r"^#+ (.+)$", markdown, re.M)
    return {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings}


def test_every_alert_explains_itself_and_links_its_runbook_section() -> None:
    runbook = CHART.parent / "docs" / "operations.md"
    anchors = _anchors(runbook.read_text())
    for rule in alert_rules():
        notes = rule["annotations"]
        assert notes["summary"] and notes["description"], rule["alert"]
        base, _, anchor = notes["runbook_url"].partition("#")
        assert base.endswith("/docs/operations.md") and anchor in anchors, rule["alert"]
        assert rule["labels"]["severity"] in {"warning", "critical"}


def test_thresholds_durations_and_labels_are_values() -> None:
    tuned = {
        "prometheusRule": {
            "window": "30m",
            "alertLabels": {"team": "pim"},
            "alerts": {"rejectedShare": {"threshold": 0.25, "for": "1h", "severity": "critical"}},
        }
    }
    rule = next(r for r in alert_rules(tuned) if r["alert"] == "AkeneoConsumerRejectedShareHigh")
    assert (rule["for"], rule["labels"]) == ("1h", {"severity": "critical", "team": "pim"})
    assert rule["expr"].endswith("> 0.25") and "[30m]" in rule["expr"] and "[10m]" not in rule["expr"]


def test_rules_without_a_scrape_they_can_see_are_refused() -> None:
    with pytest.raises(
        helm_python.HelmRenderError, match=re.escape("prometheusRule.enabled needs metrics.serviceMonitor")
    ):
        render(REQUIRED, {"prometheusRule": {"enabled": True}})
    selected = {"prometheusRule": {"enabled": True, "selector": 'cluster="eu", app="sync"'}}
    assert all(
        '{cluster="eu", app="sync"' in r["expr"]
        for r in render(REQUIRED, selected).one("PrometheusRule")["spec"]["groups"][0]["rules"]
    )
