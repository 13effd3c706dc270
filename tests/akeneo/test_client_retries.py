"""Retries against the simulator: 429 and Retry-After, 5xx storms, drops, timeouts, give-up, stop."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from consumer.akeneo import AkeneoApiError, AkeneoCancelled, AkeneoUnavailable, RetryPolicy
from consumer.devstack.akeneo_sim import AkeneoSimulator

from .support import Connect, product

PRODUCTS_ROUTE = "/api/rest/v1/products"


def _upsert_in_threads(client_upsert: object, batches: list[list[dict[str, object]]]) -> list[int]:
    with ThreadPoolExecutor(4) as pool:
        answers = pool.map(client_upsert, batches)  # type: ignore[arg-type]
        return [r.status_code for results in answers for r in results]


def test_429_waits_as_long_as_retry_after_says(sim: AkeneoSimulator, connect: Connect) -> None:
    client, recorder = connect()
    client.get_json("channels")  # token first: the refusal below is for the upsert
    sim.fail_next(1, 429, retry_after_s=1)
    result = client.upsert_products([product("patient")])[0]
    assert (result.status_code, result.attempts) == (201, 2)
    assert recorder.retries == {"429": 1}
    [(reason, waited)] = recorder.backoffs
    assert reason == "429" and 1.0 <= waited <= 1.1  # Retry-After, plus at most 10 % jitter
    assert sim.request_count("PATCH", PRODUCTS_ROUTE, 429) == 1


def test_408_is_retried(sim: AkeneoSimulator, connect: Connect) -> None:
    client, recorder = connect()
    sim.fail_next(1, 408, route=PRODUCTS_ROUTE)
    assert client.upsert_products([product("late")])[0].attempts == 2
    assert recorder.retries == {"408": 1}


def test_concurrency_limit_429s_are_retried_until_every_product_lands(
    sim: AkeneoSimulator, connect: Connect
) -> None:
    sim.set_knobs(max_concurrency=1, retry_after_s=0.05, latency_base_s=0.02)
    client, recorder = connect()
    batches = [[product(f"c{t}-{i}")] for t in range(4) for i in range(5)]
    assert _upsert_in_threads(client.upsert_products, batches) == [201] * 20
    refused = sum(r["count"] for r in sim.stats()["requests"] if r["status"] == 429)
    assert refused > 0 and recorder.retries["429"] == refused  # every 429 was retried, none given up
    assert all(waited >= 0.05 for reason, waited in recorder.backoffs if reason == "429")
    assert len(sim.products) == 20


def test_5xx_storm_is_ridden_out(sim: AkeneoSimulator, connect: Connect) -> None:
    client, recorder = connect()
    client.get_json("channels")
    sim.set_knobs(error_rate=0.5, error_statuses=(500, 502, 504), seed=7)
    batches = [[product(f"s{b}-{i}") for i in range(10)] for b in range(12)]
    assert _upsert_in_threads(client.upsert_products, batches) == [201] * 120
    server_errors = sum(r["count"] for r in sim.stats()["requests"] if r["status"] >= 500)
    assert server_errors > 0 and recorder.retries == {"5xx": server_errors}
    assert len(sim.products) == 120


def test_dropped_connections_are_retried(sim: AkeneoSimulator, connect: Connect) -> None:
    client, recorder = connect()
    client.get_json("channels")
    sim.set_knobs(drop_rate=0.3, seed=11)
    batches = [[product(f"d{b}-{i}") for i in range(5)] for b in range(12)]
    assert _upsert_in_threads(client.upsert_products, batches) == [201] * 60
    assert recorder.retries["connection"] > 0
    assert set(recorder.retries) == {"connection"}
    assert len(sim.products) == 60
    assert any(status == 0 for _, status in recorder.requests)  # the observer saw answerless exchanges


def test_timeouts_are_retried_then_given_up(sim: AkeneoSimulator, connect: Connect) -> None:
    # 0.5 s: the warm-up (token and channels) must not time out on a loaded machine.
    client, recorder = connect(timeout_s=0.5, retry=RetryPolicy(base_s=0.01, cap_s=0.02, max_attempts=3))
    client.get_json("channels")
    sim.set_knobs(slow_rate=1.0, slow_s=2.0)
    with pytest.raises(AkeneoUnavailable) as caught:
        client.upsert_products([product("slow")])
    assert (caught.value.attempts, caught.value.last_reason) == (3, "timeout")
    assert recorder.retries == {"timeout": 2}


def test_an_outage_is_waited_out(sim: AkeneoSimulator, connect: Connect) -> None:
    client, recorder = connect()
    client.get_json("channels")
    sim.set_knobs(outage_for_s=0.3)  # 503 with Retry-After until then
    result = client.upsert_products([product("after-outage")])[0]
    assert result.status_code == 201 and result.attempts >= 2
    assert recorder.retries["5xx"] >= 1
    assert all(waited >= 1.0 for _, waited in recorder.backoffs)  # the simulator's Retry-After: 1


def test_retries_stop_at_max_attempts(sim: AkeneoSimulator, connect: Connect) -> None:
    client, _ = connect(retry=RetryPolicy(base_s=0.001, cap_s=0.002, max_attempts=3))
    client.get_json("channels")
    sim.set_knobs(error_rate=1.0, error_statuses=(500,))
    with pytest.raises(AkeneoUnavailable) as caught:
        client.upsert_products([product("doomed")])
    assert caught.value.attempts == 3 and caught.value.endpoint == "PATCH /products"
    assert "HTTP 500" in str(caught.value)
    assert sim.request_count("PATCH", PRODUCTS_ROUTE, 500) == 3


def test_stop_event_interrupts_a_backoff_wait(sim: AkeneoSimulator, connect: Connect) -> None:
    stop = threading.Event()
    client, _ = connect(retry=RetryPolicy(base_s=60.0, cap_s=60.0, jitter=False), stop_event=stop)
    client.get_json("channels")
    sim.set_knobs(error_rate=1.0, error_statuses=(502,))
    timer = threading.Timer(0.2, stop.set)
    timer.start()
    try:
        with pytest.raises(AkeneoCancelled):
            client.upsert_products([product("interrupted")])
    finally:
        timer.cancel()
    assert sim.request_count("PATCH", PRODUCTS_ROUTE) == 1


def test_a_calls_own_cancel_stops_only_that_call(sim: AkeneoSimulator, connect: Connect) -> None:
    client, _ = connect(retry=RetryPolicy(base_s=60.0, cap_s=60.0, jitter=False))
    client.get_json("channels")
    sim.set_knobs(error_rate=1.0, error_statuses=(503,))
    cancel = threading.Event()
    timer = threading.Timer(0.2, cancel.set)
    timer.start()
    try:
        with pytest.raises(AkeneoCancelled):
            client.upsert_products([product("abandoned")], cancel=cancel)
    finally:
        timer.cancel()
    assert sim.request_count("PATCH", PRODUCTS_ROUTE) == 1
    with pytest.raises(AkeneoCancelled, match="before attempt 1"):
        client.delete_product("abandoned", cancel=cancel)  # already cancelled: nothing is sent
    assert sim.request_count("DELETE", "/api/rest/v1/products/{identifier}") == 0
    sim.set_knobs(error_rate=0.0)
    assert client.upsert_products([product("still-fine")])[0].status_code == 201


def test_final_errors_are_not_retried_and_carry_akeneos_code_and_message(
    sim: AkeneoSimulator, connect: Connect
) -> None:
    client, recorder = connect()
    with pytest.raises(AkeneoApiError) as missing:
        client.get_product("no-such-product")
    assert (missing.value.status, missing.value.code) == (404, 404)
    assert "no-such-product" in missing.value.message
    with pytest.raises(AkeneoApiError) as too_many:
        client.get_json("attributes", {"limit": 101})
    assert (too_many.value.status, too_many.value.code) == (422, 422)
    assert "100" in too_many.value.message
    assert not recorder.retries
    assert sim.request_count("GET", "/api/rest/v1/products/{code}") == 1
