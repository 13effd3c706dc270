"""Products against the simulator: collection upsert, splitting, per-product results, delete, odd ids."""

from __future__ import annotations

import pytest

from consumer.akeneo import AkeneoApiError, UnsendableRequest
from consumer.akeneo.products import MAX_LINE_CHARS
from consumer.devstack.akeneo_sim import AkeneoSimulator

from .support import Connect, product

PRODUCTS_ROUTE = "/api/rest/v1/products"
AWKWARD_IDENTIFIERS = ["a/b", "what?", "100%", "two words", "café-ü-日本", "a/../b?x=1&y=%2F #frag"]


def _name(sim: AkeneoSimulator, identifier: str) -> str:
    return str(sim.products[identifier]["values"]["name"][0]["data"])


def test_created_then_updated(sim: AkeneoSimulator, connect: Connect) -> None:
    client, _ = connect()
    first = client.upsert_products([product("mug", "Mug"), product("cap", "Cap")])
    assert [(r.line, r.identifier, r.status_code, r.attempts) for r in first] == [
        (1, "mug", 201, 1), (2, "cap", 201, 1),
    ]
    again = client.upsert_products([product("cap", "Blue cap")])
    assert [(r.identifier, r.status_code) for r in again] == [("cap", 204)]
    assert _name(sim, "cap") == "Blue cap" and _name(sim, "mug") == "Mug"


def test_more_than_100_products_go_in_requests_of_100_with_results_in_input_order(
    sim: AkeneoSimulator, connect: Connect
) -> None:
    client, _ = connect()
    products = [product(f"p{i:03d}") for i in range(250)]
    results = client.upsert_products(products)
    assert [(r.line, r.identifier, r.status_code) for r in results] == [
        (i + 1, f"p{i:03d}", 201) for i in range(250)
    ]
    assert sim.request_count("PATCH", PRODUCTS_ROUTE, 200) == 3
    assert sim.request_count(status=413) == 0
    assert len(sim.products) == 250


def test_a_product_listed_twice_ends_as_its_later_line(sim: AkeneoSimulator, connect: Connect) -> None:
    client, _ = connect()
    products = [product(f"q{i}") for i in range(150)]
    products[5] = product("twice", "first")
    products[140] = product("twice", "second")  # in the second request
    results = client.upsert_products(products)
    assert (results[5].status_code, results[140].status_code) == (201, 204)
    assert _name(sim, "twice") == "second"


def test_one_rejected_product_does_not_fail_its_neighbours(sim: AkeneoSimulator, connect: Connect) -> None:
    client, _ = connect()
    bad = {"identifier": "bad", "values": {"no_such_attribute": [{"locale": None, "scope": None, "data": 1}]}}
    results = client.upsert_products([product("good-1"), bad, product("good-2")])
    assert [r.status_code for r in results] == [201, 422, 201]
    assert results[1].identifier == "bad" and results[1].message
    assert "no_such_attribute" in str(results[1].message) + str(results[1].errors)
    assert set(sim.products) == {"good-1", "good-2"}


def test_a_product_too_long_for_one_line_is_not_sent_and_the_others_are(
    sim: AkeneoSimulator, connect: Connect
) -> None:
    client, _ = connect()
    huge = product("huge", "x" * MAX_LINE_CHARS)
    results = client.upsert_products([product("small-1"), huge, product("small-2")])
    assert [(r.identifier, r.status_code) for r in results] == [
        ("small-1", 201), ("huge", 413), ("small-2", 201),
    ]
    assert results[1].attempts == 0 and "1,000,000" in str(results[1].message)
    assert set(sim.products) == {"small-1", "small-2"}
    assert sim.request_count("PATCH", PRODUCTS_ROUTE) == 1


@pytest.mark.parametrize("identifier", AWKWARD_IDENTIFIERS)
def test_awkward_identifiers_round_trip_through_paths(
    sim: AkeneoSimulator, connect: Connect, identifier: str
) -> None:
    client, recorder = connect()
    assert client.upsert_products([product(identifier, "odd")])[0].status_code == 201
    assert client.get_product(identifier)["identifier"] == identifier
    assert client.delete_product(identifier) == 204
    assert identifier not in sim.products
    with pytest.raises(AkeneoApiError) as gone:
        client.get_product(identifier)
    assert gone.value.status == 404
    assert client.delete_product(identifier) == 404  # already gone: answered, not raised
    assert sim.request_count("DELETE", "/api/rest/v1/products/{code}") == 2
    assert {endpoint for endpoint, _ in recorder.requests} == {  # metric labels never carry identifiers
        "POST /oauth/token", "PATCH /products", "GET /products/{identifier}", "DELETE /products/{identifier}",
    }


@pytest.mark.parametrize("identifier", [".", ".."])
def test_dot_segments_are_refused_before_anything_is_sent(
    sim: AkeneoSimulator, connect: Connect, identifier: str
) -> None:
    """`/products/..` would be resolved to `/api/rest/v1/` on its way: such a path is never built."""
    sim.seed_products([product(identifier)])
    client, recorder = connect()
    with pytest.raises(UnsendableRequest, match="cannot be a URL path segment") as refused:
        client.delete_product(identifier)
    assert isinstance(refused.value, ValueError) and refused.value.status == 422
    with pytest.raises(ValueError, match="cannot be a URL path segment"):
        client.get_product(identifier)
    assert recorder.requests == [] and sim.stats()["requests_total"] == 0
    assert identifier in sim.products


def test_deleting_leaves_the_other_products(sim: AkeneoSimulator, connect: Connect) -> None:
    client, _ = connect()
    client.upsert_products([product("keep"), product("drop")])
    assert client.delete_product("drop") == 204
    assert set(sim.products) == {"keep"}
    with pytest.raises(ValueError):
        client.delete_product("")


@pytest.mark.parametrize("status", [400, 422])
def test_a_request_refused_as_a_whole_gives_each_of_its_products_that_answer(
    sim: AkeneoSimulator, connect: Connect, status: int
) -> None:
    client, _ = connect()
    sim.fail_next(1, status, route=PRODUCTS_ROUTE)  # the first of two requests
    results = client.upsert_products([product(f"w{i:03d}") for i in range(150)])
    assert [r.status_code for r in results] == [status] * 100 + [201] * 50
    assert {(r.message, r.attempts) for r in results[:100]} == {("Injected failure", 1)}
    assert [r.line for r in results] == list(range(1, 151))
    assert len(sim.products) == 50


def test_a_forbidden_request_raises(sim: AkeneoSimulator, connect: Connect) -> None:
    client, _ = connect()
    sim.fail_next(1, 403, route=PRODUCTS_ROUTE)
    with pytest.raises(AkeneoApiError) as forbidden:
        client.upsert_products([product("not-allowed")])
    error = forbidden.value
    assert (error.status, error.code, error.message) == (403, 403, "Injected failure")
    assert error.endpoint == "PATCH /products"
