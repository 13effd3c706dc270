"""`akeneo-consumer produce --from FILE`: publish change events from a .csv or .ndjson file to KAFKA_TOPIC.

Events are keyed by identifier and written in EVENT_FORMAT. A row that cannot be an event is
skipped and listed in the summary with its line and reason. Every publish is confirmed by the
broker before exit. Exit 0 when every event read was delivered (skipped rows allowed), 1 when
nothing was published or a delivery failed, 2 when the file, the configuration or the broker
cannot be used at all. Rules of the file formats: consumer/event_files.py and docs/commands.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from consumer.clients import producer_config
from consumer.codec import Codec, EncodeError, make_codec
from consumer.commands.kafka_support import FirstError, list_topics, quiet_client
from consumer.config import Settings, load_settings
from consumer.errors import ConsumerError
from consumer.event_files import NULL_MARKER, EventFile, Row, open_events

DEFAULT_TIMEOUT_S = 30.0
SHOWN_PROBLEMS = 100  # the summary lists this many skipped rows or failed deliveries, then counts the rest
_PROGRESS_EVERY_S = 0.2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="source", required=True, metavar="FILE",
                        help="a .csv (one flat row per product) or .ndjson (one JSON event per line) file")
    parser.add_argument("--config", metavar="FILE", help="TOML file with settings (the environment wins)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, metavar="SECONDS",
                        help=f"longest wait for the broker to answer or confirm [{DEFAULT_TIMEOUT_S:g}]")
    parser.add_argument("--null-marker", default=NULL_MARKER, metavar="TEXT",
                        help=f"a CSV cell that is exactly this is an explicit null [{NULL_MARKER}]")


@dataclasses.dataclass
class Tally:
    published: int = 0  # delivery confirmed by the broker
    sent: int = 0  # handed to the producer
    skipped: list[Row] = dataclasses.field(default_factory=list)  # not events, or not encodable
    failed: list[Row] = dataclasses.field(default_factory=list)  # delivery refused or timed out

    @property
    def unconfirmed(self) -> int:
        return self.sent - self.published - len(self.failed)


class Progress:
    """One self-overwriting line on a terminal; nothing at all when the stream is not one."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._enabled = stream.isatty()
        self._shown_at = 0.0
        self._width = 0

    def show(self, tally: Tally, final: bool = False) -> None:
        if not self._enabled:
            return
        now = time.monotonic()
        if not final and now - self._shown_at < _PROGRESS_EVERY_S:
            return
        self._shown_at = now
        text = f"{tally.sent} sent, {tally.published} confirmed, {len(tally.skipped)} skipped"
        self._stream.write("\r" + text.ljust(self._width) + ("\n" if final else ""))
        self._stream.flush()
        self._width = len(text)


def _delivery_report(tally: Tally, line: int) -> Callable[[KafkaError | None, Message], None]:
    def report(error: KafkaError | None, _msg: Message) -> None:
        if error is None:
            tally.published += 1
        else:
            tally.failed.append(Row(line, problem=error.str()))

    return report


def _producer(settings: Settings, timeout_s: float, errors: FirstError) -> Producer:
    conf: dict[str, Any] = producer_config(settings)
    # Bounded: a broker that goes away fails the waiting deliveries instead of holding us for minutes.
    conf.setdefault("message.timeout.ms", max(1, int(timeout_s * 1000)))
    return quiet_client(Producer, conf, errors)


def _send(
    producer: Producer, topic: str, key: bytes, value: bytes, report: Callable[..., None]
) -> str | None:
    """None once the producer took the message, else why it refused it (too large, say)."""
    while True:
        try:
            producer.produce(topic, key=key, value=value, on_delivery=report)
            return None
        except BufferError:  # the local queue is full: let deliveries drain, then try again
            producer.poll(0.1)
        except KafkaException as exc:
            return str(exc.args[0].str())


def publish(rows: EventFile, topic: str, codec: Codec, producer: Producer, tally: Tally,
            progress: Progress) -> None:
    for row in rows:
        event = row.event
        if event is None:
            tally.skipped.append(row)
            continue
        try:
            value = codec.encode_change(event, topic)
        except EncodeError as exc:
            tally.skipped.append(Row(row.line, problem=str(exc)))
            continue
        refused = _send(producer, topic, event.identifier.encode(), value, _delivery_report(tally, row.line))
        if refused is not None:
            tally.skipped.append(Row(row.line, problem=refused))
            continue
        tally.sent += 1
        producer.poll(0)
        progress.show(tally)


def summary(tally: Tally, source: Path, settings: Settings) -> str:
    lines = [f"published {tally.published} events from {source} to {settings.kafka_topic} "
             f"({settings.event_format})"]
    for title, problems in (("skipped", tally.skipped), ("not delivered", tally.failed)):
        if not problems:
            continue
        lines.append(f"{title} {len(problems)} rows:")
        shown = sorted(problems, key=lambda p: p.line)[:SHOWN_PROBLEMS]
        lines += [f"  line {p.line}: {p.problem}" for p in shown]
        if len(problems) > SHOWN_PROBLEMS:
            lines.append(f"  ... and {len(problems) - SHOWN_PROBLEMS} more")
    if tally.unconfirmed:
        lines.append(f"unconfirmed {tally.unconfirmed} events: the broker did not confirm them in time")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    source = Path(args.source)
    with open_events(source, args.null_marker) as rows:  # an unusable file fails before connecting
        errors = FirstError()
        producer = _producer(settings, args.timeout, errors)
        topics = list_topics(producer, settings.kafka_bootstrap_servers, args.timeout, errors)
        if settings.kafka_topic not in topics:
            raise ConsumerError(
                f"topic {settings.kafka_topic} does not exist on {settings.kafka_bootstrap_servers}"
            )
        codec = make_codec(settings.event_format, settings.schema_registry_url, settings.kafka_results_topic)
        tally = Tally()
        progress = Progress(sys.stderr)
        try:
            publish(rows, settings.kafka_topic, codec, producer, tally, progress)
        finally:
            producer.flush(args.timeout + 5)  # message.timeout.ms settles every delivery within the timeout
            progress.show(tally, final=True)
            sys.stdout.write(summary(tally, source, settings))
            sys.stdout.flush()
            codec.close()
    return 0 if tally.published and tally.published == tally.sent else 1
