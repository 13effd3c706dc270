"""Fixtures shared by the whole suite: one real Kafka-protocol broker (Tansu) per test session,
and fresh topics per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from speedups_support import check_compiled_build

check_compiled_build()  # before anything imports the hot modules

from e2e.harness import Topics  # noqa: E402
from hypothesis import settings  # noqa: E402

from consumer.devstack.kafka_broker import TansuBroker  # noqa: E402

# Shared, noisy machines: a slow example is not a failing one.
settings.register_profile("project", deadline=None, print_blob=True)
settings.load_profile("project")


@pytest.fixture(scope="session")
def kafka_broker() -> Iterator[TansuBroker]:
    with TansuBroker() as broker:
        yield broker


@pytest.fixture
def topics(kafka_broker: TansuBroker) -> Topics:
    """Input, results and DLQ topics and a consumer group of its own for one test."""
    fresh = Topics.fresh()
    fresh.create(kafka_broker.bootstrap)
    return fresh


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Every skipped test by name with its reason (pytest's own summary gives only file:line)."""
    skipped = terminalreporter.stats.get("skipped", [])
    if skipped:
        terminalreporter.section("skipped, by name")
        for report in skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            terminalreporter.write_line(f"SKIPPED {report.nodeid}: {reason.removeprefix('Skipped: ')}")
