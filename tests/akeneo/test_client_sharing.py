"""Sharing a PIM: the host's adaptive concurrency limit and its Retry-After pause, against the simulator."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from consumer.akeneo import AkeneoCancelled, AkeneoClient, AkeneoUnavailable, RetryPolicy
from consumer.akeneo import limit as aimd
from consumer.devstack.akeneo_sim import AkeneoSimulator

from .support import Connect, product

PRODUCTS_ROUTE = "/api/rest/v1/products"
TOKEN_ROUTE = "/api/oauth/v1/token"


def wait_until(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def in_thread(call: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    """Runs ``call``; the list receives its result or the exception it raised."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(call())
        except Exception as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def hammer(client: AkeneoClient, prefix: str, batches: int = 24) -> list[int]:
    """8 threads upserting batches of 5 through one client."""

    def batch(n: int) -> list[int]:
        results = client.upsert_products([product(f"{prefix}{n}-{i}") for i in range(5)])
        return [r.status_code for r in results]

    with ThreadPoolExecutor(8) as pool:
        return [code for codes in pool.map(batch, range(batches)) for code in codes]


def test_a_retry_after_holds_every_request_of_the_process_and_waiting_honours_cancel_and_stop(
    sim: AkeneoSimulator, connect: Connect
) -> None:
    stop = threading.Event()
    first, first_seen = connect(stop_event=stop)
    second, second_seen = connect()
    first.get_json("channels")
    second.get_json("channels")
    sim.fail_next(1, 429, retry_after_s=30, route=PRODUCTS_ROUTE)
    refused, refused_outcome = in_thread(lambda: first.upsert_products([product("refused")]))
    wait_until(lambda: first.paused_for > 0)
    assert 30 <= first_seen.pauses[0] <= 33  # Retry-After, plus at most 10 % jitter
    assert second_seen.pauses == first_seen.pauses  # every client of the host is told
    assert second.paused_for > 0  # ... and held: the pause is the process's, not the request's

    cancel = threading.Event()
    deleting, deleted = in_thread(lambda: second.delete_product("waiting", cancel=cancel))
    new_stop = threading.Event()
    newcomer, _ = connect(stop_event=new_stop)  # needs a token: the token call waits too
    reading, read = in_thread(lambda: newcomer.get_json("channels"))
    sent = sim.stats()["requests_total"]
    time.sleep(0.5)
    assert sim.stats()["requests_total"] == sent  # nothing reached Akeneo while paused

    cancel.set()  # the call's own cancel ends its wait
    deleting.join(5)
    assert isinstance(deleted[0], AkeneoCancelled)
    new_stop.set()  # so does the client's stop event
    reading.join(5)
    assert isinstance(read[0], AkeneoCancelled)
    stop.set()
    refused.join(5)
    assert isinstance(refused_outcome[0], AkeneoCancelled)
    assert sim.request_count("DELETE") == 0 and sim.request_count("POST", TOKEN_ROUTE) == 2


def test_held_requests_go_once_the_pause_is_over_and_it_lasts_at_most_retry_after_max(
    sim: AkeneoSimulator, connect: Connect
) -> None:
    retry = RetryPolicy(base_s=0.005, cap_s=0.05, max_attempts=50, retry_after_cap_s=0.3)
    client, seen = connect(retry=retry)
    client.get_json("channels")
    sim.fail_next(1, 429, retry_after_s=30, route=PRODUCTS_ROUTE)
    refused, refused_outcome = in_thread(lambda: client.upsert_products([product("refused")]))
    wait_until(lambda: client.paused_for > 0)
    [held] = client.upsert_products([product("held")])
    refused.join(10)
    assert seen.pauses == [pytest.approx(0.3)]  # Akeneo asked for 30 s; RETRY_AFTER_MAX_S caps it
    assert seen.backoffs == [("429", 0.3)]
    assert (held.status_code, held.attempts) == (201, 1)  # waited, then sent once
    assert [(r.status_code, r.attempts) for r in refused_outcome[0]] == [(201, 2)]  # type: ignore[attr-defined]
    assert sim.request_count("PATCH", PRODUCTS_ROUTE, 429) == 1


def test_a_429_without_retry_after_backs_off_that_request_alone_and_shrinks_the_limit(
    sim: AkeneoSimulator, connect: Connect
) -> None:
    client, seen = connect()
    other, other_seen = connect()
    client.get_json("channels")
    sim.fail_next(1, 429, route=PRODUCTS_ROUTE)  # no Retry-After header
    [result] = client.upsert_products([product("patient")])
    assert (result.status_code, result.attempts) == (201, 2)
    assert seen.pauses == [] and client.paused_for == 0
    [(reason, waited)] = seen.backoffs
    assert reason == "429" and 0 <= waited <= 0.005  # FAST_RETRY's first jittered backoff
    assert client.concurrency_limit == other.concurrency_limit == 3  # 4 x 0.9, at least one less
    assert seen.limits == [4, 3] and other_seen.limits == [4, 3]


def test_the_limit_shrinks_to_what_akeneo_takes_and_grows_back_when_it_takes_more(
    sim: AkeneoSimulator, connect: Connect, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(aimd, "FIRST_HOLD_S", 0.05)  # short holds: the test need not wait seconds
    monkeypatch.setattr(aimd, "MAX_HOLD_S", 0.1)
    client, seen = connect(max_in_flight=4)
    client.get_json("channels")
    sim.set_knobs(max_concurrency=2, retry_after_s=0.05, latency_base_s=0.02)
    assert hammer(client, "tight") == [201] * 120
    assert min(seen.limits) <= 2 and sim.stats()["peak_admitted"] <= 2
    assert sim.stats()["too_many_requests"] > 0
    sim.set_knobs(max_concurrency=0)
    assert hammer(client, "roomy") == [201] * 120
    assert client.concurrency_limit == 4 and seen.limits[-1] == 4  # back at the cap, never above
    assert max(seen.limits) == 4 and seen.peak_in_flight <= 4
    assert len(sim.products) == 240


def test_timeouts_shrink_the_limit(sim: AkeneoSimulator, connect: Connect) -> None:
    # 0.5 s: the warm-up (token and channels) must not time out on a loaded machine.
    client, seen = connect(timeout_s=0.5, retry=RetryPolicy(base_s=0.01, cap_s=0.02, max_attempts=2))
    client.get_json("channels")
    sim.set_knobs(slow_rate=1.0, slow_s=2.0)
    with pytest.raises(AkeneoUnavailable):
        client.get_json("channels")
    assert seen.retries == {"timeout": 1} and seen.limits == [4, 3, 2]


def test_server_errors_and_dropped_connections_leave_the_limit_alone(
    sim: AkeneoSimulator, connect: Connect
) -> None:
    client, seen = connect()
    client.get_json("channels")
    sim.fail_next(2, 503, route=PRODUCTS_ROUTE)
    sim.fail_next(2, drop=True, route=PRODUCTS_ROUTE)
    [result] = client.upsert_products([product("unmoved")])
    # The first drop closes a kept-alive connection, on which libcurl sends again by itself: that
    # send is counted as an attempt and a retry as well as ours after the second drop.
    assert result.attempts == 5 and seen.limits == [4]
    assert seen.retries == {"5xx": 2, "connection": 2}


def test_a_fixed_limit_is_kept_whatever_akeneo_answers(sim: AkeneoSimulator, connect: Connect) -> None:
    client, seen = connect(adaptive_concurrency=False)
    client.get_json("channels")
    sim.fail_next(3, 429, route=PRODUCTS_ROUTE)
    assert client.upsert_products([product("fixed")])[0].attempts == 4
    assert client.concurrency_limit == 4 and seen.limits == [4]


def test_a_call_waiting_for_a_slot_ends_when_it_is_cancelled(sim: AkeneoSimulator, connect: Connect) -> None:
    client, _ = connect(max_in_flight=1)
    client.get_json("channels")
    sim.set_knobs(latency_base_s=2.0)
    holding, _ = in_thread(lambda: client.get_json("locales"))  # takes the one slot for 2 s
    wait_until(lambda: sim.stats()["current_concurrency"] == 1)
    cancel = threading.Event()
    waiting, outcome = in_thread(lambda: client.upsert_products([product("queued")], cancel=cancel))
    time.sleep(0.2)
    cancel.set()
    waiting.join(5)  # had it not ended at the cancel, it would send once the slot is back (at 2 s)
    assert outcome and isinstance(outcome[0], AkeneoCancelled), outcome
    holding.join(10)
    assert sim.request_count("PATCH", PRODUCTS_ROUTE) == 0
