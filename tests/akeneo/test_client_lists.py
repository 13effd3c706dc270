"""Paginated GETs against the simulator: every page, next links absolute or relative, plain arrays."""

from __future__ import annotations

import pytest

from consumer.akeneo import AkeneoApiError
from consumer.devstack.akeneo_sim import AkeneoSimulator

from .support import CATALOG, COLOR_OPTIONS, Connect, product


@pytest.mark.parametrize("relative_links", [False, True], ids=["absolute-links", "relative-links"])
def test_every_page_of_a_list_is_read_in_order(
    sim: AkeneoSimulator, connect: Connect, relative_links: bool
) -> None:
    sim.set_knobs(relative_links=relative_links)
    client, recorder = connect()
    first_page = client.get_json("attributes", {"limit": 10})
    assert first_page["_links"]["next"]["href"].startswith("/" if relative_links else "http://")
    codes = [a["code"] for a in client.iter_list("attributes", limit=10)]
    assert codes == [a["code"] for a in CATALOG["attributes"]]
    pages = -(-len(codes) // 10)
    assert sim.request_count("GET", "/api/rest/v1/attributes", 200) == pages + 1  # + the first_page check
    assert recorder.requests.count(("GET /attributes", 200)) == pages + 1


def test_nested_lists_and_extra_parameters(sim: AkeneoSimulator, connect: Connect) -> None:
    client, recorder = connect()
    options = list(client.iter_list("attributes/color/options", limit=5))
    assert [o["code"] for o in options] == [f"color_{i:02d}" for i in range(COLOR_OPTIONS)]
    assert recorder.requests.count(("GET /attributes/{code}/options", 200)) == 3
    with pytest.raises(AkeneoApiError) as unknown:
        list(client.iter_list("attributes/nope/options"))
    assert unknown.value.status == 404


def test_products_with_search_after_pagination(sim: AkeneoSimulator, connect: Connect) -> None:
    client, _ = connect()
    client.upsert_products([product(f"item-{i:02d}") for i in range(23)])
    pages = client.iter_list("products", {"pagination_type": "search_after"}, limit=7)
    listed = [p["identifier"] for p in pages]
    assert sorted(listed) == [f"item-{i:02d}" for i in range(23)] and len(listed) == 23


def test_a_plain_array_answer_is_one_page(sim: AkeneoSimulator, connect: Connect) -> None:
    client, _ = connect()
    families = list(client.iter_list("measurement-families"))
    assert [f["code"] for f in families] == ["Weight"]
    assert sim.request_count("GET", "/api/rest/v1/measurement-families") == 1


def test_an_empty_list_yields_nothing(sim: AkeneoSimulator, connect: Connect) -> None:
    client, _ = connect()
    assert list(client.iter_list("families")) == []


def test_limit_outside_akeneos_range_is_refused_before_sending(connect: Connect) -> None:
    client, recorder = connect()
    for limit in (0, 101):
        with pytest.raises(ValueError):
            list(client.iter_list("attributes", limit=limit))
    assert recorder.requests == []
