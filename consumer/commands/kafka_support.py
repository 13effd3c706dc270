"""Kafka pieces the operator commands (check, produce, feedback export) share.

librdkafka logs every failed connection attempt to stderr, many times a second; a command
prints one line instead, so its clients log nowhere and keep the first error they were told of
to explain a failure.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from confluent_kafka import KafkaError, KafkaException

from consumer.errors import ConfigError, ConsumerError

C = TypeVar("C")

_SILENT = logging.getLogger("consumer.commands.librdkafka")
_SILENT.addHandler(logging.NullHandler())
_SILENT.propagate = False


class KafkaUnreachable(ConsumerError):
    """The broker did not answer a metadata request in time."""


class FirstError:
    """An ``error_cb`` that remembers the first error librdkafka reported (the most telling one)."""

    def __init__(self) -> None:
        self.text: str | None = None

    def __call__(self, error: KafkaError) -> None:
        if self.text is None:
            self.text = error.str()


class _MetadataClient(Protocol):
    def list_topics(self, topic: str | None = None, timeout: float = -1) -> Any: ...

    def poll(self, timeout: float = -1) -> Any: ...


@dataclasses.dataclass(frozen=True)
class TopicInfo:
    partitions: int
    error: str | None = None  # the broker's error for this topic (e.g. not authorized)


def quiet_client(factory: Callable[[dict[str, Any]], C], conf: dict[str, Any], errors: FirstError) -> C:
    """``factory(conf)`` (Producer, Consumer, AdminClient) with silent logs and ``errors`` as error_cb."""
    try:
        return factory({**conf, "logger": _SILENT, "error_cb": errors})
    except KafkaException as exc:
        raise ConfigError(f"Kafka configuration rejected: {exc.args[0].str()}") from None


def list_topics(
    client: _MetadataClient, bootstrap: str, timeout_s: float, errors: FirstError
) -> dict[str, TopicInfo]:
    """Every topic of the cluster (name -> partitions), or KafkaUnreachable after ``timeout_s``.

    Asks for all topics rather than one by name: a metadata request naming a topic makes brokers
    with automatic topic creation create it, and a check must not change the cluster.
    """
    try:
        metadata = client.list_topics(timeout=timeout_s)
    except KafkaException as exc:
        client.poll(0)  # serves error_cb: the connection error says more than "transport failure"
        detail = errors.text or exc.args[0].str()
        raise KafkaUnreachable(f"cannot reach Kafka at {bootstrap} within {timeout_s:g}s: {detail}") from None
    return {
        name: TopicInfo(len(topic.partitions), topic.error.str() if topic.error is not None else None)
        for name, topic in metadata.topics.items()
    }
