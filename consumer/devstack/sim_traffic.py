"""Traffic control: requests in progress, rate and concurrency limits, injected faults, the fault dice."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from consumer.devstack.sim_knobs import SimKnobs

T = TypeVar("T")

MSG_TOO_MANY_REQUESTS = "You have exceeded the limit of API requests per second."
MSG_TOO_MANY_CONCURRENT = "You have exceeded the limit of concurrent API requests."
MSG_TOO_MANY_CONCURRENT_CONNECTION = (
    "You have exceeded the limit of concurrent API requests for this connection."
)
MSG_OUTAGE = "Service Unavailable"
MSG_INJECTED = "Injected failure"
# Followed by the request's headers, as a misconfigured proxy or a debug page answers.
MSG_ECHO = "Bad request. Request headers:"


@dataclass(frozen=True, slots=True)
class Refusal:
    """An answer given instead of the real one."""

    status: int
    message: str
    retry_after_s: float | None = None
    echo_headers: bool = False  # the body quotes the request's headers (Authorization included)


@dataclass(frozen=True, slots=True)
class Fault:
    """What to do to one request: answer ``refusal``, drop the connection (before handling it, or after:
    the work is done but the answer lost), and/or wait ``delay_s`` first."""

    refusal: Refusal | None = None
    drop: bool = False
    drop_after: bool = False
    delay_s: float = 0.0


class Traffic:
    """Thread-safe accounting of API requests; decides 429s, outages and injected faults."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._in_flight = 0  # every API request in progress, refused ones included
        self._admitted = 0  # those past the limits: what the limits count, as Akeneo's do
        self._by_connection: Counter[str] = Counter()  # admitted, by API connection
        self.peak = 0
        self.admitted_peak = 0
        self._busy_s = 0.0  # time integral of the admitted requests in progress
        self._busy_since = clock()
        self._recent: deque[float] = deque()
        self._scripted: deque[tuple[str | None, Fault]] = deque()
        self._rng = random.Random()

    def seed(self, seed: int | None) -> None:
        with self._lock:
            self._rng.seed(seed)

    def chance(self, share: float) -> bool:
        """True with probability ``share``, from the seeded dice."""
        if share <= 0:
            return False
        with self._lock:
            return self._rng.random() < share

    def pick(self, choices: Sequence[T]) -> T:
        with self._lock:
            return self._rng.choice(choices)

    def below(self, count: int) -> int:
        """A number in ``0..count-1``."""
        with self._lock:
            return self._rng.randrange(count)

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @property
    def admitted(self) -> int:
        return self._admitted

    def busy_seconds(self) -> float:
        """The time integral of admitted requests in progress: slot-seconds of the PIM in use."""
        with self._lock:
            return self._busy_s + self._admitted * (self._clock() - self._busy_since)

    def enter(self) -> None:
        """Count one more API request in progress (for the peak, refused ones included)."""
        with self._lock:
            self._in_flight += 1
            self.peak = max(self.peak, self._in_flight)

    def leave(self, connection: str | None, admitted: bool) -> None:
        """The request ``enter`` counted is answered; ``admitted``: ``admit`` let it in."""
        with self._lock:
            self._in_flight -= 1
            if admitted:
                self._add_admitted(-1, connection)

    def _add_admitted(self, delta: int, connection: str | None) -> None:
        now = self._clock()
        self._busy_s += self._admitted * (now - self._busy_since)
        self._busy_since = now
        self._admitted += delta
        self.admitted_peak = max(self.admitted_peak, self._admitted)
        if connection is not None:
            self._by_connection[connection] += delta
            if not self._by_connection[connection]:
                del self._by_connection[connection]

    def reset_peak(self) -> None:
        with self._lock:
            self.peak = self._in_flight
            self.admitted_peak = self._admitted
            self._busy_s, self._busy_since = 0.0, self._clock()

    def admit(self, knobs: SimKnobs, connection: str | None = None) -> Refusal | None:
        """The outage, concurrency or rate refusal for a request that entered, or None: then it
        counts against the limits until ``leave(connection, admitted=True)``.

        Checked and taken under one lock, so two requests never both take the last place. The
        limits count admitted requests only, PIM-wide and per API ``connection`` (a client id),
        as Akeneo's do: a refused request is not in progress, so it never makes Akeneo refuse
        another (nor counts in the requests of the last second).
        """
        now = self._clock()
        if knobs.outage_until > now:
            return Refusal(503, MSG_OUTAGE, max(1.0, knobs.outage_until - now))
        with self._lock:
            if knobs.max_concurrency and self._admitted >= knobs.max_concurrency:
                return Refusal(429, MSG_TOO_MANY_CONCURRENT, knobs.retry_after_s)
            per_connection = knobs.max_concurrency_per_connection
            on_connection = self._by_connection[connection] if connection is not None else 0
            if per_connection and on_connection >= per_connection:
                return Refusal(429, MSG_TOO_MANY_CONCURRENT_CONNECTION, knobs.retry_after_s)
            if knobs.rps_limit:
                while self._recent and self._recent[0] <= now - 1.0:
                    self._recent.popleft()
                if len(self._recent) >= knobs.rps_limit:
                    return Refusal(429, MSG_TOO_MANY_REQUESTS, knobs.retry_after_s)
                self._recent.append(now)
            self._add_admitted(1, connection)
        return None

    def fail_next(self, count: int, status: int = 503, *, drop: bool = False, drop_after: bool = False,
                  retry_after_s: float | None = None, route: str | None = None,
                  echo_headers: bool = False) -> None:
        """The next ``count`` API requests (to ``route`` only, if given) fail: answered ``status``
        (with a body quoting the request's headers if ``echo_headers``), or left unanswered with
        ``drop`` (not handled) or ``drop_after`` (handled, answer lost)."""
        message = MSG_ECHO if echo_headers else MSG_INJECTED
        refusal = None if drop or drop_after else Refusal(status, message, retry_after_s, echo_headers)
        fault = Fault(refusal=refusal, drop=drop, drop_after=drop_after)
        with self._lock:
            self._scripted.extend((route, fault) for _ in range(count))

    def clear_scripted(self) -> None:
        with self._lock:
            self._scripted.clear()

    def fault(self, knobs: SimKnobs, route: str) -> Fault | None:
        """Scripted faults first, then the dice of error_rate, drop_rate and slow_rate."""
        with self._lock:
            for index, (wanted, scripted) in enumerate(self._scripted):
                if wanted is None or wanted == route:
                    del self._scripted[index]
                    return scripted
            roll_error, roll_drop, roll_slow = self._rng.random(), self._rng.random(), self._rng.random()
            roll_drop_after = self._rng.random()
            status = self._rng.choice(knobs.error_statuses)
            # Rolled only when asked for, so seeded runs of the other knobs repeat as before.
            roll_echo = self._rng.random() if knobs.echo_headers_rate else 1.0
        delay = knobs.slow_s if roll_slow < knobs.slow_rate else 0.0
        if roll_drop < knobs.drop_rate:
            return Fault(drop=True, delay_s=delay)
        if roll_drop_after < knobs.drop_after_rate:
            return Fault(drop_after=True, delay_s=delay)
        if roll_echo < knobs.echo_headers_rate:
            echo = Refusal(knobs.echo_headers_status, MSG_ECHO, echo_headers=True)
            return Fault(refusal=echo, delay_s=delay)
        if roll_error < knobs.error_rate:
            retry_after = knobs.retry_after_s if status == 503 else None
            return Fault(refusal=Refusal(status, MSG_INJECTED, retry_after), delay_s=delay)
        return Fault(delay_s=delay) if delay else None
