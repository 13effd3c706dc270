"""The service's loop and pipeline wired as the runner wires them, on an in-memory Kafka, a fake
Akeneo and a fake clock; the test turns the loop itself."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from confluent_kafka import KafkaError, TopicPartition

from consumer.catalog import ModelDirectory, ModelInfo
from consumer.codec import (
    DELETE,
    UPSERT,
    ChangeEvent,
    ErrorDetail,
    FeedbackEvent,
    JsonCodec,
    RegistryError,
    Values,
)
from consumer.devstack.memory_kafka import MemoryBroker, MemoryConsumer, MemoryMessage
from consumer.health_server import Health
from consumer.mapping import MapResult
from consumer.mapping.problems import problem
from consumer.metrics import Metrics
from consumer.service.loop import ConsumerLoop, LoopSettings
from consumer.service.pipeline import Pipeline, PipelineSettings

from .fakes import ClockedProducer, FakeAkeneo, FakeClock, FakeWake

TOPIC, RESULTS, DLQ = "in", "product-feedback", "product-changes-dlq"
PARTITIONS = 4
MAX_TURNS = 20_000


class ClockedConsumer(MemoryConsumer):
    """A memory consumer whose ``consume(timeout)`` passes the timeout on the clock when nothing came."""

    def __init__(self, broker: MemoryBroker, clock: FakeClock, on_commit: Any) -> None:
        super().__init__(broker, on_commit=on_commit)
        self._clock = clock

    def consume(self, num_messages: int = 1, timeout: float = -1) -> list[MemoryMessage]:
        out = super().consume(num_messages, timeout)
        if not out and timeout > 0:
            self._clock.advance(timeout)
        return out


def fake_mapping(event: ChangeEvent) -> MapResult:
    """Every value goes as it is; a value ``bad`` is a mapping error naming its column."""
    if event.values.get("bad"):
        return MapResult(event.identifier, None, [problem("bad", event.values["bad"] or "")])
    return MapResult(event.identifier, {"identifier": event.identifier, "values": dict(event.values)})


class Rig:
    def __init__(
        self,
        loop: LoopSettings | None = None,
        producer_max_bytes: int = 1_000_000,
        partitions: int = PARTITIONS,
        mapping: Callable[[ChangeEvent], MapResult] = fake_mapping,
        lookup: Callable[[str], ModelInfo | None] | None = None,
        models: ModelDirectory | None = None,
        **pipeline: Any,
    ) -> None:
        self.clock = FakeClock()
        self.broker = MemoryBroker(clock=self.clock)
        self.broker.create_topic(TOPIC, partitions)
        self.broker.create_topic(RESULTS, partitions)
        self.broker.create_topic(DLQ, 1)
        self.codec = JsonCodec()
        self.akeneo = FakeAkeneo()
        self.producer = ClockedProducer(self.broker, self.clock, producer_max_bytes)
        self.metrics = Metrics()
        self.health = Health()
        self.health.akeneo_reachable = True
        self.registry_fails: set[str] = set()  # identifiers whose schema the registry cannot serve now
        self.decode_attempts: Counter[str] = Counter()
        # Where the broker's commit confirmations go (None: they are lost on the way).
        self.commit_report: Callable[[KafkaError | None, list[Any]], None] | None = None
        self.peak_open = 0
        self.rejected: list[ErrorDetail] = []
        self.settings = PipelineSettings(
            **{"linger_s": 0.0, "results_topic": RESULTS, "dlq_topic": DLQ, **pipeline}
        )
        self.pipeline = Pipeline(
            self._decode,
            mapping,
            self.akeneo,
            self.producer,  # type: ignore[arg-type]
            self.codec,
            self.settings,
            self.metrics,
            on_auth_error=self._auth_failing,
            on_rejected=self.rejected.extend,
            clock=self.clock,
            wake=FakeWake(self.clock),
            models=models,
            lookup=lookup,
        )
        self.consumer = ClockedConsumer(self.broker, self.clock, self._confirmed)
        self.pipeline.commit.bind(self.consumer)
        self.commit_report = self.pipeline.commit.confirmed
        self.loop_settings = loop or LoopSettings()
        self.loop = ConsumerLoop(
            self.consumer,  # type: ignore[arg-type]
            TOPIC,
            self.pipeline,
            self.loop_settings,
            self.metrics,
            self.health,
            clock=self.clock,
        )
        self.loop.subscribe()
        self._seq: dict[str, int] = {}

    def _decode(self, value: bytes, topic: str, key: bytes | None) -> ChangeEvent:
        identifier = (key or b"").decode()
        self.decode_attempts[identifier] += 1
        if identifier in self.registry_fails:
            raise RegistryError("schema registry unreachable")
        return self.codec.decode_change(value, topic, key)

    def _confirmed(self, err: KafkaError | None, partitions: list[TopicPartition]) -> None:
        if self.commit_report is not None:
            self.commit_report(err, partitions)

    def _auth_failing(self, failing: bool) -> None:
        self.health.akeneo_reachable = not failing

    # --- input ----------------------------------------------------------------------------------
    def assign(self, *partitions: int) -> None:
        self.consumer.assign((TOPIC, p) for p in partitions or range(len(self.broker.topics[TOPIC])))

    def partition_of(self, identifier: str) -> int:
        return self.broker.partition_for(TOPIC, identifier.encode())

    def produce(
        self, identifier: str, operation: str = UPSERT, partition: int | None = None, **values: str
    ) -> MemoryMessage:
        """The identifier's next change event (its ``seq`` value counts them), on its key's partition."""
        seq = self._seq[identifier] = self._seq.get(identifier, -1) + 1
        row: Values = {"seq": str(seq), **values} if operation != DELETE else dict(values)
        event = ChangeEvent(f"{identifier}-{seq}", 1_700_000_000_000, operation, identifier, row)
        return self.produce_raw(identifier.encode(), self.codec.encode_change(event, TOPIC), partition)

    def produce_event(self, event: ChangeEvent) -> MemoryMessage:
        return self.produce_raw(event.identifier.encode(), self.codec.encode_change(event, TOPIC))

    def produce_raw(
        self, key: bytes | None, value: bytes | None, partition: int | None = None, headers: Any = None
    ) -> MemoryMessage:
        where = self.broker.partition_for(TOPIC, key) if partition is None else partition
        return self.broker.append(TOPIC, where, key, value, headers)

    # --- driving --------------------------------------------------------------------------------
    def turn(self, times: int = 1) -> None:
        for _ in range(times):
            self.loop.turn()
            self.peak_open = max(self.peak_open, self.pipeline.open_events)

    def run_until(
        self, done: Callable[[], bool], what: str = "the condition", turns: int = MAX_TURNS
    ) -> None:
        for _ in range(turns):
            if done():
                return
            self.turn()
        raise AssertionError(f"{what} not reached in {turns} turns")

    def run_for(self, seconds: float, step_s: float = 0.25) -> None:
        """Turn while ``seconds`` pass on the clock, moving it ``step_s`` before each turn."""
        until = self.clock() + seconds
        while self.clock() < until:
            self.clock.advance(step_s)
            self.turn()

    def drain(self) -> None:
        """Turn until every message is read, answered, acknowledged and committed."""
        self.run_until(self.all_committed, "everything committed")

    def all_committed(self) -> bool:
        return all((self.committed(p) or 0) == len(log) for p, log in enumerate(self.broker.topics[TOPIC]))

    # --- what a user looks at -------------------------------------------------------------------
    def committed(self, partition: int) -> int | None:
        return self.broker.committed.get((TOPIC, partition))

    def feedback(self) -> list[FeedbackEvent]:
        return [self.codec.decode_feedback(m.value(), RESULTS) for m in self.broker.messages(RESULTS)]

    def feedback_messages(self) -> list[MemoryMessage]:
        return self.broker.messages(RESULTS)

    def statuses(self) -> dict[str, list[str]]:
        """Per identifier, the status of each feedback event, in the order they were published."""
        out: dict[str, list[str]] = {}
        for event in self.feedback():
            out.setdefault(event.identifier, []).append(event.status)
        return out

    def dlq(self) -> list[MemoryMessage]:
        return self.broker.messages(DLQ)

    def sample(self, name: str, **labels: str) -> float:
        value = self.metrics.registry.get_sample_value(f"akeneo_consumer_{name}", labels)
        return 0.0 if value is None else value

    def close(self) -> None:
        """Stop the Akeneo senders (a test that shut the loop down has done so already)."""
        self.akeneo.release()
        self.pipeline.akeneo.close()
        self.pipeline.batches.close()
        self.pipeline.akeneo.join(2.0)
