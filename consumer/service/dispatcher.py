"""Runs batches against Akeneo on worker threads, at most ``max_in_flight`` at once.

Workers only talk to Akeneo and turn its answers into outcomes; everything else (feedback,
offsets, the batcher) stays on the main loop's thread, which collects finished batches with
``completed()``. A batch can be cancelled (partition revoked, shutdown grace spent): its
retries stop and its outcome is ``None``, meaning "no final answer, do not feed back".
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from consumer.akeneo import (
    AkeneoApiError,
    AkeneoAuthError,
    AkeneoCancelled,
    AkeneoError,
    AkeneoUnavailable,
    LineResult,
)
from consumer.batcher import Batch
from consumer.codec import DELETE
from consumer.feedback import now_ms
from consumer.service.items import DELETED, FAILED, Item, Outcome, status_for_upsert

log = logging.getLogger(__name__)

AUTH_RETRY_S = 5.0


class Client(Protocol):
    def upsert_products(
        self, products: Sequence[Any], cancel: threading.Event | None = None
    ) -> list[LineResult]: ...

    def delete_product_result(
        self, identifier: str, cancel: threading.Event | None = None
    ) -> LineResult: ...


Completed = tuple[Batch[Item], list[Outcome] | None]


class Dispatcher:
    def __init__(
        self,
        client: Client,
        max_in_flight: int,
        on_auth_error: Callable[[bool], None] = lambda failing: None,
    ) -> None:
        self._client = client
        self._pool = ThreadPoolExecutor(max_workers=max_in_flight, thread_name_prefix="akeneo")
        self._max = max_in_flight
        self._done: queue.SimpleQueue[Completed] = queue.SimpleQueue()
        self._running: dict[int, tuple[Batch[Item], threading.Event]] = {}
        self._on_auth_error = on_auth_error

    @property
    def free(self) -> int:
        return self._max - len(self._running)

    def batches(self) -> list[Batch[Item]]:
        """Batches handed out and not yet collected."""
        return [batch for batch, _ in self._running.values()]

    def submit(self, batch: Batch[Item]) -> None:
        cancel = threading.Event()
        self._running[id(batch)] = (batch, cancel)
        self._pool.submit(self._run, batch, cancel)

    def completed(self, timeout: float = 0.0) -> list[Completed]:
        """Batches that finished since the last call (waits up to ``timeout`` for the first)."""
        out: list[Completed] = []
        try:
            out.append(self._done.get(timeout=timeout) if timeout > 0 else self._done.get_nowait())
            while True:
                out.append(self._done.get_nowait())
        except queue.Empty:
            pass
        for batch, _ in out:
            self._running.pop(id(batch), None)
        return out

    def cancel(self, batch: Batch[Item]) -> None:
        running = self._running.get(id(batch))
        if running is not None:
            running[1].set()

    def cancel_all(self) -> None:
        for _, event in self._running.values():
            event.set()

    def close(self) -> None:
        """Cancel what is left; a request still on the wire ends by its own timeout."""
        self.cancel_all()
        self._pool.shutdown(wait=False, cancel_futures=True)

    # --- worker threads --------------------------------------------------------------------
    def _run(self, batch: Batch[Item], cancel: threading.Event) -> None:
        try:
            outcomes = self._attempt(batch, cancel)
        except AkeneoCancelled:
            outcomes = None
        except Exception as exc:  # a bug must not kill the worker or lose the batch's feedback
            log.exception("unexpected error while sending a batch")
            outcomes = [Outcome(FAILED, 0, f"internal error: {type(exc).__name__}") for _ in batch.items]
        self._done.put((batch, outcomes))

    def _attempt(self, batch: Batch[Item], cancel: threading.Event) -> list[Outcome]:
        while True:
            try:
                outcomes = self._send(batch, cancel)
                self._on_auth_error(False)
                return outcomes
            except AkeneoAuthError as exc:
                # Credentials refused mid-run: an operator can fix them in Akeneo, so wait and try again
                # (readiness reports it) rather than reject products that did nothing wrong.
                self._on_auth_error(True)
                log.error("Akeneo refused the credentials, retrying in %ss: %s", AUTH_RETRY_S, exc)
                if cancel.wait(AUTH_RETRY_S):
                    raise AkeneoCancelled("cancelled while waiting for valid credentials") from None

    def _send(self, batch: Batch[Item], cancel: threading.Event) -> list[Outcome]:
        if batch.operation == DELETE:
            return [self._delete(item, cancel) for item in batch.items]
        try:
            results = self._client.upsert_products([item.payload for item in batch.items], cancel=cancel)
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
                list(r.errors),
                r.attempts,
                answered if r.status_code else None,
            )
            for r in results
        ]

    def _delete(self, item: Item, cancel: threading.Event) -> Outcome:
        try:
            result = self._client.delete_product_result(item.identifier, cancel=cancel)
        except AkeneoUnavailable as exc:
            return _gave_up(exc)
        except AkeneoApiError as exc:
            return _api_error(exc)
        code = result.status_code
        message = None if code == 204 else f"the product did not exist in Akeneo: {result.message}"
        status = DELETED if code in (204, 404) else FAILED
        return Outcome(status, code, message, attempts=result.attempts, answered_at_ms=now_ms())


def _gave_up(exc: AkeneoUnavailable) -> Outcome:
    return Outcome(FAILED, 0, f"Akeneo unavailable, gave up retrying: {exc}", attempts=exc.attempts)


def _api_error(exc: AkeneoError) -> Outcome:
    status = getattr(exc, "status", 0)
    return Outcome(
        status_for_upsert(status),
        status,
        getattr(exc, "message", str(exc)),
        list(getattr(exc, "errors", [])),
        attempts=1,
        answered_at_ms=now_ms(),
    )
