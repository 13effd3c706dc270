"""The retry arithmetic: backoff with full jitter and a cap, Retry-After in both forms, give-up rules."""

from __future__ import annotations

import email.utils

import pytest

from consumer.akeneo import RetryPolicy
from consumer.akeneo.retry import MIN_ATTEMPT_S, parse_retry_after, retry_reason


def test_backoff_doubles_up_to_the_cap_without_jitter() -> None:
    policy = RetryPolicy(base_s=0.5, cap_s=3.0, jitter=False)
    assert [policy.delay(n, None) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_full_jitter_stays_between_zero_and_the_capped_ceiling() -> None:
    policy = RetryPolicy(base_s=1.0, cap_s=4.0, jitter=True)
    for retry in range(1, 8):
        ceiling = min(4.0, 2 ** (retry - 1))
        delays = [policy.delay(retry, None) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 100  # spread, not one fixed value


def test_retry_after_is_honoured_capped_and_only_lengthened_by_jitter() -> None:
    policy = RetryPolicy(base_s=0.01, retry_after_cap_s=60.0)
    assert all(7.0 <= policy.delay(1, 7.0) <= 7.7 for _ in range(100))
    assert RetryPolicy(jitter=False).delay(5, 7.0) == 7.0
    assert RetryPolicy(jitter=False, retry_after_cap_s=60.0).delay(1, 3600.0) == 60.0


def test_retry_after_parses_seconds_and_http_dates() -> None:
    now = 1_700_000_000.0
    assert parse_retry_after("3", now) == 3.0
    assert parse_retry_after(" 1.5 ", now) == 1.5
    assert parse_retry_after(email.utils.formatdate(now + 42, usegmt=True), now) == 42.0
    assert parse_retry_after(email.utils.formatdate(now - 42, usegmt=True), now) == 0.0  # already past
    for unusable in (None, "", "soon", "nan", "-5x"):
        assert parse_retry_after(unusable, now) is None


def test_give_up_by_attempts_or_by_time_or_never() -> None:
    assert RetryPolicy(max_attempts=3).exhausted(3, 0.0, 0.1)
    assert not RetryPolicy(max_attempts=3).exhausted(2, 0.0, 0.1)
    by_time = RetryPolicy(max_attempts=None, give_up_after_s=10.0)
    assert not by_time.exhausted(100, 5.0, 4.0)
    assert by_time.exhausted(2, 5.0, 6.0)  # the next wait would end past the budget
    assert not RetryPolicy(max_attempts=None, give_up_after_s=None).exhausted(10_000, 1e6, 30.0)


def test_which_statuses_are_retried() -> None:
    assert [retry_reason(s) for s in (408, 429, 500, 502, 503, 504, 599)] == [
        "408", "429", "5xx", "5xx", "5xx", "5xx", "5xx",
    ]
    assert all(retry_reason(s) is None for s in (200, 204, 400, 401, 403, 404, 413, 415, 422))


def test_nonsense_policies_are_refused() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(base_s=-1)


def test_bounded_attempts_get_what_is_left_of_the_budget() -> None:
    bounded = RetryPolicy(max_attempts=None, give_up_after_s=10.0, bound_attempts=True)
    assert bounded.attempt_timeout(30.0, elapsed_s=0.0) == 10.0
    assert bounded.attempt_timeout(30.0, elapsed_s=7.5) == 2.5
    assert bounded.attempt_timeout(30.0, elapsed_s=9.9) == MIN_ATTEMPT_S  # a last try still gets a chance
    assert bounded.attempt_timeout(1.0, elapsed_s=0.0) == 1.0  # never longer than the client's timeout
    unbounded = RetryPolicy(max_attempts=None, give_up_after_s=10.0)
    assert unbounded.attempt_timeout(30.0, elapsed_s=9.9) == 30.0
    assert RetryPolicy(give_up_after_s=None, bound_attempts=True).attempt_timeout(30.0, 100.0) == 30.0
