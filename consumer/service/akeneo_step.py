"""Step 4: send batches to Akeneo, at most ``AKENEO_MAX_IN_FLIGHT`` at once, and turn answers into outcomes.

Sender threads take the next batch from the batch step the moment they are free, send it, hand
the batch back as answered (its identifiers may go again) and leave the outcomes for ``poll``,
which runs on the loop's thread and passes each answered work to the feedback step. The loop
is woken (``wake``) whenever an answer is waiting, so it never sleeps on a finished batch.

A batch can be cancelled (partition revoked, shutdown grace spent): its retries stop and it
yields no outcome, meaning "no final answer, do not feed back": the next owner reads its events
again. Answers for partitions revoked meanwhile are dropped the same way (by assignment epoch).
"""

from __future__ import annotations

import collections
import logging
import threading
from collections.abc import Callable, Collection, Sequence
from typing import Any, Protocol

from consumer.akeneo import (
    AkeneoApiError,
    AkeneoAuthError,
    AkeneoCancelled,
    AkeneoUnavailable,
    LineResult,
)
from consumer.batcher import Batch
from consumer.codec import DELETE, ErrorDetail
from consumer.feedback import now_ms
from consumer.metrics import Metrics
from consumer.service.steps import Step
from consumer.work import Outcome, Status, Work, status_for_delete, status_for_upsert

log = logging.getLogger(__name__)

AUTH_RETRY_S = 5.0
TAKE_WAIT_S = 0.5  # a sender re-checks for closing this often while no batch comes


class Client(Protocol):
    def upsert_products(
        self, products: Sequence[Any], cancel: threading.Event | None = None
    ) -> list[LineResult]: ...

    def delete_product_result(self, identifier: str, cancel: threading.Event | None = None) -> LineResult: ...


class BatchSource(Protocol):
    def take(self, timeout_s: float) -> Batch[Work] | None: ...

    def complete(self, batch: Batch[Work]) -> None: ...


Answered = tuple[Batch[Work], list[Outcome] | None]


class AkeneoStep:
    def __init__(
        self,
        client: Client,
        source: BatchSource,
        concurrency: int,
        next_step: Step[Work],
        metrics: Metrics,
        epoch_of: Callable[[tuple[str, int]], int],
        wake: threading.Event | None = None,
        on_auth_error: Callable[[bool], None] = lambda failing: None,
        on_rejected: Callable[[list[ErrorDetail]], None] = lambda errors: None,
    ) -> None:
        self._client = client
        self._source = source
        self._next = next_step
        self._metrics = metrics
        self._epoch_of = epoch_of
        self._wake = wake or threading.Event()
        self._on_auth_error = on_auth_error
        self._on_rejected = on_rejected
        self._answered: collections.deque[Answered] = collections.deque()
        self._lock = threading.Lock()
        self._running: dict[int, tuple[Batch[Work], threading.Event]] = {}
        self._closed = threading.Event()
        self._senders = [
            threading.Thread(target=self._send_loop, name=f"akeneo-{n}", daemon=True)
            for n in range(concurrency)
        ]
        self._batch_size = metrics.batch_size
        for sender in self._senders:
            sender.start()

    # --- the loop's thread --------------------------------------------------------------------
    @property
    def in_flight(self) -> int:
        """Batches taken and not yet passed on (on the wire, or answered and waiting for ``poll``)."""
        with self._lock:
            return len(self._running) + len(self._answered)

    def touching(self, partitions: Collection[tuple[str, int]]) -> bool:
        """Some batch under way holds work of these partitions."""
        with self._lock:
            return any(
                work.source.tp in partitions for batch, _ in self._running.values() for work in batch.items
            )

    def cancel(self, partitions: Collection[tuple[str, int]] | None = None) -> None:
        """Stop the retries of batches holding work of these partitions (all batches: None)."""
        with self._lock:
            for batch, cancel in self._running.values():
                if partitions is None or any(w.source.tp in partitions for w in batch.items):
                    cancel.set()

    def poll(self) -> None:
        rejected: list[ErrorDetail] = []
        while self._answered:
            batch, outcomes = self._answered.popleft()
            if outcomes is None:
                continue  # cancelled: no final answer; the next owner reads these events again
            for work, outcome in zip(batch.items, outcomes, strict=True):
                if self._epoch_of(work.source.tp) != work.source.epoch:
                    continue  # revoked while in flight and abandoned (even if assigned again since)
                if outcome.answered_at_ms is not None:
                    waited_s = (outcome.answered_at_ms - work.event.occurred_at) / 1000
                    self._metrics.event_to_answer.observe(max(0.0, waited_s))
                if outcome.status is Status.REJECTED:
                    rejected.extend(outcome.errors)
                elif outcome.status is Status.FAILED:
                    outcome.dlq = f"Akeneo failed: {outcome.message}"
                self._next.submit(work.answer(outcome))
        if rejected:
            self._on_rejected(rejected)

    def close(self) -> None:
        """Stop taking batches; what is on the wire ends by its own answer or timeout."""
        self._closed.set()
        self.cancel()

    def join(self, timeout_s: float) -> None:
        for sender in self._senders:
            sender.join(timeout_s)

    # --- sender threads -------------------------------------------------------------------------
    def _send_loop(self) -> None:
        while not self._closed.is_set():
            batch = self._source.take(TAKE_WAIT_S)
            if batch is None:
                continue
            self._batch_size.observe(len(batch))
            cancel = threading.Event()
            with self._lock:
                self._running[id(batch)] = (batch, cancel)
            outcomes = self._outcomes(batch, cancel)
            self._source.complete(batch)
            with self._lock:
                del self._running[id(batch)]
                self._answered.append((batch, outcomes))
            self._wake.set()

    def _outcomes(self, batch: Batch[Work], cancel: threading.Event) -> list[Outcome] | None:
        try:
            while True:
                try:
                    outcomes = self._send(batch, cancel)
                    self._on_auth_error(False)
                    return outcomes
                except AkeneoAuthError as exc:
                    # Credentials refused mid-run: an operator can fix them in Akeneo, so wait and try
                    # again (readiness reports it) rather than reject products that did nothing wrong.
                    self._on_auth_error(True)
                    log.error("Akeneo refused the credentials, retrying in %ss: %s", AUTH_RETRY_S, exc)
                    if cancel.wait(AUTH_RETRY_S):
                        return None
        except AkeneoCancelled:
            return None
        except Exception as exc:  # a bug must not kill the sender or lose the batch's feedback
            log.exception("unexpected error while sending a batch")
            return [Outcome(Status.FAILED, 0, f"internal error: {type(exc).__name__}") for _ in batch.items]

    def _send(self, batch: Batch[Work], cancel: threading.Event) -> list[Outcome]:
        if batch.operation == DELETE:
            return [self._delete(work, cancel) for work in batch.items]
        try:
            results = self._client.upsert_products([work.payload for work in batch.items], cancel=cancel)
        except AkeneoUnavailable as exc:
            return [_gave_up(exc) for _ in batch.items]
        except AkeneoApiError as exc:
            return [_api_error(exc) for _ in batch.items]
        answered = now_ms()
        return [
            Outcome(
                status_for_upsert(r.status_code),
                r.status_code,
                r.message,
                r.errors,
                r.attempts,
                answered if r.status_code else None,
            )
            for r in results
        ]

    def _delete(self, work: Work, cancel: threading.Event) -> Outcome:
        try:
            result = self._client.delete_product_result(work.identifier, cancel=cancel)
        except AkeneoUnavailable as exc:
            return _gave_up(exc)
        except AkeneoApiError as exc:
            return _api_error(exc)
        code = result.status_code
        message = None if code == 204 else f"the product did not exist in Akeneo: {result.message}"
        return Outcome(status_for_delete(code), code, message, [], result.attempts, now_ms())


def _gave_up(exc: AkeneoUnavailable) -> Outcome:
    return Outcome(Status.FAILED, 0, f"Akeneo unavailable, gave up retrying: {exc}", attempts=exc.attempts)


def _api_error(exc: AkeneoApiError) -> Outcome:
    return Outcome(status_for_upsert(exc.status), exc.status, exc.message, exc.errors, 1, now_ms())
