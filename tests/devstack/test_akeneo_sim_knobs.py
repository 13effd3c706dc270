"""Knobs (latency, limits, injected faults, outages), statistics and the /_sim/ inspection API."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import orjson
import pytest
import requests

from consumer.devstack.akeneo_sim import DEFAULT_CREDENTIALS, AkeneoSimulator, SimCredentials, SimKnobs

from .support import API, COLLECTION, Api, FakeClock, small_catalog

PRODUCTS = f"{API}/products"


def wait_until(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.005)


def in_background(call: Callable[[], requests.Response]) -> tuple[threading.Thread, list[requests.Response]]:
    results: list[requests.Response] = []
    thread = threading.Thread(target=lambda: results.append(call()))
    thread.start()
    return thread, results


def test_concurrency_limit_answers_429_with_retry_after(api: Api, sim: AkeneoSimulator) -> None:
    sim.set_knobs(latency_base_s=2.0, max_concurrency=1, retry_after_s=3)
    thread, first = in_background(lambda: api.get("/channels"))
    wait_until(lambda: sim.stats()["current_concurrency"] == 1)
    second = requests.get(
        api.url("/channels"), headers={"Authorization": api.session.headers["Authorization"]}, timeout=10
    )
    thread.join()
    assert first[0].status_code == 200
    assert second.status_code == 429
    assert second.headers["Retry-After"] == "3"
    assert second.json() == {
        "code": 429,
        "message": "You have exceeded the limit of concurrent API requests.",
    }
    stats = sim.stats()
    assert stats["peak_concurrency"] == 2
    assert stats["too_many_requests"] == 1


def test_latency_per_product_holds_a_collection_patch(api: Api, sim: AkeneoSimulator) -> None:
    sim.set_knobs(latency_per_product_s=0.2)
    lines = [orjson.dumps({"identifier": f"p{i}"}) for i in range(10)]
    thread, result = in_background(lambda: api.patch_lines(lines))
    # The request is in once it counts; its lines are stored one by one, then the answer waits out
    # the 2 s: wait for the store to finish (not only for the request to count), then check.
    wait_until(lambda: sim.stats()["current_concurrency"] == 1)
    wait_until(lambda: len(sim.products) == 10)
    assert result == [] and sim.stats()["current_concurrency"] == 1  # stored, the answer held back
    thread.join()
    assert result[0].status_code == 200
    assert sim.stats()["current_concurrency"] == 0


def test_peak_concurrency_counts_parallel_callers(api: Api, sim: AkeneoSimulator) -> None:
    sim.set_knobs(latency_base_s=2.0)  # long enough for six threads to start on a busy machine
    token = api.session.headers["Authorization"]
    with ThreadPoolExecutor(6) as pool:
        futures = [
            pool.submit(requests.get, api.url("/locales"), headers={"Authorization": token}, timeout=10)
            for _ in range(6)
        ]
        wait_until(lambda: sim.stats()["current_concurrency"] == 6)
        assert all(f.result().status_code == 200 for f in futures)
    assert sim.stats()["peak_concurrency"] == 6
    sim.reset_stats()
    assert sim.stats()["peak_concurrency"] == 0
    assert sim.stats()["requests_total"] == 0


def test_rate_limit_answers_429_until_the_second_is_over(
    api: Api, sim: AkeneoSimulator, clock: FakeClock
) -> None:
    sim.set_knobs(rps_limit=3)
    assert [api.get("/channels").status_code for _ in range(3)] == [200, 200, 200]
    limited = api.get("/channels")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "1"
    assert limited.json()["message"] == "You have exceeded the limit of API requests per second."
    clock.advance(1.0)
    assert api.get("/channels").status_code == 200


@pytest.mark.parametrize(
    ("status", "content_type"), [(500, "application/json"), (502, "text/html"), (503, "application/json")]
)
def test_error_rate_injects_server_errors(
    api: Api, sim: AkeneoSimulator, status: int, content_type: str
) -> None:
    sim.set_knobs(error_rate=1.0, error_statuses=(status,))
    answer = api.get("/channels")
    assert answer.status_code == status
    assert answer.headers["Content-Type"] == content_type
    assert ("Retry-After" in answer.headers) == (status == 503)
    sim.set_knobs(error_rate=0)
    assert api.get("/channels").status_code == 200
    assert sim.request_count("GET", f"{API}/channels", status) == 1


def test_drop_rate_closes_connections_without_answer(api: Api, sim: AkeneoSimulator) -> None:
    sim.set_knobs(drop_rate=1.0)
    with pytest.raises(requests.ConnectionError):
        api.get("/channels")
    sim.set_knobs(drop_rate=0.0)
    assert api.get("/channels").status_code == 200
    assert sim.stats()["events"] == {"dropped": 1}


def test_slow_answers_are_held(api: Api, sim: AkeneoSimulator) -> None:
    sim.set_knobs(slow_rate=1.0, slow_s=1.5)
    thread, result = in_background(lambda: api.get("/channels"))
    wait_until(lambda: sim.stats()["current_concurrency"] == 1)
    thread.join()
    assert result[0].status_code == 200


def test_outage_window_answers_503_everywhere(api: Api, sim: AkeneoSimulator, clock: FakeClock) -> None:
    sim.start_outage(30)
    down = api.get("/channels")
    assert down.status_code == 503
    assert down.headers["Retry-After"] == "30"
    token = requests.post(f"{sim.base_url}/api/oauth/v1/token", json={}, timeout=10)
    assert token.status_code == 503
    clock.advance(30)
    assert api.get("/channels").status_code == 200


def test_fail_next_targets_a_route_and_is_used_up(api: Api, sim: AkeneoSimulator) -> None:
    sim.fail_next(2, 503, retry_after_s=0.25, route=PRODUCTS)
    assert api.get("/channels").status_code == 200
    body = orjson.dumps({"identifier": "x"})
    first, second, third = (api.patch_lines([body]) for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (503, 503, 200)
    assert first.headers["Retry-After"] == "0.25"
    sim.fail_next(1, drop=True)
    with pytest.raises(requests.ConnectionError):
        api.get("/channels")


def test_seeded_fault_dice_repeat(clock: FakeClock) -> None:
    def statuses() -> list[int]:
        knobs = SimKnobs(error_rate=0.5, seed=7)
        with AkeneoSimulator(small_catalog(), knobs=knobs, clock=clock) as sim:
            return [requests.get(f"{sim.base_url}{API}/channels", timeout=10).status_code for _ in range(20)]

    first = statuses()
    assert first == statuses()
    assert 401 in first and any(s >= 500 for s in first)


def test_knob_changes_are_checked(sim: AkeneoSimulator) -> None:
    with pytest.raises(ValueError, match="unknown knob"):
        sim.set_knobs(latency=1)
    with pytest.raises(ValueError, match="share between 0 and 1"):
        sim.set_knobs(error_rate=2)
    with pytest.raises(ValueError, match="must not be negative"):
        sim.set_knobs(latency_base_s=-1)
    with pytest.raises(ValueError, match="5xx"):
        sim.set_knobs(error_statuses=[404])
    assert sim.set_knobs(max_concurrency=4).max_concurrency == 4


def test_keep_alive_serves_several_requests_on_one_connection(sim: AkeneoSimulator) -> None:
    host, port = sim.base_url.removeprefix("http://").split(":")
    request = f"GET {API} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(request * 3)
        received = b""
        while received.count(b"HTTP/1.1 200 OK") < 3:
            chunk = conn.recv(65536)
            assert chunk, "connection closed early"
            received += chunk


class TestInspectionApi:
    """/_sim/ lets another process read and steer the simulator; no token, not counted."""

    def call(self, sim: AkeneoSimulator, method: str, name: str, body: object = None) -> requests.Response:
        return requests.request(
            method,
            f"{sim.base_url}/_sim/{name}",
            timeout=10,
            data=None if body is None else orjson.dumps(body),
        )

    def test_stats_and_products(self, api: Api, sim: AkeneoSimulator) -> None:
        api.patch_lines([orjson.dumps({"identifier": "x"})])
        stats = self.call(sim, "GET", "stats").json()
        assert {"method": "PATCH", "route": PRODUCTS, "status": 200, "count": 1} in stats["requests"]
        assert stats["product_lines"] == {"201": 1}
        assert stats["tokens_issued"]["password"] == 1
        assert set(self.call(sim, "GET", "products").json()) == {"x"}
        assert sim.stats()["requests_total"] == 2  # token + PATCH; inspection calls are not counted

    def test_knobs_read_and_write(self, sim: AkeneoSimulator) -> None:
        changed = self.call(sim, "POST", "knobs", {"latency_base_s": 0.01, "outage_for_s": 5}).json()
        assert changed["latency_base_s"] == 0.01
        assert changed["outage_remaining_s"] == 5
        assert self.call(sim, "GET", "knobs").json()["latency_base_s"] == 0.01
        bad = self.call(sim, "POST", "knobs", {"nope": 1})
        assert bad.status_code == 400
        assert bad.json() == {"code": 400, "message": "unknown knob 'nope'"}

    def test_actions(self, api: Api, sim: AkeneoSimulator) -> None:
        api.patch_lines([orjson.dumps({"identifier": "x"})])
        assert self.call(sim, "POST", "reset").status_code == 200
        assert sim.stats()["requests_total"] == 0
        assert self.call(sim, "POST", "clear-products").status_code == 200
        assert sim.products == {}
        refresh = api.token["refresh_token"]
        assert self.call(sim, "POST", "expire-tokens").status_code == 200
        assert api.get("/channels").status_code == 401
        assert self.call(sim, "POST", "revoke-refresh-tokens").status_code == 200
        refused = requests.post(
            f"{sim.base_url}/api/oauth/v1/token",
            auth=("sim-client", "sim-secret"),
            json={"grant_type": "refresh_token", "refresh_token": refresh},
            timeout=10,
        )
        assert refused.status_code == 422
        assert self.call(sim, "POST", "fail-next", {"count": 1, "status": 500}).json() == {"scheduled": 1}
        token_call = requests.post(f"{sim.base_url}/api/oauth/v1/token", json={}, timeout=10)
        assert token_call.status_code == 500

    def test_unknown_inspection_route(self, sim: AkeneoSimulator) -> None:
        assert self.call(sim, "GET", "nothing").status_code == 404
        assert self.call(sim, "POST", "knobs", [1]).status_code == 400


def test_validation_can_be_switched_off_for_benchmarks(api: Api, sim: AkeneoSimulator) -> None:
    bad = orjson.dumps({"identifier": "x", "values": {"color": [{"data": "pink"}]}})
    assert orjson.loads(api.patch_lines([bad]).content)["status_code"] == 422
    sim.set_knobs(validate=False)
    assert orjson.loads(api.patch_lines([bad]).content)["status_code"] == 201
    assert sim.products["x"]["values"]["color"] == [{"locale": None, "scope": None, "data": "pink"}]
    with pytest.raises(ValueError, match="true or false"):
        sim.set_knobs(validate="no")


def test_drop_after_handling_stores_the_products_but_loses_the_answer(api: Api, sim: AkeneoSimulator) -> None:
    sim.fail_next(1, drop_after=True, route=PRODUCTS)
    with pytest.raises(requests.ConnectionError):
        api.patch_lines([orjson.dumps({"identifier": "lost-answer"})])
    assert "lost-answer" in sim.products
    retried = orjson.loads(api.patch_lines([orjson.dumps({"identifier": "lost-answer"})]).content)
    assert retried["status_code"] == 204  # a retry finds the product already there
    sim.set_knobs(drop_after_rate=1.0)
    with pytest.raises(requests.ConnectionError):
        api.get("/channels")
    assert sim.stats()["events"] == {"dropped_after_handling": 2}


OTHER = SimCredentials("other-client", "other-secret", "admin", "admin")
Connections = tuple[AkeneoSimulator, Api, Api]


@pytest.fixture
def two_connections(clock: FakeClock) -> Iterator[Connections]:
    """One PIM, two API connections (client ids), as two integrations or two services share it."""
    with AkeneoSimulator(small_catalog(), credentials=[*DEFAULT_CREDENTIALS, OTHER], clock=clock) as sim:
        first = Api(sim.base_url)
        second = Api(sim.base_url, credentials=(OTHER.client_id, OTHER.secret))
        yield sim, first, second
        first.close()
        second.close()


def test_max_concurrency_is_shared_by_every_connection(two_connections: Connections) -> None:
    sim, first, second = two_connections
    sim.set_knobs(latency_base_s=2.0, max_concurrency=1, retry_after_s=2)
    thread, held = in_background(lambda: first.get("/channels"))
    wait_until(lambda: sim.stats()["current_concurrency"] == 1)
    refused = second.get("/channels")
    thread.join()
    assert held[0].status_code == 200
    assert (refused.status_code, refused.headers["Retry-After"]) == (429, "2")
    assert refused.json()["message"] == "You have exceeded the limit of concurrent API requests."


def test_max_concurrency_per_connection_limits_each_connection_alone(two_connections: Connections) -> None:
    sim, first, second = two_connections
    sim.set_knobs(latency_base_s=2.0, max_concurrency_per_connection=1, retry_after_s=3)
    thread, held = in_background(lambda: first.get("/channels"))
    wait_until(lambda: sim.stats()["current_concurrency"] == 1)
    refused = first.get("/locales")  # the same connection, its one slot taken
    other = second.get("/locales")  # another connection has slots of its own
    thread.join()
    assert held[0].status_code == 200 and other.status_code == 200
    assert (refused.status_code, refused.headers["Retry-After"]) == (429, "3")
    assert refused.json() == {
        "code": 429,
        "message": "You have exceeded the limit of concurrent API requests for this connection.",
    }
    assert sim.stats()["too_many_requests"] == 1


def test_line_errors_answer_429_or_5xx_per_line_and_apply_nothing(api: Api, sim: AkeneoSimulator) -> None:
    sim.set_knobs(line_error_rate=1.0, line_error_statuses=[429, 503], seed=3)
    answer = api.patch_lines([orjson.dumps({"identifier": f"l{i}"}) for i in range(6)])
    lines = [orjson.loads(raw) for raw in answer.content.split(b"\n")]
    assert answer.status_code == 200
    assert [line["line"] for line in lines] == [1, 2, 3, 4, 5, 6]
    assert [line["identifier"] for line in lines] == [f"l{i}" for i in range(6)]
    assert {line["status_code"] for line in lines} == {429, 503}
    assert all(line["message"] for line in lines)
    assert sim.products == {}
    sim.set_knobs(line_error_rate=0.5, seed=4)
    lines = [orjson.loads(raw) for raw in api.patch_lines(
        [orjson.dumps({"identifier": f"m{i}"}) for i in range(20)]).content.split(b"\n")]
    applied = {line["identifier"] for line in lines if line["status_code"] == 201}
    assert 0 < len(applied) < 20 and set(sim.products) == applied


def test_short_answers_miss_lines_of_products_that_were_applied(api: Api, sim: AkeneoSimulator) -> None:
    sim.set_knobs(short_answer_rate=1.0, seed=5)
    answer = api.patch_lines([orjson.dumps({"identifier": f"s{i}"}) for i in range(10)])
    assert answer.status_code == 200 and answer.headers["Content-Type"] == COLLECTION
    lines = [orjson.loads(raw) for raw in answer.content.split(b"\n") if raw]
    assert len(lines) < 10 and [line["line"] for line in lines] == list(range(1, len(lines) + 1))
    assert set(sim.products) == {f"s{i}" for i in range(10)}
    assert sim.stats()["events"] == {"short_answers": 1}


def test_garbled_answers_are_not_ndjson_and_the_products_were_applied(api: Api, sim: AkeneoSimulator) -> None:
    sim.set_knobs(garbled_answer_rate=1.0)
    answer = api.patch_lines([orjson.dumps({"identifier": "g1"}), orjson.dumps({"identifier": "g2"})])
    assert answer.status_code == 200 and answer.headers["Content-Type"] == COLLECTION
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(answer.content.split(b"\n")[0])
    assert set(sim.products) == {"g1", "g2"}
    assert sim.stats()["events"] == {"garbled_answers": 1}


@pytest.mark.parametrize("status", [400, 422])
def test_echoed_headers_carry_the_token_as_a_careless_server_would(
    api: Api, sim: AkeneoSimulator, status: int
) -> None:
    sim.set_knobs(echo_headers_rate=1.0, echo_headers_status=status)
    answer = api.patch_lines([orjson.dumps({"identifier": "e1"})])
    assert answer.status_code == status
    assert f"Authorization: Bearer {api.token['access_token']}" in answer.json()["message"]
    assert sim.products == {}
    sim.set_knobs(echo_headers_rate=0.0)
    sim.fail_next(1, 400, echo_headers=True, route=PRODUCTS)
    echoed = api.patch_lines([orjson.dumps({"identifier": "e2"})]).json()["message"]
    assert api.token["access_token"] in echoed


def test_the_new_knobs_are_checked_and_settable_over_http(sim: AkeneoSimulator) -> None:
    with pytest.raises(ValueError, match="429 or 5xx"):
        sim.set_knobs(line_error_statuses=[404])
    with pytest.raises(ValueError, match="400 or 422"):
        sim.set_knobs(echo_headers_status=500)
    with pytest.raises(ValueError, match="share between 0 and 1"):
        sim.set_knobs(short_answer_rate=1.5)
    changes = {"max_concurrency_per_connection": 4, "line_error_rate": 0.1, "line_error_statuses": [429, 500],
               "short_answer_rate": 0.2, "garbled_answer_rate": 0.05, "echo_headers_rate": 0.01,
               "echo_headers_status": 422}
    answer = requests.post(f"{sim.base_url}/_sim/knobs", data=orjson.dumps(changes), timeout=10)
    assert answer.status_code == 200
    assert {name: answer.json()[name] for name in changes} == changes
    assert sim.knobs.max_concurrency_per_connection == 4 and sim.knobs.line_error_statuses == (429, 500)
    scheduled = requests.post(f"{sim.base_url}/_sim/fail-next", timeout=10,
                              data=orjson.dumps({"count": 1, "status": 422, "echo_headers": True}))
    assert scheduled.json() == {"scheduled": 1}
