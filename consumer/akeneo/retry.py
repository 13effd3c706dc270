"""When to retry and how long to wait: the RetryPolicy, Retry-After parsing and backoff."""

from __future__ import annotations

import dataclasses
import datetime
import email.utils
import math
import random
import time

from consumer.akeneo.observer import RetryReason

# 5xx are retried too; these are the other statuses worth another try.
_RETRYABLE: dict[int, RetryReason] = {408: "408", 429: "429"}
# The shortest timeout a bounded attempt gets: one started as the budget runs out still has a chance.
MIN_ATTEMPT_S = 0.5


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter and a cap; ``Retry-After`` wins when Akeneo sends it.

    The n-th retry waits ``uniform(0, min(cap_s, base_s * 2**(n-1)))`` (without jitter: the upper
    bound itself). A ``Retry-After`` is honoured as given, plus up to 10 % when jitter is on so
    that callers told the same second do not return at once, and never longer than
    ``retry_after_cap_s`` (``RETRY_AFTER_MAX_S``: the longest pause Akeneo can impose).
    Giving up: after ``max_attempts`` requests or ``give_up_after_s`` seconds, whichever comes
    first; both None retries forever (a stop event still interrupts the waits). With
    ``bound_attempts``, each attempt's timeout is also cut to what is left of ``give_up_after_s``
    (at least ``MIN_ATTEMPT_S``), so a PIM that accepts connections and never answers costs the
    budget, not a full timeout per attempt; without it a slow answer may finish past the budget.
    """

    base_s: float = 0.5
    cap_s: float = 30.0
    jitter: bool = True
    max_attempts: int | None = 8
    give_up_after_s: float | None = None
    retry_after_cap_s: float = 60.0
    bound_attempts: bool = False

    def __post_init__(self) -> None:
        if self.base_s < 0 or self.cap_s < 0 or self.retry_after_cap_s < 0:
            raise ValueError("RetryPolicy waits must not be negative")
        if self.max_attempts is not None and self.max_attempts < 1:
            raise ValueError("RetryPolicy.max_attempts must be at least 1 (or None)")
        if self.give_up_after_s is not None and self.give_up_after_s < 0:
            raise ValueError("RetryPolicy.give_up_after_s must not be negative (or None)")

    def delay(self, retry_number: int, retry_after_s: float | None) -> float:
        """Seconds to wait before retry number ``retry_number`` (1 for the first retry)."""
        if retry_after_s is not None:
            wait = retry_after_s + random.uniform(0, retry_after_s * 0.1) if self.jitter else retry_after_s
            return min(wait, self.retry_after_cap_s)
        ceiling = min(self.cap_s, self.base_s * 2 ** min(retry_number - 1, 62))
        return random.uniform(0, ceiling) if self.jitter else ceiling

    def attempt_timeout(self, timeout_s: float, elapsed_s: float) -> float:
        """The timeout of an attempt starting ``elapsed_s`` into the call (``timeout_s`` unless bounded)."""
        if not self.bound_attempts or self.give_up_after_s is None:
            return timeout_s
        return min(timeout_s, max(self.give_up_after_s - elapsed_s, MIN_ATTEMPT_S))

    def exhausted(self, attempts: int, elapsed_s: float, next_delay_s: float) -> bool:
        """True if another attempt is not allowed (counting the one that just failed)."""
        if self.max_attempts is not None and attempts >= self.max_attempts:
            return True
        return self.give_up_after_s is not None and elapsed_s + next_delay_s > self.give_up_after_s


def retry_reason(status: int) -> RetryReason | None:
    """The retry reason for an HTTP status, or None if the status is final."""
    if 500 <= status <= 599:
        return "5xx"
    return _RETRYABLE.get(status)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delay-seconds or HTTP-date); None if unusable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000" parses naive; HTTP-dates are GMT anyway
        when = when.replace(tzinfo=datetime.UTC)
    current = time.time() if now is None else now
    return max(when.timestamp() - current, 0.0)
