"""Family variants in the catalog: read from the catalog JSON, indexed by code, levels per attribute."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from consumer.catalog import Catalog, CatalogError
from consumer.devstack.sim_catalog import load_sample_catalog

SAMPLE = load_sample_catalog()
API_DOCS = Path(__file__).resolve().parents[2] / "data" / "akeneo" / "api-docs"
DOCUMENTED = json.loads((API_DOCS / "family_variant_clothing_color_size.json").read_text())
ONE_LEVEL = {"code": "clothing_size", "labels": {"en_US": "Clothing by size"}, "variant_attribute_sets": [
    {"level": 1, "axes": ["size"], "attributes": ["ean", "weight", "sku"]}]}


def _with_variants(variants: Any) -> dict[str, Any]:
    return {**copy.deepcopy(SAMPLE), "family_variants": variants}


def test_levels_axes_and_common_attributes_of_akenos_documented_variant() -> None:
    catalog = Catalog.from_json(_with_variants({"clothing": [DOCUMENTED, ONE_LEVEL]}))
    assert catalog.family_variants is not None
    two = catalog.family_variants["clothing_color_size"]
    assert (two.family, two.levels, two.axes) == ("clothing", 2, (("color",), ("size",)))
    levels = [two.level_of(a) for a in ("name", "color", "material", "size", "ean", "sku")]
    assert levels == [0, 1, 1, 2, 2, 2]
    one = catalog.family_variants["clothing_size"]
    assert (one.levels, one.axes_of(1), one.axes_of(2)) == (1, ("size",), ())
    assert [one.level_of(a) for a in ("size", "ean", "color", "name")] == [1, 1, 0, 0]  # axes: their level's
    assert one.describe(0).startswith("the root product model")
    assert two.describe(1).startswith("the sub-models") and two.describe(2).startswith("the variant products")


def test_round_trip_keeps_the_items_and_old_catalog_json_still_loads() -> None:
    data = _with_variants({"clothing": [DOCUMENTED]})
    assert Catalog.from_json(copy.deepcopy(data)).to_json() == data
    old = {k: v for k, v in SAMPLE.items() if k != "family_variants"}
    catalog = Catalog.from_json(old)
    assert catalog.family_variants is None  # unknown, not "none": the mapping then checks no levels
    assert "family_variants" not in catalog.summary()
    assert Catalog.from_json(data).summary()["family_variants"] == 1


def test_malformed_attribute_sets_are_read_leniently() -> None:
    odd = {"code": "odd", "variant_attribute_sets": [
        "nonsense", {"level": True, "axes": ["x"]}, {"level": 3, "attributes": ["y"]},
        {"level": 1, "axes": "size", "attributes": ["size", 7, "ean"]},
    ]}
    info = Catalog.from_json(_with_variants({"clothing": [odd, {"code": "bare"}]})).family_variants
    assert info is not None
    assert (info["odd"].levels, info["odd"].axes, info["odd"].level_of("ean")) == (1, ((),), 1)
    assert info["bare"].level_of("anything") == 0


@pytest.mark.parametrize(("variants", "problem"), [
    ([], "family_variants must map family codes to lists of family variants"),
    ({"clothing": {"code": "x"}}, "family_variants must map family codes to lists of family variants"),
    ({"clothing": [{"labels": {}}]}, "family_variants.clothing[0] must be an object with a string code"),
])
def test_unusable_family_variants_are_refused(variants: Any, problem: str) -> None:
    with pytest.raises(CatalogError) as caught:
        Catalog.from_json(_with_variants(variants))
    assert str(caught.value) == problem
