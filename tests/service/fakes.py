"""Stand-ins the pipeline tests drive instead of time, Kafka's producer and Akeneo.

Time is a ``FakeClock`` that moves only when the test moves it or when the service waits: every
wait the service makes (on the pipeline's wake event, in ``producer.poll``) passes its whole
timeout on the clock, as it would in production, after a moment of real time so that the Akeneo
sender threads can answer meanwhile. Nothing asserts on wall-clock time.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from confluent_kafka import KafkaError

from consumer.akeneo import AkeneoApiError, AkeneoAuthError, AkeneoCancelled, AkeneoUnavailable, LineResult
from consumer.codec import ErrorDetail
from consumer.devstack.memory_kafka import MemoryBroker, MemoryProducer, OnDelivery

REAL_WAIT_S = 0.001  # how long a fake wait yields to other threads before its timeout passes


class FakeClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self._due: list[tuple[float, Callable[[], None]]] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
        due = [fn for when, fn in self._due if when <= self.now]
        self._due = [(when, fn) for when, fn in self._due if when > self.now]
        for fn in due:
            fn()

    def call_in(self, seconds: float, fn: Callable[[], None]) -> None:
        """Run ``fn`` once the clock has moved ``seconds`` on (on the thread that moves it)."""
        self._due.append((self.now + seconds, fn))


class FakeWake(threading.Event):
    """The pipeline's wake event on a fake clock: a wait nothing ends passes its timeout on the clock."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__()
        self._clock = clock

    def wait(self, timeout: float | None = None) -> bool:
        if super().wait(REAL_WAIT_S):
            return True
        self._clock.advance(timeout or 0.0)
        return self.is_set()


class ClockedProducer(MemoryProducer):
    """A memory producer whose ``poll(timeout)`` passes the timeout on the clock when nothing was
    delivered (librdkafka would have waited), and that counts ``produce`` calls per topic."""

    def __init__(self, broker: MemoryBroker, clock: FakeClock, max_message_bytes: int = 1_000_000) -> None:
        super().__init__(broker, max_message_bytes)
        self._clock = clock
        self.produced: Counter[str] = Counter()

    def produce(
        self,
        topic: str,
        value: bytes | None = None,
        key: bytes | None = None,
        headers: Any = None,
        on_delivery: OnDelivery | None = None,
    ) -> None:
        self.produced[topic] += 1
        super().produce(topic, value, key, headers, on_delivery)

    def poll(self, timeout: float = 0) -> int:
        served = super().poll(timeout)
        if not served and timeout > 0:
            self._clock.advance(timeout)
        return served


def kafka_error(code: int, reason: str = "", fatal: bool = False) -> KafkaError:
    return KafkaError(code, reason or f"error {code}", fatal=fatal)


def invalid_detail(message: str) -> ErrorDetail:
    return {"property": "values", "attribute": "name", "locale": None, "scope": None, "message": message}


class FakeAkeneo:
    """Akeneo's product API as the pipeline's ``Client`` sees it.

    Stores products and answers per line like Akeneo: 201 for a new product, 204 for an existing
    one, 422 for a product whose ``values`` hold ``reject``. Records every write per identifier (the
    product's ``seq`` value, or ``DELETE``) in the order it happened, the most calls ever in flight
    at once, and every identifier seen in two calls at once. Test hooks: ``block`` identifiers
    (calls holding them wait until ``release``; a cancellable block ends with AkeneoCancelled when
    the call is cancelled, one on the wire answers anyway), ``unavailable`` (the next calls give up
    with AkeneoUnavailable), ``auth_failures``, ``api_error``, ``crash``, ``missing`` (how many more
    answers leave an identifier's line out).
    """

    def __init__(self) -> None:
        self.products: dict[str, dict[str, Any]] = {}
        self.writes: defaultdict[str, list[str | None]] = defaultdict(list)
        self.log: list[str] = []  # every identifier (or model code) written, in the order it happened
        self.calls = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.overlaps: list[str] = []
        self.waiting = 0  # calls waiting on a block
        self.cancelled = 0
        self.unavailable = 0
        self.auth_failures = 0
        self.api_error: AkeneoApiError | None = None
        self.crash: Exception | None = None
        self.missing: Counter[str] = Counter()
        self._active: Counter[str] = Counter()
        self._blocked: dict[str, bool] = {}  # identifier -> cancellable
        self._cond = threading.Condition()
        self.closed = False

    def close(self) -> None:
        self.closed = True

    # --- test hooks -----------------------------------------------------------------------------
    def block(self, *identifiers: str, cancellable: bool = True) -> None:
        with self._cond:
            self._blocked.update(dict.fromkeys(identifiers, cancellable))

    def release(self, *identifiers: str) -> None:
        """Let blocked calls answer (every one, without identifiers)."""
        with self._cond:
            for identifier in identifiers or list(self._blocked):
                self._blocked.pop(identifier, None)
            self._cond.notify_all()

    def on_the_wire(self) -> list[str]:
        """Identifiers of the calls under way, sorted."""
        with self._cond:
            return sorted(+self._active)

    # --- the Client protocol --------------------------------------------------------------------
    def upsert_products(
        self, products: Sequence[Any], cancel: threading.Event | None = None
    ) -> list[LineResult]:
        identifiers = [p["identifier"] for p in products]
        self._enter(identifiers, cancel)
        try:
            self._fail_if_told()
            with self._cond:
                return [self._upsert(line, p) for line, p in enumerate(products, 1)]
        finally:
            self._leave(identifiers)

    def delete_product_result(self, identifier: str, cancel: threading.Event | None = None) -> LineResult:
        self._enter([identifier], cancel)
        try:
            self._fail_if_told()
            with self._cond:
                self.writes[identifier].append("DELETE")
                if self.products.pop(identifier, None) is None:
                    return LineResult(1, identifier, 404, "Resource not found", attempts=1)
                return LineResult(1, identifier, 204, attempts=1)
        finally:
            self._leave([identifier])

    # Product models share the products' store, keyed by code: no test tells them apart.
    def upsert_product_models(
        self, models: Sequence[Any], cancel: threading.Event | None = None
    ) -> list[LineResult]:
        return self.upsert_products([{**m, "identifier": m["code"]} for m in models], cancel)

    def delete_product_model_result(self, code: str, cancel: threading.Event | None = None) -> LineResult:
        return self.delete_product_result(code, cancel)

    # --- inside -----------------------------------------------------------------------------------
    def _enter(self, identifiers: list[str], cancel: threading.Event | None) -> None:
        with self._cond:
            self.calls += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.overlaps.extend(i for i in identifiers if self._active[i])
            self._active.update(identifiers)
            blocked = [self._blocked[i] for i in identifiers if i in self._blocked]
            if not blocked:
                return
            cancellable = all(blocked)
            self.waiting += 1
            try:
                while any(i in self._blocked for i in identifiers):
                    if cancellable and cancel is not None and cancel.is_set():
                        self.cancelled += 1
                        self._leave_locked(identifiers)
                        raise AkeneoCancelled("cancelled while waiting for Akeneo")
                    self._cond.wait(0.005)  # the cancel event cannot notify this condition
            finally:
                self.waiting -= 1

    def _leave(self, identifiers: list[str]) -> None:
        with self._cond:
            self._leave_locked(identifiers)

    def _leave_locked(self, identifiers: list[str]) -> None:
        self.in_flight -= 1
        self._active.subtract(identifiers)

    def _fail_if_told(self) -> None:
        with self._cond:
            if self.crash is not None:
                crash, self.crash = self.crash, None
                raise crash
            if self.auth_failures:
                self.auth_failures -= 1
                raise AkeneoAuthError("invalid_grant", 401)
            if self.api_error is not None:
                error, self.api_error = self.api_error, None
                raise error
            if self.unavailable:
                self.unavailable -= 1
                raise AkeneoUnavailable("503 Service Unavailable", attempts=3, last_reason="5xx")

    def _upsert(self, line: int, product: dict[str, Any]) -> LineResult:
        identifier = product["identifier"]
        if self.missing[identifier] > 0:
            self.missing[identifier] -= 1
            return LineResult(line, identifier, 0, "Akeneo gave no answer for this line", attempts=1)
        values = product.get("values", {})
        if values.get("reject"):
            detail = invalid_detail(values["reject"])
            return LineResult(line, identifier, 422, "Validation failed.", [detail], attempts=1)
        self.writes[identifier].append(values.get("seq"))
        self.log.append(identifier)
        existed = identifier in self.products
        self.products[identifier] = product
        return LineResult(line, identifier, 204 if existed else 201, attempts=1)
