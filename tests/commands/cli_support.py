"""Running `python -m consumer ...` as a user would, with settings in the environment only."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, Message, TopicPartition
from confluent_kafka.admin import AdminClient

from consumer.devstack.akeneo_sim import AkeneoSimulator

_SETTING_PREFIXES = ("KAFKA_", "AKENEO_", "EVENT_FORMAT", "SCHEMA_REGISTRY_URL", "VALUE_SEPARATOR", "DRY_RUN")


def akeneo_env(sim: AkeneoSimulator, **extra: str) -> dict[str, str]:
    return {**sim.settings_env(), **extra}


def cli_env(env: dict[str, str]) -> dict[str, str]:
    """The process environment with exactly these settings (none inherited)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(_SETTING_PREFIXES)}
    full_env.update(env)
    return full_env


def run_cli(
    *args: str, env: dict[str, str], timeout: float = 90, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m consumer *args`` with exactly these settings (none inherited from the environment)."""
    return subprocess.run(
        [sys.executable, "-m", "consumer", *args],
        env=cli_env(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
    )


def read_messages(bootstrap: str, topic: str, count: int, timeout_s: float = 30) -> list[Message]:
    """The first ``count`` messages of ``topic`` (all partitions, assigned: no group), or fail."""
    metadata = AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=10)
    partitions = metadata.topics[topic].partitions
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "reader", "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
    got: list[Message] = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(got) < count and time.monotonic() < deadline:
            got += [m for m in consumer.consume(count - len(got), 0.2) if m.error() is None]
    finally:
        consumer.close()
    assert len(got) == count, f"read {len(got)} of {count} messages from {topic}"
    return got


def topic_names(bootstrap: str) -> set[str]:
    return set(AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=10).topics)


@pytest.fixture(scope="module")
def akeneo_sim() -> Iterator[AkeneoSimulator]:
    with AkeneoSimulator() as sim:
        yield sim
