"""The mapping and the simulator agree on product model trees, over real HTTP with the real client.

* What the mapping emits for model rows and variant rows, the simulator accepts level by level:
  root models, sub-models, the ancestors' writes a variant row implies, then the variant product,
  each entity then holding exactly the values of its level.
* What the mapping rejects for its level, the simulator refuses too: the payload a mapping without
  level checks would send (everything on the product, or on the model) is a 422 naming the value.
* Random flat variant rows: whatever the mapping accepts, the simulator accepts.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from consumer.akeneo import AkeneoClient, LineResult
from consumer.catalog import ModelDirectory
from consumer.devstack.akeneo_sim import AkeneoSimulator
from consumer.mapping import Mapper, MapResult

from .support import SAMPLE, WITHOUT_VARIANTS

COMMON = {"name": "Parka", "description~en_US~ecommerce": "Warm", "price": "199.00 EUR<###>219.00 USD",
          "brand": "", "categories": "clothing", "collection": None}
LEVEL_1 = {"color": "blue", "material": "wool", "variation_name~en_US": "Blue parka", "composition": "wool"}
OWN = {"size": "m", "ean": "4006381333931", "weight": "1.50 KGM"}
ROWS = {  # (entity, code, row): a tree of each family variant, then flat variant rows
    "root of two levels": ("PRODUCT_MODEL", "parka", {"family_variant": "clothing_color_size", **COMMON}),
    "sub-model": ("PRODUCT_MODEL", "parka-blue", {"family_variant": "clothing_color_size", "parent": "parka",
                                                  **LEVEL_1}),
    "root of one level": ("PRODUCT_MODEL", "tee", {"family_variant": "clothing_size", "name": "Tee",
                                                  "color": "white", "material": "cotton"}),
    "variant of two levels": ("PRODUCT", "parka-blue-m", {"parent": "parka-blue", "family": "clothing",
                                                          **COMMON, **LEVEL_1, **OWN}),
    "variant of one level": ("PRODUCT", "tee-s", {"parent": "tee", "name": "Tee", "color": "white",
                                                  "size": "s", "sku": "tee-s"}),
}
MAPPER = Mapper(SAMPLE)


def _refused(results: list[LineResult]) -> list[tuple[str, int, Any, Any]]:
    return [(r.identifier, r.status_code, r.message, r.errors) for r in results if not r.ok]


def send(akeneo: AkeneoClient, entity: str, result: MapResult) -> list[tuple[str, int, Any, Any]]:
    """What the service sends for one mapped row: the ancestors' writes first, then its own."""
    assert result.ok and result.payload is not None, result.errors
    refused = _refused(akeneo.upsert_product_models([w.payload for w in result.models]))
    own = akeneo.upsert_product_models if entity == "PRODUCT_MODEL" else akeneo.upsert_products
    return refused + _refused(own([result.payload]))


@pytest.fixture(scope="module")
def directory(akeneo: AkeneoClient) -> ModelDirectory:
    """The models of ROWS as the service knows them once it has written them; the refusals of each."""
    known = ModelDirectory()
    for entity, code, row in ROWS.values():
        result = MAPPER.map_entity(entity, code, row, known.get)
        assert send(akeneo, entity, result) == [], (code, result)
        if result.model is not None:
            known.put(result.model)  # as the service records the models it wrote
    return known


def test_mapped_trees_are_accepted_level_by_level(sim: AkeneoSimulator, directory: ModelDirectory) -> None:
    assert len(directory) == 3
    models, products = sim.product_models, sim.products
    assert set(models["parka"]["values"]) == {"name", "description", "price"}  # common only
    assert set(models["parka-blue"]["values"]) == {"color", "material", "variation_name", "composition"}
    assert set(models["tee"]["values"]) == {"name", "color", "material"}
    assert set(products["parka-blue-m"]["values"]) == {"sku", "size", "ean", "weight"}
    assert set(products["tee-s"]["values"]) == {"sku", "size"}
    assert products["parka-blue-m"]["family"] == "clothing"


def test_the_wrong_level_is_refused_by_both(akeneo: AkeneoClient, directory: ModelDirectory) -> None:
    """Without level checks (a catalog without family variants) the mapping puts a variant row's
    values on the product, and a model row's on the model; the simulator refuses each misplaced
    value with Akeneo's message, as our mapping refuses or routes it."""
    _, code, row = ROWS["variant of two levels"]
    unrouted = Mapper(WITHOUT_VARIANTS).map(code, row)
    assert unrouted.payload is not None and unrouted.models == ()
    ((_, status, message, errors),) = _refused(akeneo.upsert_products([unrouted.payload]))
    assert (status, message) == (422, "Validation failed.")
    refused = {e["message"].split('"')[1] for e in errors}  # "Cannot set the property "name" to this ..."
    assert refused == {"name", "description", "price", "collection", "color", "material", "variation_name",
                       "composition"}
    root_with_color = {"family_variant": "clothing_color_size", "name": "Coat", "color": "red", "size": "l"}
    ours = MAPPER.map_model("coat", root_with_color, directory.get)
    assert [e["attribute"] for e in ours.errors] == ["color", "size"]
    unchecked = Mapper(WITHOUT_VARIANTS).map_model("coat", root_with_color)
    assert unchecked.payload is not None
    ((_, status, _message, errors),) = _refused(akeneo.upsert_product_models([unchecked.payload]))
    assert status == 422 and {e["message"].split('"')[1] for e in errors} == {"color", "size"}


@pytest.mark.parametrize(("entity", "code", "row", "unchecked"), [
    ("PRODUCT_MODEL", "parka-red", {"parent": "parka"},
     {"code": "parka-red", "parent": "parka", "values": {}}),
    ("PRODUCT_MODEL", "parka-x", {"parent": "parka-blue", "color": "red"},
     {"code": "parka-x", "parent": "parka-blue", "values": {"color": [{"locale": None, "scope": None,
                                                                      "data": "red"}]}}),
    ("PRODUCT_MODEL", "tee-sub", {"parent": "tee", "size": "m"},
     {"code": "tee-sub", "parent": "tee",
      "values": {"size": [{"locale": None, "scope": None, "data": "m"}]}}),
    ("PRODUCT", "parka-m", {"parent": "parka", "size": "m"},
     {"identifier": "parka-m", "parent": "parka", "values": {"size": [{"locale": None, "scope": None,
                                                                       "data": "m"}]}}),
    ("PRODUCT", "parka-blue-x", {"parent": "parka-blue"},
     {"identifier": "parka-blue-x", "parent": "parka-blue"}),
    ("PRODUCT", "parka-blue-f", {"parent": "parka-blue", "size": "l", "family": "shoes"},
     {"identifier": "parka-blue-f", "parent": "parka-blue", "family": "shoes",
      "values": {"size": [{"locale": None, "scope": None, "data": "l"}]}}),
])
def test_every_tree_rejection_is_also_the_simulators(
    akeneo: AkeneoClient, directory: ModelDirectory, entity: str, code: str, row: dict[str, str | None],
    unchecked: dict[str, Any],
) -> None:
    """Missing axis, sub-model under a sub-model, a sub-model of a one-level variant, a variant under
    a root of a two-level variant, a variant without its axis, a parent of another family."""
    result = MAPPER.map_entity(entity, code, row, directory.get)
    assert not result.ok and result.waiting_for is None and result.errors
    upsert = akeneo.upsert_product_models if entity == "PRODUCT_MODEL" else akeneo.upsert_products
    ((_, status, _message, _errors),) = _refused(upsert([unchecked]))
    assert status == 422


# Random flat rows of variants of parka-blue: per column, cells the mapping must accept, and others.
CELLS: dict[str, list[str | None]] = {
    "name": ["Parka", "", None], "description~en_US~ecommerce": ["Warm", None], "price": ["1 EUR", "x EUR"],
    "brand": [""], "color": ["blue", "BLUE"], "material": ["wool", "cotton", "silk"],
    "variation_name~en_US": ["Blue", None], "composition": ["wool"], "ean": ["123", None],
    "weight": ["1 KGM", "2.5 kg", "heavy"], "family": ["clothing", "shoes"], "optical_zoom": ["", "3"],
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(row=st.fixed_dictionaries({}, optional={c: st.sampled_from(v) for c, v in CELLS.items()}),
       size=st.sampled_from(["xxs", "xs", "s", "l", "xl", "xxl", "xxxl"]))
def test_random_variant_rows_the_mapping_accepts_are_accepted(
    akeneo: AkeneoClient, directory: ModelDirectory, row: dict[str, str | None], size: str
) -> None:
    code = f"parka-blue-{size}"
    result = MAPPER.map(code, {"parent": "parka-blue", "size": size, **row}, directory.get)
    assert result.waiting_for is None
    event("accepted" if result.ok else "rejected")
    if result.ok:
        assert send(akeneo, "PRODUCT", result) == [], (row, result)
