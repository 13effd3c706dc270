"""Step 4: send batches to Akeneo, at most ``AKENEO_MAX_IN_FLIGHT`` at once, and turn answers into outcomes.

Sender threads take the next batch from the batch step the moment they are free, send it, hand
the batch back as answered (its products may go again) and leave the outcomes for ``poll``,
which runs on the loop's thread and passes each answered work to the feedback step. The loop
is woken (``wake``) whenever an answer is waiting, so it never sleeps on a finished batch.

A line Akeneo did not answer for good — 429, 408 or 5xx on its own line, or no line for it at
all in a 200 answer (cut short, or not NDJSON) — is not anyone's final answer: it goes back to
the batch step, first in its product's queue, and is sent again alone (not with the lines that
succeeded) after a jittered backoff, until ``RETRY_GIVE_UP_S`` (if set) turns it into FAILED.

A batch can be cancelled (partition revoked, shutdown grace spent): its retries stop and it
yields no outcome, meaning "no final answer, do not feed back": the next owner reads its events
again (its lines of partitions still assigned, having no next owner, are sent again). Answers
for partitions revoked meanwhile are dropped the same way (by assignment epoch).
"""

from __future__ import annotations

import collections
import logging
import random
import threading
import time
from collections.abc import Callable, Collection, Sequence
from typing import Any, Protocol

from consumer.akeneo import (
    AkeneoApiError,
    AkeneoAuthError,
    AkeneoCancelled,
    AkeneoUnavailable,
    LineResult,
)
from consumer.akeneo.retry import retry_reason
from consumer.batcher import Batch
from consumer.codec import DELETE, PRODUCT_MODEL, ErrorDetail
from consumer.feedback import now_ms
from consumer.metrics import Metrics
from consumer.service.steps import Step
from consumer.work import Line, Outcome, Status, Work, status_for_delete, status_for_upsert

log = logging.getLogger(__name__)

AUTH_RETRY_S = 5.0
TAKE_WAIT_S = 0.5  # a sender re-checks for closing this often while no batch comes
LINE_RETRY_BASE_S, LINE_RETRY_CAP_S = 0.2, 5.0


class Client(Protocol):
    def upsert_products(
        self, products: Sequence[Any], cancel: threading.Event | None = None
    ) -> list[LineResult]: ...

    def upsert_product_models(
        self, models: Sequence[Any], cancel: threading.Event | None = None
    ) -> list[LineResult]: ...

    def delete_product_result(self, identifier: str, cancel: threading.Event | None = None) -> LineResult: ...

    def delete_product_model_result(self, code: str, cancel: threading.Event | None = None) -> LineResult: ...


class BatchSource(Protocol):
    def take(self, timeout_s: float) -> Batch[Line] | None: ...

    def complete(self, batch: Batch[Line], retry: Collection[Line] = ()) -> None: ...


Answered = tuple[Line, Outcome]
Sent = tuple[Outcome, bool]  # an outcome, and whether it is only transient (to be sent again)


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
        on_model_refused: Callable[[str], None] = lambda code: None,
        give_up_s: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        line_retry_s: tuple[float, float] = (LINE_RETRY_BASE_S, LINE_RETRY_CAP_S),
    ) -> None:
        self._line_retry_base, self._line_retry_cap = line_retry_s
        self._client = client
        self._source = source
        self._next = next_step
        self._metrics = metrics
        self._epoch_of = epoch_of
        self._wake = wake or threading.Event()
        self._on_auth_error = on_auth_error
        self._on_rejected = on_rejected
        self._on_model_refused = on_model_refused  # what is known of that model may be wrong
        self._give_up_s = give_up_s
        self._clock = clock
        self._answered: collections.deque[Answered] = collections.deque()
        self._lock = threading.Lock()
        self._running: dict[int, tuple[Batch[Line], threading.Event]] = {}
        self._revoked: dict[int, set[tuple[str, int]]] = {}  # per running batch: cancelled for these
        self._closed = threading.Event()
        self._batch_size = metrics.batch_size
        self._line_retries = metrics.akeneo_retries.labels("line")
        self._senders = [
            threading.Thread(target=self._send_loop, name=f"akeneo-{n}", daemon=True)
            for n in range(concurrency)
        ]
        for sender in self._senders:
            sender.start()

    # --- the loop's thread --------------------------------------------------------------------
    @property
    def in_flight(self) -> int:
        """Batches taken and not yet passed on (on the wire), plus answered lines waiting for ``poll``."""
        with self._lock:
            return len(self._running) + len(self._answered)

    def touching(self, partitions: Collection[tuple[str, int]]) -> bool:
        """Some batch under way holds work of these partitions."""
        with self._lock:
            return any(_touches(batch, partitions) for batch, _ in self._running.values())

    def cancel(self, partitions: Collection[tuple[str, int]] | None = None) -> None:
        """Stop the retries of batches holding work of these partitions (all batches: None)."""
        with self._lock:
            for key, (batch, cancel) in self._running.items():
                if partitions is None or _touches(batch, partitions):
                    cancel.set()
                    if partitions is not None:
                        self._revoked.setdefault(key, set()).update(partitions)

    def poll(self) -> None:
        rejected: list[ErrorDetail] = []
        while self._answered:
            line, outcome = self._answered.popleft()
            if outcome.answered_at_ms is not None:
                for work in line.works:
                    waited_s = (outcome.answered_at_ms - work.event.occurred_at) / 1000
                    self._metrics.event_to_answer.observe(max(0.0, waited_s))
            if outcome.status is Status.REJECTED:
                rejected.extend(outcome.errors)
                if line.entity == PRODUCT_MODEL:
                    self._on_model_refused(line.identifier)
            elif outcome.status is Status.FAILED:
                outcome.dlq = f"Akeneo failed: {outcome.message}"
            for work in line.works:
                if self._epoch_of(work.source.tp) != work.source.epoch:
                    continue  # revoked while in flight and abandoned (even if assigned again since)
                if work.answered(line, outcome):
                    self._next.submit(work)
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
            with self._lock:
                revoked = self._revoked.pop(id(batch), set())
            answered, retry = self._judge(batch, outcomes, revoked)
            self._source.complete(batch, retry)
            with self._lock:
                del self._running[id(batch)]
                self._revoked.pop(id(batch), None)  # cancelled as it was judged
                self._answered.extend(answered)
            if answered:
                self._wake.set()

    def _judge(
        self, batch: Batch[Line], sent: list[Sent] | None, revoked: Collection[tuple[str, int]] = ()
    ) -> tuple[list[Answered], list[Line]]:
        """Final answers, and the lines to send again (no answer for good, and time left to try)."""
        if sent is None:  # cancelled: the lines of partitions still ours (no one else reads them) go again
            if self._closed.is_set() or not revoked:
                return [], []
            return [], [line for line in batch.items if not _line_touches(line, revoked)]
        answered: list[Answered] = []
        retry: list[Line] = []
        now = self._clock()
        for line, (outcome, transient) in zip(batch.items, sent, strict=True):
            line.attempts += outcome.attempts
            outcome.attempts = line.attempts
            if line.first_sent is None:
                line.first_sent = now
            if transient:
                ceiling = min(self._line_retry_cap, self._line_retry_base * 2 ** min(line.attempts - 1, 16))
                delay = random.uniform(0.5, 1.0) * ceiling
                waited = now + delay - line.first_sent
                if not self._give_up_s or waited <= self._give_up_s:
                    line.not_before = now + delay
                    retry.append(line)
                    self._line_retries.inc()
                    continue
                outcome.message = (
                    f"gave up after {line.attempts} attempts in {waited:.0f}s, last: {outcome.message}"
                )
            answered.append((line, outcome))
        return answered, retry

    def _outcomes(self, batch: Batch[Line], cancel: threading.Event) -> list[Sent] | None:
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
            return [
                (Outcome(Status.FAILED, 0, f"internal error: {type(exc).__name__}"), False)
                for _ in batch.items
            ]

    def _send(self, batch: Batch[Line], cancel: threading.Event) -> list[Sent]:
        entity, operation = batch.items[0].entity, batch.items[0].operation  # one kind per batch
        if operation == DELETE:
            delete = (
                self._client.delete_product_model_result
                if entity == PRODUCT_MODEL
                else self._client.delete_product_result
            )
            return [(self._delete(delete, line, cancel), False) for line in batch.items]
        upsert = (
            self._client.upsert_product_models if entity == PRODUCT_MODEL else self._client.upsert_products
        )
        try:
            results = upsert([line.payload for line in batch.items], cancel=cancel)
        except AkeneoUnavailable as exc:  # the client's own retries of the whole request are spent
            return [(_gave_up(exc), False) for _ in batch.items]
        except AkeneoApiError as exc:
            return [(_api_error(exc), False) for _ in batch.items]
        answered = now_ms()
        return [
            (
                Outcome(
                    status_for_upsert(r.status_code),
                    r.status_code,
                    r.message,
                    r.errors,
                    r.attempts,
                    answered if r.status_code else None,
                ),
                # no line for it (the answer was cut short or unreadable), or its own 429/408/5xx
                r.status_code == 0 or retry_reason(r.status_code) is not None,
            )
            for r in results
        ]

    @staticmethod
    def _delete(
        delete: Callable[[str, threading.Event | None], LineResult], line: Line, cancel: threading.Event
    ) -> Outcome:
        try:
            result = delete(line.identifier, cancel)
        except AkeneoUnavailable as exc:
            return _gave_up(exc)
        except AkeneoApiError as exc:
            return _api_error(exc)
        code = result.status_code
        message = None if code == 204 else f"it did not exist in Akeneo: {result.message}"
        return Outcome(status_for_delete(code), code, message, [], result.attempts, now_ms())


def _touches(batch: Batch[Line], partitions: Collection[tuple[str, int]]) -> bool:
    return any(_line_touches(line, partitions) for line in batch.items)


def _line_touches(line: Line, partitions: Collection[tuple[str, int]]) -> bool:
    return any(work.source.tp in partitions for work in line.works)


def _gave_up(exc: AkeneoUnavailable) -> Outcome:
    return Outcome(Status.FAILED, 0, f"Akeneo unavailable, gave up retrying: {exc}", attempts=exc.attempts)


def _api_error(exc: AkeneoApiError) -> Outcome:
    return Outcome(status_for_upsert(exc.status), exc.status, exc.message, exc.errors, 1, now_ms())
