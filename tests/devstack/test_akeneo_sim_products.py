"""Products: the collection PATCH and its NDJSON answers, one product's PATCH/GET/DELETE, merge semantics."""

from __future__ import annotations

import http.client
from typing import Any
from urllib.parse import quote

import orjson
import pytest
import requests

from consumer.devstack.akeneo_sim import AkeneoSimulator

from .support import API, COLLECTION, Api, small_catalog


def value(data: Any, locale: str | None = None, scope: str | None = None) -> list[dict[str, Any]]:
    return [{"locale": locale, "scope": scope, "data": data}]


def line(product: dict[str, Any]) -> bytes:
    return orjson.dumps(product)


def answers(response: requests.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == COLLECTION
    return [orjson.loads(raw) for raw in response.content.split(b"\n")]


def test_collection_patch_answers_one_line_per_product(api: Api, sim: AkeneoSimulator) -> None:
    first = answers(api.patch_lines([line({"identifier": "cap"}), line({"identifier": "mug"})]))
    assert first == [
        {"line": 1, "identifier": "cap", "status_code": 201},
        {"line": 2, "identifier": "mug", "status_code": 201},
    ]
    second = answers(api.patch_lines([line({"identifier": "cap", "enabled": False})]))
    assert second == [{"line": 1, "identifier": "cap", "status_code": 204}]
    assert sim.products["cap"]["enabled"] is False
    assert sim.stats()["product_lines"] == {"201": 2, "204": 1}


def test_a_line_that_is_not_json_fails_alone(api: Api, sim: AkeneoSimulator) -> None:
    result = answers(
        api.patch_lines([line({"identifier": "a"}), b"{not json", b"[1, 2]", line({"identifier": "b"})])
    )
    assert [r["status_code"] for r in result] == [201, 400, 400, 201]
    assert result[1] == {"line": 2, "status_code": 400, "message": "Invalid json message received"}
    assert set(sim.products) == {"a", "b"}


def test_a_line_without_identifier_is_a_422(api: Api) -> None:
    result = answers(api.patch_lines([line({"family": None}), line({"identifier": 12})]))
    assert result == [
        {"line": 1, "status_code": 422, "message": "Identifier is missing."},
        {"line": 2, "status_code": 422, "message": "Identifier is missing."},
    ]


@pytest.mark.parametrize(
    ("identifier", "message"),
    [
        ("foo,", "This field should not contain any comma or semicolon or leading/trailing space"),
        ("a;b", "This field should not contain any comma or semicolon or leading/trailing space"),
        (" cap", "This field should not contain any comma or semicolon or leading/trailing space"),
        ("cap\u00a0", "This field should not contain any comma or semicolon or leading/trailing space"),
        ("cap\nred", "This field should not contain any line break"),
        ("x" * 256, "This value is too long. It should have 255 characters or less."),
    ],
)
def test_identifiers_akeneo_refuses_are_violations(api: Api, sim: AkeneoSimulator, identifier: str,
                                                  message: str) -> None:
    """Akeneo's own wording (its API tests): `{"property": "identifier", "message": ...}`, nothing stored."""
    (result,) = answers(api.patch_lines([line({"identifier": identifier})]))
    assert result == {
        "line": 1, "identifier": identifier, "status_code": 422, "message": "Validation failed.",
        "errors": [{"property": "identifier", "message": message}],
    }
    assert sim.products == {}


def test_an_invalid_product_fails_alone_with_message_and_errors(api: Api, sim: AkeneoSimulator) -> None:
    bad = {"identifier": "bad", "values": {"color": value("purple")}}
    result = answers(api.patch_lines([line({"identifier": "good"}), line(bad)]))
    assert result[0]["status_code"] == 201
    assert result[1] == {
        "line": 2,
        "identifier": "bad",
        "status_code": 422,
        "message": "Validation failed.",
        "errors": [
            {
                "property": "values",
                "attribute": "color",
                "locale": None,
                "scope": None,
                "message": "The purple value is not in the color attribute option list.",
            }
        ],
    }
    assert "bad" not in sim.products


def test_more_than_100_lines_is_a_413_and_nothing_is_stored(api: Api, sim: AkeneoSimulator) -> None:
    too_many = api.patch_lines([line({"identifier": f"p{i}"}) for i in range(101)])
    assert too_many.status_code == 413
    assert too_many.json() == {
        "code": 413,
        "message": "Too many resources to process, 100 is the maximum allowed.",
    }
    assert sim.products == {}
    exactly = answers(api.patch_lines([line({"identifier": f"p{i}"}) for i in range(100)]))
    assert len(exactly) == 100 and len(sim.products) == 100


def test_trailing_newline_does_not_count_as_a_line(api: Api) -> None:
    response = api.session.patch(
        api.url("/products"),
        data=line({"identifier": "x"}) + b"\n",
        headers={"Content-Type": COLLECTION},
        timeout=10,
    )
    assert answers(response) == [{"line": 1, "identifier": "x", "status_code": 201}]


def test_a_line_over_a_million_characters_is_refused_alone(api: Api) -> None:
    huge = {"identifier": "huge", "values": {"description": value("x" * 1_000_001, "en_US", "ecommerce")}}
    result = answers(api.patch_lines([line(huge), line({"identifier": "small"})]))
    assert result == [
        {"line": 1, "status_code": 413, "message": "Line is too long."},
        {"line": 2, "identifier": "small", "status_code": 201},
    ]


@pytest.mark.parametrize(
    ("content_type", "message"),
    [
        (
            None,
            'The "Content-Type" header is missing. '
            '"application/vnd.akeneo.collection+json" has to be specified as value.',
        ),
        (
            "application/json",
            '"application/json" in "Content-Type" header is not valid. Only '
            '"application/vnd.akeneo.collection+json" is allowed.',
        ),
    ],
)
def test_collection_patch_needs_the_collection_content_type(
    api: Api, sim: AkeneoSimulator, content_type: str | None, message: str
) -> None:
    response = api.patch_lines([line({"identifier": "x"})], content_type=content_type)
    assert response.status_code == 415
    assert response.json() == {"code": 415, "message": message}
    assert sim.products == {}


@pytest.mark.parametrize("identifier", ["a/b", "what?", "100%", "two words", "caf\u00e9-\u2603", "x#y"])
def test_single_product_round_trip_with_awkward_identifiers(
    api: Api, sim: AkeneoSimulator, identifier: str
) -> None:
    path = f"/products/{quote(identifier, safe='')}"
    created = api.patch_json(path, {"values": {"name": value("Name", "en_US")}})
    assert created.status_code == 201, created.text
    assert created.headers["Location"] == api.url(path)
    assert api.patch_json(path, {"identifier": identifier, "enabled": False}).status_code == 204
    got = api.get(path)
    assert got.status_code == 200
    assert got.json()["identifier"] == identifier
    assert got.json()["enabled"] is False
    assert api.session.delete(api.url(path), timeout=10).status_code == 204
    assert identifier not in sim.products


@pytest.mark.parametrize("raw", ["..", "%2E%2E", ".", "%2e"])
def test_dot_segments_are_resolved_before_routing_and_never_name_a_product(
    api: Api, sim: AkeneoSimulator, raw: str
) -> None:
    """As behind Akeneo's web server: `/products/..` is `/api/rest/v1/`, `/products/.` is `/products/`."""
    sim.seed_products([{"identifier": "."}, {"identifier": ".."}])
    host, port = sim.base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)  # sends the path unnormalised
    try:
        bearer = {"Authorization": f"Bearer {api.token['access_token']}"}
        connection.request("DELETE", f"{API}/products/{raw}", headers=bearer)
        answer = connection.getresponse()
        answer.read()
    finally:
        connection.close()
    assert answer.status == 404
    assert {".", ".."} <= set(sim.products)
    assert sim.request_count("DELETE", f"{API}/products/{{code}}") == 0


def test_single_patch_rejects_an_identifier_that_differs_from_the_url(api: Api) -> None:
    response = api.patch_json("/products/one", {"identifier": "two"})
    assert response.status_code == 422
    assert response.json()["message"] == (
        'The identifier "two" provided in the request body must match the '
        'identifier "one" provided in the url.'
    )


def test_single_patch_answers_validation_failures_as_one_422(api: Api) -> None:
    response = api.patch_json("/products/one", {"values": {"zoom": value(0)}})
    assert response.status_code == 422
    assert response.json() == {
        "code": 422,
        "message": "Validation failed.",
        "errors": [
            {
                "property": "values",
                "message": "The zoom attribute requires an equal or greater than 1 value.",
                "attribute": "zoom",
                "locale": None,
                "scope": None,
            }
        ],
    }


def test_single_patch_with_bad_json_or_content_type(api: Api) -> None:
    bad = api.session.patch(
        api.url("/products/one"), data=b"{", headers={"Content-Type": "application/json"}, timeout=10
    )
    assert bad.status_code == 400
    assert bad.json() == {"code": 400, "message": "Invalid json message received"}
    wrong = api.session.patch(
        api.url("/products/one"), data=b"{}", headers={"Content-Type": "text/csv"}, timeout=10
    )
    assert wrong.status_code == 415


def test_unknown_products_are_404(api: Api) -> None:
    message = 'Product "ghost" does not exist or you do not have permission to access it.'
    assert api.get("/products/ghost").json() == {"code": 404, "message": message}
    deleted = api.session.delete(api.url("/products/ghost"), timeout=10)
    assert deleted.status_code == 404
    assert deleted.json() == {"code": 404, "message": message}


def test_post_creates_once(api: Api) -> None:
    created = api.session.post(api.url("/products"), json={"identifier": "new"}, timeout=10)
    assert created.status_code == 201
    assert created.headers["Location"] == api.url("/products/new")
    again = api.session.post(api.url("/products"), json={"identifier": "new"}, timeout=10)
    assert again.status_code == 422
    assert again.json()["errors"][0]["property"] == "identifier"


def test_stored_product_has_akeneo_standard_format(api: Api) -> None:
    api.patch_json("/products/p", {"family": "printers", "categories": ["printers"]})
    product = api.get("/products/p").json()
    assert {
        "identifier",
        "uuid",
        "enabled",
        "family",
        "categories",
        "groups",
        "parent",
        "values",
        "created",
        "updated",
        "associations",
        "quantified_associations",
    } <= set(product)
    assert product["family"] == "printers"
    assert product["parent"] is None
    # Akeneo keeps the identifier as the value of the identifier attribute too.
    assert product["values"]["sku"] == value("p")


class TestMerge:
    """PATCH merges like Akeneo: per (attribute, locale, scope); lists replaced; null clears."""

    def test_values_merge_per_attribute_locale_and_scope(self, api: Api, sim: AkeneoSimulator) -> None:
        api.patch_json(
            "/products/m",
            {
                "values": {
                    "name": value("Name", "en_US") + value("Nom", "fr_FR"),
                    "description": value("Long", "en_US", "ecommerce") + value("Court", "fr_FR", "mobile"),
                    "color": value("black"),
                }
            },
        )
        api.patch_json(
            "/products/m",
            {
                "values": {
                    "name": value("Nom neuf", "fr_FR"),
                    "description": value("Longer", "en_US", "ecommerce"),
                }
            },
        )
        values = sim.products["m"]["values"]
        assert sorted((v["locale"], v["data"]) for v in values["name"]) == [
            ("en_US", "Name"),
            ("fr_FR", "Nom neuf"),
        ]
        assert sorted((v["locale"], v["scope"], v["data"]) for v in values["description"]) == [
            ("en_US", "ecommerce", "Longer"),
            ("fr_FR", "mobile", "Court"),
        ]
        assert values["color"] == value("black")

    def test_null_data_clears_one_value(self, api: Api, sim: AkeneoSimulator) -> None:
        api.patch_json(
            "/products/m",
            {"values": {"name": value("Name", "en_US") + value("Nom", "fr_FR"), "color": value("black")}},
        )
        api.patch_json("/products/m", {"values": {"name": value(None, "fr_FR"), "color": value(None)}})
        values = sim.products["m"]["values"]
        assert values["name"] == value("Name", "en_US")
        assert "color" not in values

    def test_lists_are_replaced_whole(self, api: Api, sim: AkeneoSimulator) -> None:
        api.patch_json(
            "/products/m",
            {"categories": ["master", "printers"], "values": {"functions": value(["copy", "fax"])}},
        )
        api.patch_json("/products/m", {"categories": ["printers"], "values": {"functions": value(["scan"])}})
        product = sim.products["m"]
        assert product["categories"] == ["printers"]
        assert product["values"]["functions"] == value(["scan"])

    def test_fields_not_sent_are_kept(self, api: Api, sim: AkeneoSimulator) -> None:
        api.patch_json(
            "/products/m", {"family": "printers", "enabled": False, "values": {"color": value("white")}}
        )
        api.patch_json("/products/m", {"values": {"name": value("N", "en_US")}})
        product = sim.products["m"]
        assert (product["family"], product["enabled"]) == ("printers", False)
        assert product["values"]["color"] == value("white")

    def test_associations_merge_per_type_and_kind(self, api: Api, sim: AkeneoSimulator) -> None:
        api.patch_json(
            "/products/m",
            {"associations": {"X_SELL": {"products": ["a"], "groups": []}, "UPSELL": {"products": ["b"]}}},
        )
        api.patch_json("/products/m", {"associations": {"X_SELL": {"products": ["c"]}}})
        assert sim.products["m"]["associations"] == {
            "X_SELL": {"products": ["c"], "groups": []},
            "UPSELL": {"products": ["b"]},
        }

    def test_option_codes_are_stored_in_akeneo_spelling(self, api: Api, sim: AkeneoSimulator) -> None:
        api.patch_json(
            "/products/m", {"values": {"color": value("RED"), "functions": value(["COPY", "Scan"])}}
        )
        values = sim.products["m"]["values"]
        assert values["color"] == value("Red")
        assert values["functions"] == value(["copy", "scan"])


def test_seed_products_validates_like_a_patch(sim: AkeneoSimulator) -> None:
    sim.seed_products([{"identifier": "s1", "values": {"color": value("black")}}])
    assert sim.products["s1"]["values"]["color"] == value("black")
    with pytest.raises(ValueError, match="s2"):
        sim.seed_products([{"identifier": "s2", "values": {"color": value("pink")}}])
    sim.clear_products()
    assert sim.products == {}


def test_products_list_route_is_counted_in_stats(api: Api, sim: AkeneoSimulator) -> None:
    api.patch_lines([line({"identifier": "x"})])
    api.get("/products/x")
    assert sim.request_count("PATCH", f"{API}/products", 200) == 1
    assert sim.request_count("GET", f"{API}/products/{{code}}", 200) == 1


def test_history_records_every_write_in_the_order_applied() -> None:
    with AkeneoSimulator(small_catalog(), record_history=True) as sim:
        api = Api(sim.base_url)
        api.patch_lines([line({"identifier": "h1", "enabled": True})])
        api.patch_lines([line({"identifier": "h1", "enabled": False}), line({"identifier": "h2"})])
        assert api.session.delete(api.url("/products/h1"), timeout=10).status_code == 204
        api.close()
        first, second = {"identifier": "h1", "enabled": True}, {"identifier": "h1", "enabled": False}
        assert sim.history("h1") == [first, second, None]
        assert sim.history("h2") == [{"identifier": "h2"}]
        assert sim.history("never") == []


def test_history_is_off_unless_asked_for(sim: AkeneoSimulator) -> None:
    with pytest.raises(RuntimeError, match="record_history"):
        sim.history("any")
