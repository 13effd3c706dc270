"""List and single-item GET endpoints: pagination, absolute _links, limits, 404/405/406."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from consumer.devstack.akeneo_sim import AkeneoSimulator

from .support import API, Api, small_catalog

# A fresh Akeneo's association types, served when the catalog names none.
DEFAULT_ASSOCIATION_TYPES = [{"code": c} for c in ("X_SELL", "UPSELL", "SUBSTITUTION", "PACK")]


def follow(api: Api, first_url: str) -> tuple[list[dict[str, Any]], int]:
    """Every item by following _links.next from ``first_url``; and how many pages it took."""
    items: list[dict[str, Any]] = []
    url: str | None = first_url
    pages = 0
    while url is not None:
        page = api.session.get(url, timeout=10)
        assert page.status_code == 200, page.text
        body = page.json()
        items.extend(body["_embedded"]["items"])
        url = body["_links"].get("next", {}).get("href")
        pages += 1
    return items, pages


@pytest.mark.parametrize(
    ("resource", "key"),
    [
        ("attributes", "attributes"),
        ("channels", "channels"),
        ("locales", "locales"),
        ("currencies", "currencies"),
        ("families", "families"),
        ("categories", "categories"),
        ("association-types", "association_types"),
    ],
)
def test_catalog_lists_serve_every_item_across_pages(api: Api, resource: str, key: str) -> None:
    items, pages = follow(api, api.url(f"/{resource}?limit=2"))
    expected = small_catalog().get(key) or DEFAULT_ASSOCIATION_TYPES
    assert [i["code"] for i in items] == [i["code"] for i in expected]
    assert pages == max(1, -(-len(expected) // 2))
    for item in items:
        assert item["_links"]["self"]["href"] == api.url(f"/{resource}/{item['code']}")
        single = api.get(f"/{resource}/{item['code']}")
        assert single.status_code == 200
        assert single.json()["code"] == item["code"]


def test_default_page_is_ten_items_with_absolute_links(api: Api) -> None:
    body = api.get("/attributes").json()
    assert len(body["_embedded"]["items"]) == 10
    assert body["current_page"] == 1
    links = body["_links"]
    assert links["self"]["href"] == api.url("/attributes?page=1&limit=10")
    assert links["first"]["href"] == api.url("/attributes?page=1&limit=10")
    assert links["next"]["href"] == api.url("/attributes?page=2&limit=10")
    assert "previous" not in links
    second = api.session.get(links["next"]["href"], timeout=10).json()
    assert second["_links"]["previous"]["href"] == api.url("/attributes?page=1&limit=10")
    assert "next" not in second["_links"]


def test_with_count_adds_items_count(api: Api) -> None:
    body = api.get("/attributes", params={"with_count": "true", "limit": 3}).json()
    assert body["items_count"] == len(small_catalog()["attributes"])
    assert "items_count" not in api.get("/attributes").json()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("limit=101", "You cannot request more than 100 items."),
        ("limit=0", '"0" is not a valid limit number.'),
        ("limit=ten", '"ten" is not a valid limit number.'),
        ("page=0", '"0" is not a valid page number.'),
        ("page=string", '"string" is not a valid page number.'),
        (
            "with_count=yes",
            'Parameter "with_count" has to be a boolean. Only "true" or "false" allowed, "yes" given.',
        ),
    ],
)
def test_bad_paging_parameters_are_422(api: Api, query: str, message: str) -> None:
    for path in ("/attributes", "/products", "/attributes/color/options"):
        answer = api.session.get(api.url(f"{path}?{query}"), timeout=10)
        assert answer.status_code == 422
        assert answer.json() == {"code": 422, "message": message}


def test_limit_100_is_allowed(api: Api) -> None:
    assert api.get("/attributes", params={"limit": 100}).status_code == 200


def test_page_past_the_end_is_empty(api: Api) -> None:
    body = api.get("/channels", params={"page": 9}).json()
    assert body["_embedded"]["items"] == []
    assert "next" not in body["_links"]


def test_attribute_options_are_paginated_per_attribute(api: Api) -> None:
    items, _ = follow(api, api.url("/attributes/functions/options?limit=3"))
    assert [o["code"] for o in items] == ["copy", "fax", "print", "scan"]
    assert all(o["attribute"] == "functions" for o in items)
    assert items[0]["_links"]["self"]["href"] == api.url("/attributes/functions/options/copy")
    assert api.get("/attributes/functions/options/fax").json()["code"] == "fax"
    assert api.get("/attributes/name/options").json()["_embedded"]["items"] == []
    missing = api.get("/attributes/nope/options")
    assert missing.status_code == 404
    assert missing.json() == {"code": 404, "message": 'Attribute "nope" does not exist.'}
    assert api.get("/attributes/functions/options/nope").status_code == 404


def test_measurement_families_is_a_plain_array(api: Api) -> None:
    body = api.get("/measurement-families").json()
    assert isinstance(body, list)
    assert [f["code"] for f in body] == ["Weight", "Length"]
    assert set(body[0]["units"]) == {"GRAM", "KILOGRAM"}


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/channels/web", 'Channel "web" does not exist.'),
        ("/locales/xx_XX", 'Locale "xx_XX" does not exist.'),
        ("/currencies/XYZ", 'Currency "XYZ" does not exist.'),
        ("/families/cars", 'Family "cars" does not exist.'),
        ("/categories/toys", 'Category "toys" does not exist.'),
        ("/attributes/nope", 'Attribute "nope" does not exist.'),
    ],
)
def test_unknown_codes_are_404(api: Api, path: str, message: str) -> None:
    answer = api.get(path)
    assert answer.status_code == 404
    assert answer.json() == {"code": 404, "message": message}


def _seed(sim: AkeneoSimulator, count: int) -> list[str]:
    identifiers = [f"sku-{i:03d}" for i in range(count)]
    sim.seed_products({"identifier": i} for i in reversed(identifiers))
    return identifiers


def test_products_page_pagination_in_identifier_order(api: Api, sim: AkeneoSimulator) -> None:
    identifiers = _seed(sim, 25)
    items, pages = follow(api, api.url("/products?limit=10&with_count=true"))
    assert [p["identifier"] for p in items] == identifiers
    assert pages == 3
    assert items[0]["_links"]["self"]["href"] == api.url("/products/sku-000")


def test_products_search_after_pagination(api: Api, sim: AkeneoSimulator) -> None:
    identifiers = _seed(sim, 25)
    first = api.get("/products", params={"pagination_type": "search_after", "limit": 10}).json()
    assert "current_page" not in first
    assert "search_after=sku-009" in first["_links"]["next"]["href"]
    items, _ = follow(api, api.url("/products?pagination_type=search_after&limit=10"))
    assert [p["identifier"] for p in items] == identifiers


def test_products_search_after_cursor_survives_odd_identifiers(api: Api, sim: AkeneoSimulator) -> None:
    odd = sorted(["a/b", "a?b", "a&b=c", "a%20b", "a b", "\u00e9t\u00e9"])
    sim.seed_products({"identifier": i} for i in odd)
    items, _ = follow(api, api.url("/products?pagination_type=search_after&limit=1"))
    assert [p["identifier"] for p in items] == odd


def test_unknown_pagination_type_is_422(api: Api) -> None:
    answer = api.get("/products", params={"pagination_type": "cursor"})
    assert answer.status_code == 422


def test_accept_header_must_allow_json(api: Api) -> None:
    refused = api.get("/channels", headers={"Accept": "text/html"})
    assert refused.status_code == 406
    assert refused.json() == {
        "code": 406,
        "message": '"text/html" in "Accept" header is not valid. Only "application/json" is allowed.',
    }
    assert api.get("/channels", headers={"Accept": "application/json"}).status_code == 200
    assert api.get("/channels", headers={"Accept": "*/*"}).status_code == 200


def test_unknown_route_is_404_and_wrong_method_405(api: Api) -> None:
    unknown = api.get("/widgets")
    assert unknown.status_code == 404
    assert unknown.json()["message"] == f'No route found for "GET {API}/widgets"'
    wrong = api.session.put(api.url("/products"), json={}, timeout=10)
    assert wrong.status_code == 405
    assert set(wrong.headers["Allow"].split(", ")) == {"GET", "POST", "PATCH"}


def test_api_root_lists_routes_without_a_token(sim: AkeneoSimulator) -> None:
    body = requests.get(f"{sim.base_url}{API}", timeout=10).json()
    assert body["authentication"]["fos_oauth_server_token"]["route"] == "/api/oauth/v1/token"
    assert f"PATCH {API}/products" in body["routes"]


def test_relative_links_knob_serves_paths(api: Api, sim: AkeneoSimulator) -> None:
    sim.set_knobs(relative_links=True)
    body = api.get("/attributes", params={"limit": 5}).json()
    path, _, query = body["_links"]["next"]["href"].partition("?")
    assert (path, sorted(query.split("&"))) == (f"{API}/attributes", ["limit=5", "page=2"])
    assert body["_embedded"]["items"][0]["_links"]["self"]["href"] == f"{API}/attributes/sku"
    created = api.patch_json("/products/rel", {})
    assert created.headers["Location"] == f"{API}/products/rel"
