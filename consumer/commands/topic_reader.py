"""Read a whole topic, from its start up to its end as of now, without touching any consumer group.

Partitions are assigned directly (no group join, no rebalance, no offset commits), so a reader
never disturbs the service's group.

Where "the end" is: a partition is done once the consumer got to the end of what the broker has
(a partition-EOF event) at or beyond the high watermark read at the start, and the whole topic
then stays quiet for ``idle_s``. The quiet period is there because some brokers (Tansu, used by
the tests and the demo) report a high watermark behind the real end after batched produces (the
last batch's base offset + 1): the EOF alone could come early. Messages at or beyond the
starting high watermark whose timestamp is later than the start were written after the read
began; they are left out and their partition is paused, so a busy topic still ends.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

from confluent_kafka import (
    OFFSET_BEGINNING,
    TIMESTAMP_NOT_AVAILABLE,
    Consumer,
    KafkaError,
    KafkaException,
    Message,
)
from confluent_kafka import TopicPartition as TP

from consumer.clients import consumer_config
from consumer.commands.kafka_support import FirstError, KafkaUnreachable, list_topics, quiet_client
from consumer.config import Settings
from consumer.errors import ConsumerError

BATCH = 500
POLL_S = 0.1
# Errors about the topic itself that retrying will not cure.
_FINAL_ERRORS = (KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError.TOPIC_AUTHORIZATION_FAILED)


def reader_config(settings: Settings) -> dict[str, Any]:
    """The service's consumer settings (security, fetch bounds) made safe for a one-off reader."""
    return {
        **consumer_config(settings),
        # librdkafka wants a group id even for assign(); this one is never joined nor committed to.
        "group.id": f"akeneo-consumer-reader-{uuid.uuid4().hex[:12]}",
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "enable.partition.eof": True,
        "auto.offset.reset": "earliest",
    }


class TopicReader:
    def __init__(self, settings: Settings, topic: str, idle_s: float = 1.0, stall_s: float = 30.0) -> None:
        """``stall_s``: give up when neither a message nor an end-of-partition came for this long."""
        self.settings = settings
        self.topic = topic
        self.idle_s = idle_s
        self.stall_s = stall_s
        self.messages_read = 0
        self.left_out = 0  # written after the read began

    def messages(self) -> Iterator[Message]:
        """Every message of the topic up to its end; raises ConsumerError if that cannot be done."""
        errors = FirstError()
        consumer = quiet_client(Consumer, reader_config(self.settings), errors)
        try:
            yield from self._read(consumer, errors)
        finally:
            consumer.close()

    def _read(self, consumer: Consumer, errors: FirstError) -> Iterator[Message]:
        bootstrap = self.settings.kafka_bootstrap_servers
        info = list_topics(consumer, bootstrap, self.stall_s, errors).get(self.topic)
        if info is None:
            raise ConsumerError(f"topic {self.topic} does not exist on {bootstrap}")
        if info.error is not None:
            raise ConsumerError(f"topic {self.topic}: {info.error}")
        ends = self._high_watermarks(consumer, info.partitions, errors)
        started_ms = time.time_ns() // 1_000_000
        consumer.assign([TP(self.topic, p, OFFSET_BEGINNING) for p in ends])
        done: set[int] = set()
        last_message = last_progress = time.monotonic()
        while True:
            for msg in consumer.consume(BATCH, POLL_S):
                last_progress = time.monotonic()
                partition = _partition(msg)
                error = msg.error()
                if error is not None:
                    self._on_error(error, msg, ends, done)
                elif _offset(msg) >= ends[partition] and _written_after(msg, started_ms):
                    self.left_out += 1
                    consumer.pause([TP(self.topic, partition)])
                    done.add(partition)
                else:
                    self.messages_read += 1
                    last_message = last_progress
                    yield msg
            now = time.monotonic()
            if len(done) == len(ends) and now - last_message >= self.idle_s:
                return
            if now - last_progress > self.stall_s:
                missing = sorted(set(ends) - done)
                raise ConsumerError(
                    f"reading {self.topic}: no progress for {self.stall_s:g}s before the end of partitions "
                    f"{', '.join(map(str, missing)) or '(all reached; messages kept coming)'}"
                )

    def _high_watermarks(self, consumer: Consumer, partitions: int, errors: FirstError) -> dict[int, int]:
        ends: dict[int, int] = {}
        for p in range(partitions):
            try:
                ends[p] = consumer.get_watermark_offsets(TP(self.topic, p), timeout=self.stall_s)[1]
            except KafkaException as exc:
                detail = errors.text or exc.args[0].str()
                raise KafkaUnreachable(f"cannot read the offsets of {self.topic} [{p}]: {detail}") from None
        return ends

    def _on_error(self, error: KafkaError, msg: Message, ends: dict[int, int], done: set[int]) -> None:
        if error.code() == KafkaError._PARTITION_EOF:
            if _offset(msg) >= ends[_partition(msg)]:
                done.add(_partition(msg))
        elif error.fatal() or error.code() in _FINAL_ERRORS:
            raise ConsumerError(f"reading {self.topic}: {error.str()}")
        # anything else is transient; librdkafka retries by itself and the stall bound applies


def _partition(msg: Message) -> int:
    return msg.partition() or 0  # None only for messages of no partition, which a consumer never gets


def _offset(msg: Message) -> int:
    offset = msg.offset()
    return -1 if offset is None else offset


def _written_after(msg: Message, started_ms: int) -> bool:
    kind, stamp = msg.timestamp()
    return kind != TIMESTAMP_NOT_AVAILABLE and stamp > started_ms
