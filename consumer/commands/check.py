"""`akeneo-consumer check`: can the service work with this configuration?

Asks Kafka for its topics (read-only: nothing is created), loads the catalog from Akeneo with the
credentials (the same short retry policy as the service's start-up), and with
EVENT_FORMAT=confluent-avro lists the registry's subjects. The report goes to stdout, each
problem as one line to stderr. Exit 0 only if everything is usable, else 1.
"""

from __future__ import annotations

import argparse
import sys

from confluent_kafka.admin import AdminClient

from consumer.commands.kafka_support import FirstError, list_topics, quiet_client
from consumer.config import Settings, load_settings
from consumer.errors import ConsumerError
from consumer.redact import safe_url, scrub

DEFAULT_TIMEOUT_S = 10.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE", help="TOML file with settings (the environment wins)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, metavar="SECONDS",
                        help=f"longest wait for Kafka and the schema registry [{DEFAULT_TIMEOUT_S:g}]")


class Report:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.problems: list[str] = []

    def found(self, line: str) -> None:
        self.lines.append(line)

    def problem(self, line: str) -> None:
        self.problems.append(line)


def check_kafka(settings: Settings, timeout_s: float, report: Report) -> None:
    bootstrap = settings.kafka_bootstrap_servers
    errors = FirstError()
    admin = quiet_client(AdminClient, settings.kafka_config(), errors)
    try:
        topics = list_topics(admin, bootstrap, timeout_s, errors)
    except ConsumerError as exc:
        report.found(f"Kafka {bootstrap}: unreachable")
        report.problem(str(exc))
        return
    report.found(f"Kafka {bootstrap}: reachable, {len(topics)} topics")
    for role, name in (
        ("input topic", settings.kafka_topic),
        ("results topic", settings.kafka_results_topic),
        ("DLQ topic", settings.kafka_dlq_topic),
    ):
        label = f"  {role:<14}"
        if not name:  # the contract allows switching feedback (and the DLQ) off with an empty name
            report.found(f"{label}(disabled)")
            continue
        topic = topics.get(name)
        if topic is None:
            report.found(f"{label}{name}: missing")
            report.problem(f"{role} {name} does not exist")
        elif topic.error is not None:
            report.found(f"{label}{name}: unusable")
            report.problem(f"{role} {name}: {topic.error}")
        else:
            report.found(f"{label}{name}: {topic.partitions} partitions")


def check_akeneo(settings: Settings, report: Report) -> None:
    # The service's own start-up path: same client settings, same retries, same catalog loader.
    from consumer.clients import load_startup_catalog

    host = safe_url(settings.akeneo_host) or "(AKENEO_HOST not set)"
    try:
        catalog = load_startup_catalog(settings)
    except ConsumerError as exc:
        report.found(f"Akeneo {host}: not usable")
        report.problem(scrub(str(exc)))
        return
    except Exception as exc:  # a bug should still read as one line, not a traceback
        report.found(f"Akeneo {host}: not usable")
        report.problem(f"Akeneo at {host}: unexpected {type(exc).__name__}")
        return
    sizes = catalog.summary()
    report.found(f"Akeneo {host}: credentials accepted, catalog loaded")
    report.found("  " + ", ".join(f"{key.replace('_', ' ')} {count}" for key, count in sizes.items()))


def check_registry(settings: Settings, timeout_s: float, report: Report) -> None:
    if settings.event_format != "confluent-avro":
        report.found(f"Schema registry: not used (EVENT_FORMAT={settings.event_format})")
        return
    from confluent_kafka.schema_registry import SchemaRegistryClient

    url = safe_url(settings.schema_registry_url)
    try:
        client = SchemaRegistryClient({"url": settings.schema_registry_url, "timeout": timeout_s,
                                       "max.retries": 1})
        try:
            subjects = client.get_subjects()
        finally:
            client.close()
    except Exception as exc:  # its messages may quote the URL: only the redacted form is shown
        report.found(f"Schema registry {url}: unreachable")
        report.problem(f"schema registry at {url}: {scrub(_reason(exc))}")
        return
    report.found(f"Schema registry {url}: reachable, {len(subjects)} subjects")


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    report = Report()
    check_kafka(settings, args.timeout, report)
    check_akeneo(settings, report)
    check_registry(settings, args.timeout, report)
    verdict = "usable" if not report.problems else f"NOT usable: {len(report.problems)} problem(s)"
    sys.stdout.write("\n".join([*report.lines, verdict]) + "\n")
    sys.stdout.flush()
    for problem in report.problems:
        sys.stderr.write(f"akeneo-consumer check: {problem}\n")
    return 0 if not report.problems else 1
