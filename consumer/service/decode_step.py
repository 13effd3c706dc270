"""Step 1: Kafka message bytes to a ``Work`` holding the decoded event.

Tombstones (null values) become deletes where configured, else SKIPPED; undecodable messages are
answered REJECTED at once with a DLQ copy; both go straight to the feedback step. A schema
registry that cannot be reached is not the message's fault: ``Hold`` tells the loop to read the
partition again from this message later, and nothing is registered for it meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable

from consumer.codec import DELETE, UPSERT, ChangeEvent, DecodeError, RegistryError
from consumer.feedback import now_ms
from consumer.metrics import Metrics
from consumer.service.steps import Hold, Step
from consumer.work import Outcome, Source, Status, Work

REGISTRY_RETRY_S = 2.0

Decoder = Callable[[bytes, str, bytes | None], ChangeEvent]


class DecodeStep:
    def __init__(
        self,
        decode: Decoder,
        register: Callable[[Source], None],
        next_step: Step[Work],
        answer: Step[Work],
        metrics: Metrics,
        tombstone_delete: bool = False,
    ) -> None:
        self._decode = decode
        self._register = register  # the commit step's: from now on this offset must be answered
        self._next = next_step
        self._answer = answer
        self._tombstone_delete = tombstone_delete
        self._consumed = metrics.events_consumed
        self._counts: dict[str, int] = {}  # added to the metric once per poll, not once per event

    def submit(self, source: Source) -> None:
        if source.value is None:
            self._registered(source)
            self._tombstone(source)
            return
        try:
            event = self._decode(source.value, source.topic, source.key)
        except RegistryError as exc:
            raise Hold(source.topic, source.partition, source.offset, REGISTRY_RETRY_S, str(exc)) from None
        except DecodeError as exc:
            self._registered(source)
            self._undecodable(source, exc)
            return
        self._registered(source)
        self._next.submit(Work(source, event))

    def _registered(self, source: Source) -> None:
        self._register(source)
        self._counts[source.topic] = self._counts.get(source.topic, 0) + 1

    def _tombstone(self, source: Source) -> None:
        identifier = (source.key or b"").decode("utf-8", "replace")
        event = ChangeEvent(source.position, now_ms(), DELETE, identifier, {})
        if self._tombstone_delete and identifier:
            self._next.submit(Work(source, event))
            return
        why = "tombstone skipped: deleting from a tombstone is off (TOMBSTONE_DELETE=false)"
        if not identifier:
            why = "tombstone without a key: nothing to delete"
        self._answer.submit(Work(source, event, outcome=Outcome(Status.SKIPPED, 0, why)))

    def _undecodable(self, source: Source, exc: DecodeError) -> None:
        identifier = exc.identifier or (source.key or b"").decode("utf-8", "replace")
        reason = f"undecodable: {exc}"
        event = ChangeEvent(exc.event_id or source.position, now_ms(), UPSERT, identifier, {})
        outcome = Outcome(Status.REJECTED, 422, f"{reason}; the message was copied to the DLQ", dlq=reason)
        self._answer.submit(Work(source, event, outcome=outcome))

    def poll(self) -> None:
        if self._counts:
            for topic, count in self._counts.items():
                self._consumed.labels(topic).inc(count)
            self._counts.clear()

    def close(self) -> None:
        pass

    def join(self, timeout_s: float) -> None:
        self.poll()
