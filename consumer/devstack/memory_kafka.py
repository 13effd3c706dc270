"""An in-memory Kafka for testing the pipeline alone (as arroyo's ``LocalBroker`` does for its steps).

``MemoryBroker`` holds topics as lists of messages per partition and the group's committed
offsets. ``MemoryConsumer`` and ``MemoryProducer`` offer exactly the part of confluent-kafka's
``Consumer`` and ``Producer`` that the service uses, with the same threading contract: rebalance
callbacks, commit confirmations (``on_commit``) and delivery reports run on the caller's thread,
inside ``consume`` and ``poll``. Test hooks make the broker misbehave on purpose: assign, revoke
or lose partitions, refuse commits, fail deliveries with a chosen error, fill the local queue.

Nothing here is a stand-in for the real broker in end-to-end tests: those run Tansu.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import KafkaError, KafkaException, TopicPartition

Headers = list[tuple[str, Any]] | None
OnDelivery = Callable[[KafkaError | None, Any], None]


@dataclass
class MemoryMessage:
    """What confluent-kafka's ``Message`` answers, for one stored record (or an error)."""

    _topic: str
    _partition: int
    _offset: int
    _key: bytes | None
    _value: bytes | None
    _headers: Headers = None
    _error: KafkaError | None = None
    _timestamp: int = 0

    def topic(self) -> str:
        return self._topic

    def partition(self) -> int:
        return self._partition

    def offset(self) -> int:
        return self._offset

    def key(self) -> bytes | None:
        return self._key

    def value(self) -> bytes | None:
        return self._value

    def headers(self) -> Headers:
        return self._headers

    def error(self) -> KafkaError | None:
        return self._error

    def timestamp(self) -> tuple[int, int]:
        return (1, self._timestamp)


@dataclass
class MemoryBroker:
    topics: dict[str, list[list[MemoryMessage]]] = field(default_factory=dict)
    committed: dict[tuple[str, int], int] = field(default_factory=dict)
    clock: Callable[[], float] = time.time

    def create_topic(self, name: str, partitions: int) -> None:
        self.topics.setdefault(name, [[] for _ in range(partitions)])

    def append(
        self, topic: str, partition: int, key: bytes | None, value: bytes | None, headers: Headers = None
    ) -> MemoryMessage:
        log = self.topics[topic][partition]
        message = MemoryMessage(
            topic, partition, len(log), key, value, headers, None, int(self.clock() * 1000)
        )
        log.append(message)
        return message

    def partition_for(self, topic: str, key: bytes | None) -> int:
        count = len(self.topics[topic])
        return 0 if key is None else sum(key) % count  # stable, like a hash partitioner

    def produce(
        self, topic: str, key: bytes | None, value: bytes | None, headers: Headers = None
    ) -> MemoryMessage:
        return self.append(topic, self.partition_for(topic, key), key, value, headers)

    def messages(self, topic: str) -> list[MemoryMessage]:
        return [m for log in self.topics.get(topic, []) for m in log]


class MemoryConsumer:
    """One group member; the test decides what it is assigned (``assign``/``revoke``/``lose``)."""

    def __init__(
        self,
        broker: MemoryBroker,
        on_commit: Callable[[KafkaError | None, list[TopicPartition]], None] | None = None,
    ) -> None:
        self.broker = broker
        self._on_commit = on_commit
        self._callbacks: dict[str, Callable[..., None]] = {}
        self.assignment: set[tuple[str, int]] = set()
        self.paused: set[tuple[str, int]] = set()
        self.positions: dict[tuple[str, int], int] = {}
        self._pending: deque[Callable[[], None]] = deque()  # rebalances and commit reports to serve
        self.commit_errors: deque[KafkaError] = deque()  # the next commits fail with these
        self.commits: list[dict[tuple[str, int], int]] = []
        self.closed = False
        self.consume_calls = 0

    # --- test hooks ---------------------------------------------------------------------------
    def assign(self, partitions: Iterable[tuple[str, int]]) -> None:
        """A rebalance gives these partitions (served at the next ``consume``)."""
        tps = [TopicPartition(t, p) for t, p in partitions]
        self._pending.append(lambda: self._assigned(tps))

    def revoke(self, partitions: Iterable[tuple[str, int]]) -> None:
        tps = [TopicPartition(t, p) for t, p in partitions]
        self._pending.append(lambda: self._revoked(tps, "on_revoke"))

    def lose(self, partitions: Iterable[tuple[str, int]]) -> None:
        tps = [TopicPartition(t, p) for t, p in partitions]
        self._pending.append(lambda: self._revoked(tps, "on_lost"))

    def _assigned(self, tps: list[TopicPartition]) -> None:
        for tp in tps:
            key = (tp.topic, tp.partition)
            self.assignment.add(key)
            self.positions.setdefault(key, self.broker.committed.get(key, 0))
        self._callbacks["on_assign"](self, tps)

    def _revoked(self, tps: list[TopicPartition], callback: str) -> None:
        self._callbacks[callback](self, tps)
        for tp in tps:
            key = (tp.topic, tp.partition)
            self.assignment.discard(key)
            self.paused.discard(key)
            self.positions.pop(key, None)

    # --- confluent-kafka's Consumer, the part the service uses ---------------------------------
    def subscribe(
        self, topics: list[str], on_assign: Any = None, on_revoke: Any = None, on_lost: Any = None
    ) -> None:
        self._callbacks = {"on_assign": on_assign, "on_revoke": on_revoke, "on_lost": on_lost}

    def consume(self, num_messages: int = 1, timeout: float = -1) -> list[MemoryMessage]:
        self.consume_calls += 1
        while self._pending:
            self._pending.popleft()()
        out: list[MemoryMessage] = []
        for key in sorted(self.assignment - self.paused):
            log = self.broker.topics[key[0]][key[1]]
            position = self.positions[key]
            taken = log[position : position + num_messages - len(out)]
            out.extend(taken)
            self.positions[key] = position + len(taken)
            if len(out) >= num_messages:
                break
        if not out and timeout and timeout > 0:
            time.sleep(min(timeout, 0.001))  # a real consumer would wait; keep tests quick
        return out

    def pause(self, partitions: list[TopicPartition]) -> None:
        self.paused |= {(tp.topic, tp.partition) for tp in partitions}

    def resume(self, partitions: list[TopicPartition]) -> None:
        self.paused -= {(tp.topic, tp.partition) for tp in partitions}

    def seek(self, partition: TopicPartition) -> None:
        self.positions[(partition.topic, partition.partition)] = partition.offset

    def commit(
        self, *, offsets: list[TopicPartition], asynchronous: bool = True
    ) -> list[TopicPartition] | None:
        if self.commit_errors:
            err = self.commit_errors.popleft()
            if not asynchronous:
                raise KafkaException(err)
            if self._on_commit is not None:
                on_commit = self._on_commit
                self._pending.append(lambda: on_commit(err, offsets))
            return None
        done = {(tp.topic, tp.partition): tp.offset for tp in offsets}
        self.broker.committed.update(done)
        self.commits.append(done)
        if asynchronous:
            if self._on_commit is not None:
                on_commit = self._on_commit
                confirmed = [TopicPartition(tp.topic, tp.partition, tp.offset) for tp in offsets]
                self._pending.append(lambda: on_commit(None, confirmed))
            return None
        return offsets

    def get_watermark_offsets(self, partition: TopicPartition, cached: bool = False) -> tuple[int, int]:
        return 0, len(self.broker.topics[partition.topic][partition.partition])

    def position(self, partitions: list[TopicPartition]) -> list[TopicPartition]:
        return [
            TopicPartition(tp.topic, tp.partition, self.positions.get((tp.topic, tp.partition), -1001))
            for tp in partitions
        ]

    def close(self) -> None:
        if self.assignment and self._callbacks.get("on_revoke"):
            self._revoked([TopicPartition(t, p) for t, p in sorted(self.assignment)], "on_revoke")
        self.closed = True


@dataclass
class _Pending:
    topic: str
    key: bytes | None
    value: bytes | None
    headers: Headers
    on_delivery: OnDelivery | None


class MemoryProducer:
    """Produces into a MemoryBroker; delivery reports wait for ``poll``/``flush`` like librdkafka's."""

    def __init__(
        self, broker: MemoryBroker, max_message_bytes: int = 1_000_000, queue_limit: int = 100_000
    ) -> None:
        self.broker = broker
        self.max_message_bytes = max_message_bytes
        self.queue_limit = queue_limit
        self._queue: deque[_Pending] = deque()
        # Test hooks: deliveries to these topics fail with the given error until cleared; or
        # the next n deliveries fail with an error, in order.
        self.failing_topics: dict[str, KafkaError] = {}
        self.next_failures: deque[KafkaError] = deque()
        self.hold = False  # True: no delivery report until released (a broker that does not answer)

    def produce(
        self,
        topic: str,
        value: bytes | None = None,
        key: bytes | None = None,
        headers: Headers = None,
        on_delivery: OnDelivery | None = None,
    ) -> None:
        size = len(value or b"") + len(key or b"")
        if size > self.max_message_bytes:
            raise KafkaException(KafkaError(KafkaError.MSG_SIZE_TOO_LARGE, "Broker: Message size too large"))
        if len(self._queue) >= self.queue_limit:
            raise BufferError("Local: Queue full")
        self._queue.append(_Pending(topic, key, value, headers, on_delivery))

    def poll(self, timeout: float = 0) -> int:
        served = 0
        while self._queue and not self.hold:
            item = self._queue.popleft()
            err: KafkaError | None = None
            if self.next_failures:
                err = self.next_failures.popleft()
            elif item.topic in self.failing_topics:
                err = self.failing_topics[item.topic]
            message = (
                None
                if err is not None
                else self.broker.produce(item.topic, item.key, item.value, item.headers)
            )
            if item.on_delivery is not None:
                item.on_delivery(err, message)
            served += 1
        return served

    def flush(self, timeout: float = -1) -> int:
        self.poll(0)
        return len(self._queue)

    def __len__(self) -> int:
        return len(self._queue)
