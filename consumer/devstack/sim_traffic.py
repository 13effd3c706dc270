"""Traffic control: requests in progress, rate and concurrency limits, and injected faults."""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from consumer.devstack.sim_knobs import SimKnobs

MSG_TOO_MANY_REQUESTS = "You have exceeded the limit of API requests per second."
MSG_TOO_MANY_CONCURRENT = "You have exceeded the limit of concurrent API requests."
MSG_OUTAGE = "Service Unavailable"
MSG_INJECTED = "Injected failure"


@dataclass(frozen=True, slots=True)
class Refusal:
    """An answer given instead of the real one."""

    status: int
    message: str
    retry_after_s: float | None = None


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
        self._in_flight = 0
        self.peak = 0
        self._recent: deque[float] = deque()
        self._scripted: deque[tuple[str | None, Fault]] = deque()
        self._rng = random.Random()

    def seed(self, seed: int | None) -> None:
        self._rng.seed(seed)

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def enter(self) -> int:
        """Count one more request in progress; returns how many are in progress now."""
        with self._lock:
            self._in_flight += 1
            self.peak = max(self.peak, self._in_flight)
            return self._in_flight

    def leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def reset_peak(self) -> None:
        with self._lock:
            self.peak = self._in_flight

    def admit(self, knobs: SimKnobs, in_flight: int) -> Refusal | None:
        """The outage, concurrency or rate refusal for a request that just entered, if any."""
        now = self._clock()
        if knobs.outage_until > now:
            return Refusal(503, MSG_OUTAGE, max(1.0, knobs.outage_until - now))
        if knobs.max_concurrency and in_flight > knobs.max_concurrency:
            return Refusal(429, MSG_TOO_MANY_CONCURRENT, knobs.retry_after_s)
        if knobs.rps_limit:
            with self._lock:
                while self._recent and self._recent[0] <= now - 1.0:
                    self._recent.popleft()
                if len(self._recent) >= knobs.rps_limit:
                    return Refusal(429, MSG_TOO_MANY_REQUESTS, knobs.retry_after_s)
                self._recent.append(now)
        return None

    def fail_next(self, count: int, status: int = 503, *, drop: bool = False, drop_after: bool = False,
                  retry_after_s: float | None = None, route: str | None = None) -> None:
        """The next ``count`` API requests (to ``route`` only, if given) fail: answered ``status``,
        or left unanswered with ``drop`` (not handled) or ``drop_after`` (handled, answer lost)."""
        refusal = None if drop or drop_after else Refusal(status, MSG_INJECTED, retry_after_s)
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
        delay = knobs.slow_s if roll_slow < knobs.slow_rate else 0.0
        if roll_drop < knobs.drop_rate:
            return Fault(drop=True, delay_s=delay)
        if roll_drop_after < knobs.drop_after_rate:
            return Fault(drop_after=True, delay_s=delay)
        if roll_error < knobs.error_rate:
            retry_after = knobs.retry_after_s if status == 503 else None
            return Fault(refusal=Refusal(status, MSG_INJECTED, retry_after), delay_s=delay)
        return Fault(delay_s=delay) if delay else None
