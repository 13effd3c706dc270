"""What the end-to-end tests drive: the service as a real process, the real broker, the simulator."""

from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition

from consumer.codec import ChangeEvent, FeedbackEvent, make_codec
from consumer.devstack.akeneo_sim import AkeneoSimulator
from consumer.devstack.kafka_broker import TansuBroker, create_topics, free_port

FAST_GROUP = {
    # A new group's first join waits about half of session.timeout.ms: keep it short in tests.
    "KAFKA_SESSION_TIMEOUT_MS": "6000",
    "KAFKA_HEARTBEAT_INTERVAL_MS": "500",
}


@dataclass
class Topics:
    input: str
    results: str
    dlq: str
    group: str
    partitions: int = 4

    @classmethod
    def fresh(cls, partitions: int = 4) -> Topics:
        tag = uuid.uuid4().hex[:8]
        return cls(f"changes-{tag}", f"feedback-{tag}", f"dlq-{tag}", f"group-{tag}", partitions)

    def create(self, bootstrap: str) -> None:
        create_topics(bootstrap, {self.input: self.partitions, self.results: self.partitions, self.dlq: 1})


def kafka_env(
    broker: TansuBroker, topics: Topics, event_format: str = "json", **extra: str
) -> dict[str, str]:
    """The service's Kafka settings for these topics."""
    return {
        "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
        "KAFKA_GROUP_ID": topics.group,
        "KAFKA_TOPIC": topics.input,
        "KAFKA_RESULTS_TOPIC": topics.results,
        "KAFKA_DLQ_TOPIC": topics.dlq,
        "EVENT_FORMAT": event_format,
        **extra,
    }


def service_env(
    broker: TansuBroker,
    sim: AkeneoSimulator,
    topics: Topics,
    event_format: str = "json",
    **extra: str,
) -> dict[str, str]:
    return {
        **kafka_env(broker, topics, event_format),
        **sim.settings_env(),
        "METRICS_PORT": str(free_port()),
        "BATCH_LINGER_MS": "50",
        **FAST_GROUP,
        **extra,
    }


@dataclass
class ServiceProcess:
    """``akeneo-consumer run`` in a child process, its JSON log in a file."""

    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    _log: Any = field(default=None, repr=False)

    def start(self) -> ServiceProcess:
        self._log = self.log_path.open("ab")
        full_env = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "AKENEO_"))}
        full_env.update(self.env)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "consumer", "run"],
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        return self

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.env['METRICS_PORT']}"

    def terminate(self, timeout: float = 60.0) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


Raw = tuple[bytes | None, bytes | None]  # a message's key and value, as a producer writes them


def produce(
    bootstrap: str,
    topic: str,
    events: Iterable[ChangeEvent | Raw],
    event_format: str = "json",
    registry_url: str | None = None,
    raw: Iterable[Raw] = (),
    partition: int = -1,
) -> int:
    """Publish, in order, ``events`` (an event keyed by its identifier, or raw (key, value) bytes),
    then ``raw``; to ``partition`` if given, else by key. Returns how many."""
    codec = make_codec(event_format, schema_registry_url=registry_url)
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "enable.idempotence": True})
    count = 0
    for item in itertools.chain(events, raw):
        if isinstance(item, ChangeEvent):
            key, value = item.identifier.encode(), codec.encode_change(item, topic)
        else:
            key, value = item
        producer.produce(topic, key=key, value=value, partition=partition)
        count += 1
        if count % 1000 == 0:
            producer.poll(0)
    assert producer.flush(30) == 0
    return count


def settled(idle_s: float = 2.0) -> Callable[[list[Any]], bool]:
    """A ``done`` for read_until: nothing new arrived for ``idle_s`` (Tansu's watermarks lag)."""
    last = [time.monotonic(), -1]

    def quiet(items: list[Any]) -> bool:
        if len(items) != last[1]:
            last[:] = [time.monotonic(), len(items)]
        return time.monotonic() - last[0] > idle_s

    return quiet


def read_until(
    bootstrap: str,
    topic: str,
    decode: Callable[[Any], Any],
    done: Callable[[list[Any]], bool],
    timeout_s: float = 120.0,
) -> list[Any]:
    """Read a topic from the start until ``done(items)`` or the timeout; returns what was read.

    Partitions are assigned directly: no group to join, so reading starts at once.
    """
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"reader-{uuid.uuid4().hex[:8]}",
            "enable.auto.commit": False,
        }
    )
    partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
    items: list[Any] = []
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline and not done(items):
            for msg in consumer.consume(1000, 0.2):
                if msg.error() is None:
                    items.append(decode(msg))
    finally:
        consumer.close()
    return items


def read_feedback(
    bootstrap: str,
    topics: Topics,
    expected_event_ids: set[str],
    event_format: str = "json",
    registry_url: str | None = None,
    timeout_s: float = 120.0,
    also: Callable[[FeedbackEvent], bool] | None = None,
) -> dict[str, list[FeedbackEvent]]:
    """Feedback by event_id, once every expected event has at least one and, with ``also``, some
    feedback matches it (events whose id is not known in advance, such as tombstones); with
    neither: all there is, once the topic has been quiet for two seconds."""
    codec = make_codec(event_format, schema_registry_url=registry_url)
    seen: dict[str, list[FeedbackEvent]] = {}
    matched = also is None

    def decode(msg: Any) -> FeedbackEvent:
        nonlocal matched
        fb = codec.decode_feedback(msg.value(), topics.results)
        seen.setdefault(fb.event_id, []).append(fb)
        matched = matched or (also is not None and also(fb))
        return fb

    def all_there(_: list[Any]) -> bool:
        return expected_event_ids <= seen.keys() and matched

    done = all_there if expected_event_ids or also else settled()
    read_until(bootstrap, topics.results, decode, done, timeout_s)
    return seen


def committed(bootstrap: str, topics: Topics) -> dict[int, int]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": topics.group})
    try:
        parts = consumer.committed(
            [TopicPartition(topics.input, p) for p in range(topics.partitions)], timeout=10
        )
    finally:
        consumer.close()
    return {tp.partition: tp.offset for tp in parts}


def produced_per_partition(bootstrap: str, topics: Topics) -> dict[int, int]:
    """Messages in each input partition (read to the end: Tansu's high watermark lags)."""
    counts = dict.fromkeys(range(topics.partitions), 0)

    def count(msg: Any) -> None:
        counts[msg.partition()] = max(counts[msg.partition()], msg.offset() + 1)

    read_until(bootstrap, topics.input, count, settled(), timeout_s=60)
    return counts


def wait_for(predicate: Callable[[], bool], timeout_s: float, what: str, interval_s: float = 0.2) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval_s)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")


def metric(service: ServiceProcess, sample: str, not_listening: float | None = None) -> float:
    """One sample of the service's /metrics, e.g. ``akeneo_consumer_akeneo_retries_total{reason="429"}``
    (0 when absent; ``not_listening``, when given, while the port is not open yet)."""
    try:
        text = requests.get(f"{service.metrics_url}/metrics", timeout=5).text
    except requests.ConnectionError:
        if not_listening is None:
            raise
        return not_listening
    match = re.search(rf"^{re.escape(sample)} ([0-9.e+-]+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def probe(url: str) -> int:
    """The status code of a GET (0: no answer)."""
    try:
        return requests.get(url, timeout=2).status_code
    except requests.RequestException:
        return 0
