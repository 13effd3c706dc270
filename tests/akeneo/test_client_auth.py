"""Tokens against the simulator: password grant, expiry mid-run, early renewal, refused refresh, 401 retry."""

from __future__ import annotations

import dataclasses
import time

import pytest

from consumer.akeneo import AkeneoAuthError
from consumer.devstack.akeneo_sim import AkeneoSimulator

from .support import SIM_CREDENTIALS, Connect, product

TOKEN_ROUTE = "/api/oauth/v1/token"
PRODUCTS_ROUTE = "/api/rest/v1/products"


def test_one_password_grant_serves_many_requests(sim: AkeneoSimulator, connect: Connect) -> None:
    client, recorder = connect()
    for i in range(5):
        assert client.upsert_products([product(f"p{i}")])[0].status_code == 201
    assert recorder.tokens == ["password"]
    assert sim.request_count("POST", TOKEN_ROUTE) == 1


def test_token_expiry_mid_run_costs_one_401_and_one_refresh(sim: AkeneoSimulator, connect: Connect) -> None:
    client, recorder = connect()
    assert client.upsert_products([product("before")])[0].status_code == 201
    sim.expire_tokens()
    result = client.upsert_products([product("after")])[0]
    assert (result.status_code, result.attempts) == (201, 2)  # the 401, then the retry
    assert recorder.tokens == ["password", "refresh"]
    assert sim.request_count("PATCH", PRODUCTS_ROUTE, 401) == 1
    assert set(sim.products) == {"before", "after"}


def test_many_threads_seeing_401_renew_the_token_once(sim: AkeneoSimulator, connect: Connect) -> None:
    from concurrent.futures import ThreadPoolExecutor

    client, recorder = connect()
    client.get_json("channels")
    sim.expire_tokens()
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda i: client.upsert_products([product(f"t{i}")])[0].status_code, range(32)))
    assert codes == [201] * 32
    assert recorder.tokens == ["password", "refresh"]


def test_token_is_renewed_before_it_expires(sim: AkeneoSimulator, connect: Connect) -> None:
    sim.set_knobs(token_ttl_s=1)
    client, recorder = connect()
    client.get_json("channels")
    time.sleep(1.0)  # the token is now past 90 % of its life
    client.get_json("channels")
    assert recorder.tokens == ["password", "refresh"]
    assert sim.request_count("GET", "/api/rest/v1/channels", 401) == 0  # renewed before Akeneo refused it


def test_refused_refresh_token_falls_back_to_password_grant(sim: AkeneoSimulator, connect: Connect) -> None:
    client, recorder = connect()
    client.get_json("channels")
    sim.revoke_refresh_tokens()
    sim.expire_tokens()
    assert client.get_json("channels/ecommerce")["code"] == "ecommerce"
    assert recorder.tokens == ["password", "password"]
    assert sim.request_count("POST", TOKEN_ROUTE) == 3  # password, refused refresh, password


@pytest.mark.parametrize("wrong", ["client_secret", "password"])
def test_refused_credentials_raise_without_revealing_them(connect: Connect, wrong: str) -> None:
    bad = dataclasses.replace(SIM_CREDENTIALS, **{wrong: "s3cr3t-that-must-not-leak"})
    client, _ = connect(credentials=bad)
    with pytest.raises(AkeneoAuthError) as caught:
        client.upsert_products([product("x")])
    text = f"{caught.value} {caught.value!r} {vars(caught.value)}"
    assert "s3cr3t-that-must-not-leak" not in text
    assert "sim-secret" not in text
    assert caught.value.status == 422


def test_a_401_to_a_fresh_token_is_final(sim: AkeneoSimulator, connect: Connect) -> None:
    client, recorder = connect()
    client.get_json("channels")
    sim.fail_next(2, 401, route=PRODUCTS_ROUTE)
    with pytest.raises(AkeneoAuthError):
        client.upsert_products([product("refused")])
    assert recorder.tokens == ["password", "refresh"]  # one renewal, one retry, no loop
    assert sim.request_count("PATCH", PRODUCTS_ROUTE, 401) == 2
