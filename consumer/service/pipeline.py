"""The chain of steps, built once per service: decode → map → batch → Akeneo → feedback → commit.

    Kafka message ─► DecodeStep ─► MapStep ─► BatchStep ═► AkeneoStep ─► FeedbackStep ─► CommitStep
                        └─ tombstones, undecodable ─┴─ rejected, dry run ─┘ (answered at once)

(═► the Akeneo step's senders take batches from the batch step.) The pipeline is what the loop
talks to: it submits messages, polls, and tells it about assignments. Unlike arroyo, the chain
lives across rebalances: with incremental rebalancing most partitions keep flowing, so revoked
partitions are drained, cancelled and forgotten one by one (by assignment epoch) instead of
tearing the whole chain down.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass

from confluent_kafka import Producer

from consumer.catalog import ModelDirectory
from consumer.codec import ErrorDetail
from consumer.metrics import Metrics
from consumer.service.akeneo_step import AkeneoStep, Client
from consumer.service.batch_step import BatchStep
from consumer.service.commit_step import CommitStep
from consumer.service.decode_step import Decoder, DecodeStep
from consumer.service.feedback_step import FeedbackEncoder, FeedbackStep
from consumer.service.map_step import Lookup, Mapping, MapStep
from consumer.service.steps import MessageRejected
from consumer.work import Source

TP = tuple[str, int]
SETTLE_S = 2.0  # after cancelling, how long cancelled batches get to report back
WAIT_S = 0.05


@dataclass(frozen=True)
class PipelineSettings:
    batch_limit: int = 100
    linger_s: float = 0.2
    max_in_flight: int = 4
    max_buffered: int = 10_000
    results_topic: str = "product-feedback"
    dlq_topic: str = "product-changes-dlq"
    dry_run: bool = False
    tombstone_delete: bool = False
    coalesce: bool = True
    give_up_s: float = 0.0  # RETRY_GIVE_UP_S: 0 retries a line Akeneo did not answer for good forever
    parent_wait_s: float = 60.0  # PARENT_WAIT_S
    max_message_bytes: int = 1_000_000
    commit_interval_s: float = 1.0


class Pipeline:
    def __init__(
        self,
        decode: Decoder,
        mapping: Mapping,
        client: Client,
        producer: Producer,
        codec: FeedbackEncoder,
        settings: PipelineSettings,
        metrics: Metrics,
        on_auth_error: Callable[[bool], None] = lambda failing: None,
        on_rejected: Callable[[list[ErrorDetail]], None] = lambda errors: None,
        clock: Callable[[], float] = time.monotonic,
        models: ModelDirectory | None = None,
        lookup: Lookup | None = None,
        wake: threading.Event | None = None,
    ) -> None:
        s = settings
        self._settings = s
        self.models = models if models is not None else ModelDirectory()
        self._clock = clock
        # Set when an answer waits for poll(): the loop need not sleep. Injectable with the clock:
        # a test's fake clock must pass while the loop waits on it.
        self.wake = wake if wake is not None else threading.Event()
        self._epochs: dict[TP, int] = {}  # bumped at each revocation of a partition
        self._full = False
        self.commit = CommitStep(metrics, s.commit_interval_s, clock)
        self.feedback = FeedbackStep(
            producer,
            codec,
            s.results_topic,
            s.dlq_topic,
            metrics,
            self.commit,
            s.dry_run,
            s.max_message_bytes,
            clock,
        )
        coalesced = metrics.events_coalesced
        self.batches = BatchStep(s.batch_limit, s.linger_s, clock, s.coalesce, coalesced.inc)
        self.akeneo = AkeneoStep(
            client,
            self.batches,
            s.max_in_flight,
            self.feedback,
            metrics,
            self.epoch_of,
            self.wake,
            on_auth_error,
            on_rejected,
            self.models.forget,
            s.give_up_s,
            clock,
        )
        self.map = MapStep(
            mapping, self.batches, self.feedback, s.dry_run, self.models, lookup, s.parent_wait_s, clock
        )
        self.decode = DecodeStep(
            decode, self.commit.register, self.map, self.feedback, metrics, s.tombstone_delete
        )
        self._steps = (self.decode, self.map, self.batches, self.akeneo, self.feedback, self.commit)

    def epoch_of(self, tp: TP) -> int:
        return self._epochs.get(tp, 0)

    @property
    def open_events(self) -> int:
        """Events read and not yet finished (waiting, in flight, or awaiting acknowledgement)."""
        return self.commit.open_events

    @property
    def room(self) -> int:
        """Events the pipeline can take before it is full."""
        return self._settings.max_buffered - self.commit.open_events

    def busy(self) -> bool:
        """Work is under way that will need polling (answers or acknowledgements to come)."""
        return bool(self.commit.open_events or self.feedback.unacknowledged)

    def submit(self, source: Source) -> None:
        """Take one message, or raise MessageRejected when full (at ``MAX_BUFFERED_EVENTS``, until
        half of them have finished), or Hold when its partition must be read again later."""
        limit = self._settings.max_buffered
        # Events waiting for a parent model do not count, up to a bound of their own: a full
        # pipeline would stop reading the very events (on other partitions) that they wait for.
        open_events = self.commit.open_events - min(self.map.parked, limit)
        self._full = open_events > limit // 2 if self._full else open_events >= limit
        if self._full:
            raise MessageRejected
        self.decode.submit(source)

    def poll(self) -> None:
        for step in self._steps:
            step.poll()

    def _wait(self, timeout_s: float) -> None:
        self.wake.wait(timeout_s)
        self.wake.clear()

    # --- assignment -------------------------------------------------------------------------------
    def release(self, partitions: Collection[TP], drain_s: float, commit: bool) -> None:
        """Partitions revoked (``commit``: finish what can be within ``drain_s``, commit it) or lost
        (nothing committed: another consumer may own them already). Their waiting events are
        forgotten, their batches under way cancelled; the next owner reads what is left again."""
        tps = set(partitions)
        if not commit:
            self.commit.forget(tps)  # first: a commit falling due in the polls below must not name them
        self.map.drop(tps)
        self.batches.drop(tps)
        deadline = self._clock() + drain_s
        while self.akeneo.touching(tps) and self._clock() < deadline:
            self._wait(WAIT_S)
            self.poll()
        self.poll()  # answers already in: feed them back before the epoch turns them away
        self.akeneo.cancel(tps)
        if commit:
            self.feedback.join(max(0.0, deadline - self._clock()) + 5.0)
            self.commit.commit_now(only=tps)
        self.commit.forget(tps)
        for tp in tps:
            self._epochs[tp] = self._epochs.get(tp, 0) + 1

    def shutdown(self, grace_s: float) -> None:
        """Drain what was read within ``grace_s``, commit what finished, stop the senders."""
        deadline = self._clock() + grace_s
        self.batches.flush()
        while (len(self.batches) or self.akeneo.in_flight) and self._clock() < deadline:
            self._wait(WAIT_S)
            self.poll()
        self.akeneo.close()
        self.map.close()
        settle = self._clock() + SETTLE_S
        while self.akeneo.in_flight and self._clock() < settle:
            self._wait(WAIT_S)
            self.poll()
        self.feedback.join(max(0.5, deadline - self._clock()))
        self.commit.commit_now()
        self.batches.close()
        self.akeneo.join(1.0)
