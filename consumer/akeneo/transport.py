"""HTTP for the client: one pooled session, the host's gate, timeouts and retries.

Every request of the client (token calls included) goes through ``Transport.send``, so the
host's concurrency limit and Retry-After pause, the retry rules and the observer hooks hold for
all of them.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
import weakref
from collections.abc import Mapping
from typing import Any, Protocol

import orjson

from consumer.akeneo.errors import (
    MAX_MESSAGE,
    AkeneoApiError,
    AkeneoAuthError,
    AkeneoCancelled,
    AkeneoError,
    AkeneoUnavailable,
    akeneo_errors,
    akeneo_message,
)
from consumer.akeneo.gate import HostGate, Verdict, acquire_gate, release_gate
from consumer.akeneo.http import Answer, Http, HttpFailure, NoAnswer, TlsFailure, TooLarge, Wire
from consumer.akeneo.observer import ClientObserver, RetryReason
from consumer.akeneo.retry import RetryPolicy, parse_retry_after, retry_reason
from consumer.codec.events import ErrorDetail

log = logging.getLogger(__name__)

_USER_AGENT = "akeneo-consumer"


class TokenSource(Protocol):
    """What the transport needs from the token owner (auth.TokenManager)."""

    def bearer(self, cancel: threading.Event | None = None) -> str: ...

    def invalidate(self, token: str) -> None: ...


@dataclasses.dataclass(frozen=True)
class Reply:
    """A final (not retried) HTTP answer."""

    status: int
    headers: Mapping[str, str]
    content: bytes
    url: str
    attempts: int

    def json(self) -> Any:
        return orjson.loads(self.content)

    def error(self, endpoint: str) -> AkeneoApiError:
        """Akeneo's ``{"code", "message", "errors"}`` body as an exception."""
        code: int | None = None
        message = ""
        errors: list[ErrorDetail] = []
        try:
            body = self.json()
        except orjson.JSONDecodeError:
            body = None
        if isinstance(body, dict):
            code = body.get("code") if isinstance(body.get("code"), int) else None
            message = str(body.get("message") or body.get("error_description") or body.get("error") or "")
            errors = akeneo_errors(body.get("errors"))
        if self.status in (301, 302, 303, 307, 308):
            message = f"unexpected redirect to {self.headers.get('Location', '?')}; check the Akeneo base URL"
        if not message:
            text = self.content[: MAX_MESSAGE * 4].decode("utf-8", "replace").strip()
            message = text or f"HTTP {self.status}"
        return AkeneoApiError(self.status, code, akeneo_message(message), errors, endpoint)


class Transport:
    def __init__(
        self,
        base_url: str,
        max_in_flight: int,
        timeout_s: float,
        verify: bool | str,
        retry: RetryPolicy,
        observer: ClientObserver,
        stop_event: threading.Event | None,
        adaptive: bool = True,
    ) -> None:
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        self._gate, member = acquire_gate(base_url, max_in_flight, adaptive, observer)
        self._timeout = timeout_s
        self._retry = retry
        self._observer = observer
        self._stop = stop_event if stop_event is not None else threading.Event()
        # Proxies (HTTPS_PROXY, NO_PROXY) and CA settings (REQUESTS_CA_BUNDLE) from the environment
        # apply, read once here (http.Wire). libcurl's one resend of its own is counted in send().
        self._http = Http(Wire.settle(base_url, verify), _USER_AGENT)
        # Leave the host's gate on close(), or when a client is dropped without close().
        self._leave_gate = weakref.finalize(self, release_gate, base_url, self._gate, member)

    @property
    def gate(self) -> HostGate:
        return self._gate

    def close(self) -> None:
        if self._leave_gate.alive:
            self._http.close()
            self._leave_gate()

    def send(
        self,
        method: str,
        url: str,
        endpoint: str,
        *,
        tokens: TokenSource | None = None,
        basic_auth: tuple[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        params: Mapping[str, Any] | None = None,
        cancel: threading.Event | None = None,
    ) -> Reply:
        """Send until a final answer comes; retries 408, 429, 5xx, timeouts and dropped connections.

        With ``tokens``, the request carries a bearer token and one 401 is answered by getting a
        new token and sending again. Raises AkeneoUnavailable when the retry budget is spent,
        AkeneoCancelled when the stop event (or this call's ``cancel``) is set before an attempt or
        during a wait, AkeneoAuthError on a second 401. A 429 with ``Retry-After`` pauses the host's
        gate, so every request of the process waits with this one.
        """
        call = _Call(method, url, endpoint, dict(headers or {}), body, params, basic_auth)
        started = time.monotonic()
        attempts = failures = 0
        renewed_after_401 = False
        while True:
            if cancel is not None and cancel.is_set():
                raise AkeneoCancelled(f"{endpoint}: cancelled before attempt {attempts + 1}")
            token = tokens.bearer(cancel) if tokens is not None else None
            attempts += 1
            timeout = self._retry.attempt_timeout(self._timeout, time.monotonic() - started)
            outcome, resent = self._exchange(call, token, timeout, cancel)
            if resent:  # libcurl's own resend on a fresh connection: an attempt, and a retry, too
                attempts += resent
                for _ in range(resent):
                    self._observer.on_retry("connection")
                log.info("%s sent again after a kept-alive connection closed unanswered", endpoint)
            retry_after: float | None = None
            if isinstance(outcome, str):
                reason: RetryReason = outcome
                what: str = outcome
            else:
                if outcome.status_code == 401 and tokens is not None and token is not None:
                    if renewed_after_401:
                        raise AkeneoAuthError(f"Akeneo refused a freshly issued token on {endpoint}", 401)
                    renewed_after_401 = True
                    tokens.invalidate(token)
                    continue
                judged = retry_reason(outcome.status_code)
                if judged is None:
                    return Reply(outcome.status_code, outcome.headers, outcome.content, outcome.url, attempts)
                reason = judged
                retry_after = parse_retry_after(outcome.headers.get("Retry-After"))
                what = f"HTTP {outcome.status_code}"
            failures += 1
            delay = self._retry.delay(failures, retry_after)
            if self._retry.exhausted(failures, time.monotonic() - started, delay):
                raise AkeneoUnavailable(
                    f"{endpoint}: gave up after {attempts} attempts, last: {what}", endpoint, attempts, reason
                )
            self._observer.on_retry(reason)
            self._observer.on_backoff(reason, delay)
            log.info("retrying %s after %s in %.2fs (attempt %d)", endpoint, what, delay, attempts + 1)
            if reason == "429" and retry_after is not None:
                self._gate.pause(delay)  # the next attempt waits in the gate, with every other request
            elif self._interrupted(delay, cancel):
                raise AkeneoCancelled(f"{endpoint}: stopped while waiting to retry after {what}")

    def _interrupted(self, delay: float, cancel: threading.Event | None) -> bool:
        """Wait ``delay`` seconds; True as soon as the client's stop event or the call's cancel is set."""
        if cancel is None:
            return self._stop.wait(delay)
        deadline = time.monotonic() + delay
        while not (self._stop.is_set() or cancel.is_set()):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            cancel.wait(min(remaining, 0.1))
        return True

    def _exchange(
        self, call: _Call, token: str | None, timeout_s: float, cancel: threading.Event | None
    ) -> tuple[Answer | RetryReason, int]:
        """One HTTP exchange inside a slot of the host's gate: the response, or why there was none;
        and how many times libcurl sent it again by itself."""
        headers = call.headers if token is None else {**call.headers, "Authorization": f"Bearer {token}"}
        status = 0
        with self._gate.slot(cancel, self._stop) as held:
            self._observer.on_in_flight(1)
            began = time.perf_counter()
            try:
                answer = self._http.exchange(
                    call.method, call.url, headers, call.body, call.params, call.basic_auth, timeout_s
                )
                status = answer.status_code
                held.verdict = _verdict(status)
                return answer, answer.resent
            except TlsFailure as exc:
                reason = akeneo_message(str(exc))
                raise AkeneoError(f"{call.endpoint}: TLS verification failed: {reason}") from None
            except NoAnswer as exc:
                held.verdict = "refused" if exc.timeout else "neutral"
                return ("timeout" if exc.timeout else "connection"), exc.resent
            except TooLarge as exc:
                raise AkeneoError(f"{call.endpoint}: {exc}") from None
            except HttpFailure as exc:  # its text is curl's error number: nothing of our headers
                raise AkeneoError(f"{call.endpoint}: request failed: {exc}") from None
            finally:
                self._observer.on_in_flight(-1)
                took = time.perf_counter() - began
                self._observer.on_request(call.endpoint, status, took)
                # What urllib3 logged at DEBUG under requests, without URLs (they may name products).
                log.debug("%s: HTTP %s in %.3fs", call.endpoint, status or "no answer", took)


@dataclasses.dataclass(frozen=True)
class _Call:
    method: str
    url: str
    endpoint: str
    headers: dict[str, str]
    body: bytes | None = dataclasses.field(repr=False)  # token calls carry the password
    params: Mapping[str, Any] | None
    basic_auth: tuple[str, str] | None = dataclasses.field(repr=False)


def _verdict(status: int) -> Verdict:
    """What an answer tells the host's concurrency limit: a 429 refused the call; a final answer
    (201, 204, 404, 422, ...) is a success; 408 and 5xx say nothing about concurrency."""
    if status == 429:
        return "refused"
    return "answered" if retry_reason(status) is None else "neutral"
