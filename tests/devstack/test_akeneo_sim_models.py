"""Product models and variant products: the tree rules Akeneo enforces, worded as Akeneo words them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import requests

from consumer.devstack.akeneo_sim import AkeneoSimulator

from .support import COLLECTION, Api, variant_catalog


def value(data: Any, locale: str | None = None, scope: str | None = None) -> list[dict[str, Any]]:
    return [{"locale": locale, "scope": scope, "data": data}]


NAME = {"name": value("Jacket", "en_US")}
ROOT = {"code": "jacket", "family_variant": "clothing_color_size", "values": NAME}
BLUE = {"code": "jacket-blue", "parent": "jacket",
        "values": {"color": value("white"), "material": value("wool")}}
TEE = {"code": "tee", "family_variant": "clothing_size", "values": {"name": value("Tee", "en_US")}}


@pytest.fixture
def sim() -> Iterator[AkeneoSimulator]:
    """The conftest's ``api`` is on this simulator."""
    with AkeneoSimulator(variant_catalog(), record_history=True) as simulator:
        yield simulator


def models(api: Api, *items: dict[str, Any]) -> list[dict[str, Any]]:
    response = api.patch_lines([orjson.dumps(i) for i in items], path="/product-models")
    assert response.status_code == 200 and response.headers["Content-Type"] == COLLECTION, response.text
    return [orjson.loads(raw) for raw in response.content.split(b"\n")]


def products(api: Api, *items: dict[str, Any]) -> list[dict[str, Any]]:
    response = api.patch_lines([orjson.dumps(i) for i in items])
    assert response.status_code == 200, response.text
    return [orjson.loads(raw) for raw in response.content.split(b"\n")]


def messages(answer: dict[str, Any]) -> list[tuple[str, str]]:
    assert answer["status_code"] == 422, answer
    return [(e["property"], e["message"]) for e in answer.get("errors", [])] or [("", answer["message"])]


def not_in_set(attribute: str) -> tuple[str, str]:
    return ("attribute", f'Cannot set the property "{attribute}" to this entity as it is not in the '
                         "attribute set")


def test_a_two_level_tree_answers_with_codes_and_stores_each_level(api: Api, sim: AkeneoSimulator) -> None:
    assert models(api, ROOT, BLUE) == [
        {"line": 1, "code": "jacket", "status_code": 201},
        {"line": 2, "code": "jacket-blue", "status_code": 201},
    ]
    variant = {"identifier": "jacket-blue-m", "parent": "jacket-blue", "values": {"size": value("m")}}
    assert products(api, variant) == [{"line": 1, "identifier": "jacket-blue-m", "status_code": 201}]
    blue = sim.product_models["jacket-blue"]
    assert (blue["family_variant"], blue["family"]) == ("clothing_color_size", "clothing")
    assert set(blue["values"]) == {"color", "material"}  # what it holds itself
    stored = sim.products["jacket-blue-m"]
    assert stored["family"] == "clothing"  # a variant product's family is its parent's
    assert set(stored["values"]) == {"size", "sku"}
    # GET answers with the inherited values too, as Akeneo does
    inherited = {"size", "sku", "color", "material", "name"}
    assert set(api.get("/products/jacket-blue-m").json()["values"]) == inherited
    assert set(api.get("/product-models/jacket-blue").json()["values"]) == {"color", "material", "name"}
    assert sim.stats()["product_model_lines"] == {"201": 2} and sim.stats()["product_models_stored"] == 2
    coat = {"code": "jacket", "values": {"name": value("Coat", "en_US")}}
    assert models(api, coat)[0]["status_code"] == 204
    assert sim.model_history("jacket")[-1] == coat  # what was sent, not what Akeneo derived


def test_values_of_another_level_are_refused_with_akeneos_message(api: Api) -> None:
    models(api, ROOT)
    root_with_color = {**ROOT, "values": {**NAME, "color": value("white")}}
    assert messages(models(api, root_with_color)[0]) == [not_in_set("color")]
    sub_with_name = {**BLUE, "values": {**BLUE["values"], "name": value("Blue", "en_US")}}
    assert messages(models(api, sub_with_name)[0]) == [not_in_set("name")]
    models(api, BLUE)
    variant = {"identifier": "v-1", "parent": "jacket-blue",
               "values": {"size": value("m"), "material": value("wool")}}
    assert messages(products(api, variant)[0]) == [not_in_set("material")]


@pytest.mark.parametrize(("model", "expected"), [
    ({"code": "x", "parent": "nowhere", "values": {}},
     'Property "parent" expects a valid parent code. The parent product model does not exist, "nowhere" '
     "given. Check the expected format on the API documentation."),
    ({"code": "x", "family_variant": "nope"},
     'Property "family_variant" expects a valid family variant code. The family variant does not exist, '
     '"nope" given. Check the expected format on the API documentation.'),
    ({"code": "x", "family_variant": "clothing_size", "parent": "jacket"},
     'The parent is not a product model of the family variant "clothing_size" but belongs to the family '
     '"clothing_color_size". Check the expected format on the API documentation.'),
    ({"code": "jacket", "family_variant": "clothing_size"},
     'Property "family_variant" cannot be modified, "clothing_size" given. Check the expected format on the '
     "API documentation."),
    ({"code": "jacket", "parent": "tee"},
     'Property "parent" cannot be modified, "tee" given. Check the expected format on the API '
     "documentation."),
])
def test_structure_errors_about_parents_and_family_variants(
    api: Api, model: dict[str, Any], expected: str
) -> None:
    models(api, ROOT, TEE)
    (answer,) = models(api, model)
    assert answer["status_code"] == 422 and answer["message"] == expected
    assert answer["_links"]["documentation"]["href"].endswith("#patch_product_models")


def test_tree_violations(api: Api) -> None:
    models(api, ROOT, BLUE, TEE)
    assert messages(models(api, {"code": "y", "values": {}})[0]) == [
        ("family_variant", "The product model family variant must not be empty.")]
    assert messages(models(api, {"code": "tee-x", "parent": "tee", "values": {"size": value("m")}})[0]) == [
        ("parent", 'The product model "tee-x" cannot have a parent')]
    sub_of_sub = {"code": "deep", "parent": "jacket-blue", "values": {"color": value("black")}}
    assert ("parent", 'The product model "deep" cannot have the product model "jacket-blue" as parent') in (
        messages(models(api, sub_of_sub)[0]))
    under_root = {"identifier": "v-2", "parent": "jacket", "values": {"size": value("m")}}
    assert messages(products(api, under_root)[0])[0] == ("parent", (
        'The variant product "v-2" cannot have product model "jacket" as parent, '
        "(this product model can only have other product models as children)"))
    other_family = {"identifier": "v-3", "parent": "tee", "family": "printers",
                    "values": {"size": value("s")}}
    assert messages(products(api, other_family)[0]) == [
        ("family", "The variant product family must be the same than its parent")]
    unknown = {"identifier": "v-4", "parent": "nowhere", "values": {}}
    assert "The parent product model does not exist" in products(api, unknown)[0]["message"]


def test_axes_are_required_unique_among_siblings_and_fixed(api: Api) -> None:
    models(api, ROOT, TEE)
    assert messages(models(api, {"code": "jacket-x", "parent": "jacket", "values": {}})[0]) == [
        ("attribute", 'Attribute "color" cannot be empty, as it is defined as an axis for this entity')]
    models(api, BLUE)
    twin = {**BLUE, "code": "jacket-twin"}
    assert messages(models(api, twin)[0]) == [("attribute", (
        'Cannot set value "[white]" for the attribute axis "color", as another sibling entity already has '
        "this value"))]
    assert products(api, {"identifier": "tee-s", "parent": "tee", "values": {"size": value("S")}})[0][
        "status_code"] == 201  # option codes match ignoring case, as for any select
    again = products(api, {"identifier": "tee-s2", "parent": "tee", "values": {"size": value("s")}})[0]
    assert "another sibling entity already has this value" in messages(again)[0][1]
    assert products(api, {"identifier": "tee-s", "values": {"ean": value("123")}})[0]["status_code"] == 204
    changed = products(api, {"identifier": "tee-s", "values": {"size": value("m")}})[0]
    assert messages(changed) == [("attribute", 'Variant axis "size" cannot be modified, "[m]" given')]


def test_deleting_a_model_deletes_its_tree(api: Api, sim: AkeneoSimulator) -> None:
    models(api, ROOT, BLUE, TEE)
    products(api, {"identifier": "jacket-blue-m", "parent": "jacket-blue", "values": {"size": value("m")}},
             {"identifier": "tee-s", "parent": "tee", "values": {"size": value("s")}})
    assert api.session.delete(api.url("/product-models/jacket"), timeout=10).status_code == 204
    assert set(sim.product_models) == {"tee"} and set(sim.products) == {"tee-s"}
    gone = api.session.delete(api.url("/product-models/jacket"), timeout=10)
    assert (gone.status_code, gone.json()["message"]) == (
        404, 'Product model "jacket" does not exist or you do not have permission to access it.')


def test_one_model_patch_and_its_answers(api: Api) -> None:
    created = api.patch_json("/product-models/jacket", ROOT)
    assert created.status_code == 201
    assert created.headers["Location"].endswith("/api/rest/v1/product-models/jacket")
    mismatch = api.patch_json("/product-models/jacket", {"code": "coat"})
    assert (mismatch.status_code, mismatch.json()["message"]) == (
        422, 'The code "coat" provided in the request body must match the code "jacket" provided in the url.')
    assert api.patch_json("/product-models/jacket", {"values": NAME}).status_code == 204
    assert models(api, {"family_variant": "clothing_size"}) == [
        {"line": 1, "status_code": 422, "message": "Code is missing."}]


def test_lists_page_through_models_and_family_variants(api: Api, sim: AkeneoSimulator) -> None:
    sim.seed_product_models([ROOT, BLUE, TEE])
    page = api.get("/product-models?limit=2&with_count=true").json()
    assert [m["code"] for m in page["_embedded"]["items"]] == ["jacket", "jacket-blue"]
    assert page["items_count"] == 3 and "next" in page["_links"]
    after = api.get("/product-models?pagination_type=search_after&limit=2&search_after=jacket-blue").json()
    assert [m["code"] for m in after["_embedded"]["items"]] == ["tee"]
    variants = api.get("/families/clothing/variants?limit=1").json()
    assert [v["code"] for v in variants["_embedded"]["items"]] == ["clothing_size"]
    assert variants["_embedded"]["items"][0]["variant_attribute_sets"][0]["axes"] == ["size"]
    assert api.get("/families/printers/variants").json()["_embedded"]["items"] == []
    inspected = requests.get(f"{sim.base_url}/_sim/product-models", timeout=10).json()
    assert inspected.keys() == {"jacket", "jacket-blue", "tee"}
    with pytest.raises(ValueError, match="cannot seed product model 'x'"):
        sim.seed_product_models([{"code": "x", "family_variant": "nope"}])
