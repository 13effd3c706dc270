"""`akeneo-consumer feedback export --out FILE.csv`: the results topic as a CSV feedback file.

Reads KAFKA_RESULTS_TOPIC from its start to its end (consumer/commands/topic_reader.py: no
consumer group is joined or committed to), decodes the feedback in EVENT_FORMAT, keeps the
latest feedback per event_id (delivery is at least once), and writes one row per event, in the
order the events were read from the input topic: every input column (the union of the echoed
``values``, in first-seen order), then identifier, event_id, operation, entity, status,
status_code, message and errors. Details: docs/commands.md.
"""

from __future__ import annotations

import argparse
import collections
import csv
import sys
from collections.abc import Iterable
from pathlib import Path

from consumer.codec import DecodeError, ErrorDetail, FeedbackEvent, make_codec
from consumer.commands.output_files import replacing
from consumer.config import load_settings
from consumer.errors import ConsumerError
from consumer.event_files import NULL_MARKER

FEEDBACK_COLUMNS = (
    "identifier", "event_id", "operation", "entity", "status", "status_code", "message", "errors"
)
COLLISION_PREFIX = "feedback_"  # a feedback column whose name an input column already has gets this
ERROR_JOINER = " | "
DEFAULT_IDLE_S = 1.0
DEFAULT_TIMEOUT_S = 30.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="feedback_command", metavar="SUBCOMMAND", required=True)
    export = sub.add_parser("export", help="write the results topic to a CSV feedback file",
                            description="write the results topic, from its start to its end, to a CSV file")
    export.add_argument("--out", required=True, metavar="FILE.csv", help="the CSV file to write")
    export.add_argument("--config", metavar="FILE", help="TOML file with settings (the environment wins)")
    export.add_argument("--delimiter", default=";", choices=(";", ","), help="CSV delimiter [;]")
    export.add_argument("--null-marker", default=NULL_MARKER, metavar="TEXT",
                        help=f"written for an explicit null in the input row [{NULL_MARKER}]")
    export.add_argument("--idle", type=float, default=DEFAULT_IDLE_S, metavar="SECONDS",
                        help=f"quiet time after the last message that marks the end [{DEFAULT_IDLE_S:g}]")
    export.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, metavar="SECONDS",
                        help=f"give up after this long without progress [{DEFAULT_TIMEOUT_S:g}]")


def flatten_error(error: ErrorDetail) -> str:
    """``attribute[locale,scope]: message`` (``-`` for a missing locale or scope; brackets only if either)."""
    name = error.get("attribute") or error.get("property") or ""
    locale, scope = error.get("locale"), error.get("scope")
    if locale or scope:
        name += f"[{locale or '-'},{scope or '-'}]"
    return f"{name}: {error['message']}" if name else error["message"]


class Latest:
    """The latest feedback per event (at least once: an event may have been fed back more than once)."""

    def __init__(self) -> None:
        self._by_event: dict[str, FeedbackEvent] = {}
        self.read = 0

    def add(self, feedback: FeedbackEvent) -> None:
        self.read += 1
        # Feedback for an unreadable event has no event_id: its place in the input topic names it.
        key = feedback.event_id or f"{feedback.topic}/{feedback.partition}/{feedback.offset}"
        known = self._by_event.get(key)
        if known is None or feedback.processed_at >= known.processed_at:
            self._by_event[key] = feedback

    def in_input_order(self) -> list[FeedbackEvent]:
        return sorted(self._by_event.values(), key=lambda f: (f.topic, f.partition, f.offset))

    @property
    def duplicates(self) -> int:
        return self.read - len(self._by_event)


def header(rows: Iterable[FeedbackEvent]) -> tuple[list[str], list[str]]:
    """Input columns in first-seen order, and the feedback columns' names (renamed on a collision)."""
    inputs = list(dict.fromkeys(column for row in rows for column in row.values))
    taken = set(inputs)
    return inputs, [COLLISION_PREFIX + c if c in taken else c for c in FEEDBACK_COLUMNS]


def write_csv(path: Path, rows: list[FeedbackEvent], delimiter: str, null_marker: str) -> None:
    inputs, feedback_names = header(rows)
    with replacing(path) as temp, temp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter, lineterminator="\n")
        writer.writerow([*inputs, *feedback_names])
        for row in rows:
            cells = [_cell(row.values.get(c, ""), null_marker) for c in inputs]
            errors = ERROR_JOINER.join(flatten_error(e) for e in row.errors)
            writer.writerow([*cells, row.identifier, row.event_id, row.operation, row.entity, row.status,
                             row.status_code, row.message or "", errors])


def _cell(value: str | None, null_marker: str) -> str:
    return null_marker if value is None else value


def export(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    topic = settings.kafka_results_topic
    if not topic:
        raise ConsumerError("KAFKA_RESULTS_TOPIC is empty: feedback is switched off, nothing to export")
    from consumer.commands.topic_reader import TopicReader  # Kafka imports only for this command

    codec = make_codec(settings.event_format, settings.schema_registry_url, topic)
    reader = TopicReader(settings, topic, idle_s=args.idle, stall_s=args.timeout)
    latest = Latest()
    unreadable: list[str] = []
    try:
        for msg in reader.messages():
            try:
                latest.add(codec.decode_feedback(msg.value(), topic))
            except DecodeError as exc:
                unreadable.append(f"partition {msg.partition()} offset {msg.offset()}: {exc.reason}")
    finally:
        codec.close()
    rows = latest.in_input_order()
    write_csv(Path(args.out), rows, args.delimiter, args.null_marker)
    sys.stdout.write(summary(args.out, topic, rows, latest, unreadable, reader.left_out))
    return 0


def summary(out: str, topic: str, rows: list[FeedbackEvent], latest: Latest, unreadable: list[str],
            left_out: int) -> str:
    statuses = collections.Counter(row.status for row in rows)
    counts = ", ".join(f"{status} {n}" for status, n in sorted(statuses.items()))
    lines = [f"exported {len(rows)} events from {topic} to {out}" + (f": {counts}" if counts else "")]
    later = f" ({left_out} written after the export began were left out)" if left_out else ""
    lines.append(f"read {latest.read + len(unreadable)} messages: {latest.duplicates} duplicates dropped, "
                 f"{len(unreadable)} unreadable skipped{later}")
    lines += [f"  {where}" for where in unreadable[:100]]
    if len(unreadable) > 100:
        lines.append(f"  ... and {len(unreadable) - 100} more")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    if args.feedback_command == "export":
        return export(args)
    raise ConsumerError(f"unknown feedback command {args.feedback_command!r}")
