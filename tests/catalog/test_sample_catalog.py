"""The shipped sample catalog and unit table: Akeneo's shapes, complete families, valid codes."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOG = json.loads((ROOT / "consumer/devstack/data/icecat_catalog.json").read_text(encoding="utf-8"))
UNITS = json.loads((ROOT / "consumer/mapping/units.json").read_text(encoding="utf-8"))
# Akeneo's OpenAPI description (see data/akeneo/README.md).
SPEC = json.loads((ROOT / "data/akeneo/akeneo-web-api.json").read_text(encoding="utf-8"))

ATTRIBUTE_TYPES = {
    "pim_catalog_identifier", "pim_catalog_metric", "pim_catalog_number",
    "pim_catalog_reference_data_multi_select", "pim_catalog_reference_data_simple_select",
    "pim_catalog_simpleselect", "pim_catalog_multiselect", "pim_catalog_date", "pim_catalog_textarea",
    "pim_catalog_text", "pim_catalog_file", "pim_catalog_image", "pim_catalog_price_collection",
    "pim_catalog_boolean", "akeneo_reference_entity", "akeneo_reference_entity_collection",
    "pim_catalog_asset_collection", "pim_catalog_product_link", "pim_catalog_table",
}
# The properties of an attribute item in GET /attributes (the spec's own example).
ATTRIBUTE_KEYS = {
    "code", "type", "group", "unique", "useable_as_grid_filter", "allowed_extensions", "metric_family",
    "default_metric_unit", "reference_data_name", "available_locales", "max_characters", "validation_rule",
    "validation_regexp", "wysiwyg_enabled", "number_min", "number_max", "decimals_allowed",
    "negative_allowed", "date_min", "date_max", "max_file_size", "minimum_input_length", "sort_order",
    "localizable", "scopable", "default_value", "labels", "is_mandatory", "decimal_places_strategy",
    "decimal_places",
}


def _by_code(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["code"]: item for item in items}


def test_every_attribute_has_the_list_endpoint_shape() -> None:
    for attribute in CATALOG["attributes"]:
        assert set(attribute) >= ATTRIBUTE_KEYS, attribute["code"]
        assert attribute["type"] in ATTRIBUTE_TYPES
        assert isinstance(attribute["localizable"], bool) and isinstance(attribute["scopable"], bool)


def test_spec_example_attribute_keys_are_all_present() -> None:
    example = SPEC["definitions"]["Attribute"]["example"]
    sample = _by_code(CATALOG["attributes"])["release_date"]
    assert set(example) - {"group_labels"} <= set(sample)


def test_every_attribute_type_is_represented() -> None:
    assert {a["type"] for a in CATALOG["attributes"]} == ATTRIBUTE_TYPES


def test_icecat_attributes_keep_their_flags() -> None:
    attributes = _by_code(CATALOG["attributes"])
    assert attributes["description"]["localizable"] and attributes["description"]["scopable"]
    assert attributes["weight"]["metric_family"] == "Weight"
    assert attributes["weight"]["default_metric_unit"] == "KILOGRAM"
    assert attributes["picture"]["allowed_extensions"] == ["jpg", "jpeg", "gif", "png"]
    assert attributes["sku"]["unique"] is True
    assert attributes["name"]["labels"]["fr_FR"] == "Nom"


def test_options_belong_to_select_attributes() -> None:
    attributes = _by_code(CATALOG["attributes"])
    for code, options in CATALOG["attribute_options"].items():
        assert attributes[code]["type"] in ("pim_catalog_simpleselect", "pim_catalog_multiselect")
        assert all(o["attribute"] == code for o in options)
    assert "ccd" in {o["code"] for o in CATALOG["attribute_options"]["sensor_type"]}


def test_channels_locales_and_currencies() -> None:
    channels = _by_code(CATALOG["channels"])
    assert set(channels) == {"ecommerce", "mobile", "print"}
    assert all(set(c) >= {"code", "locales", "currencies", "category_tree"} for c in channels.values())
    enabled = {loc["code"] for loc in CATALOG["locales"] if loc["enabled"]}
    assert enabled == {"en_US", "fr_FR", "de_DE"}
    assert len(CATALOG["locales"]) > len(enabled)
    assert {c["code"] for c in CATALOG["currencies"] if c["enabled"]} == {"EUR", "USD"}
    assert any(not c["enabled"] for c in CATALOG["currencies"])
    for channel in channels.values():
        assert set(channel["locales"]) <= enabled


def test_families_and_categories_refer_to_existing_things() -> None:
    attributes = set(_by_code(CATALOG["attributes"]))
    for family in CATALOG["families"]:
        assert set(family["attributes"]) <= attributes
        assert family["attribute_as_label"] in family["attributes"]
    categories = _by_code(CATALOG["categories"])
    assert all(c["parent"] is None or c["parent"] in categories for c in categories.values())
    assert all(ch["category_tree"] in categories for ch in CATALOG["channels"])


@pytest.mark.parametrize("family", CATALOG["measurement_families"], ids=lambda f: f["code"])
def test_measurement_family_shape(family: dict[str, Any]) -> None:
    assert family["standard_unit_code"] in family["units"]
    for code, unit in family["units"].items():
        assert unit["code"] == code and isinstance(unit["symbol"], str)
        assert unit["convert_from_standard"], code
        for step in unit["convert_from_standard"]:
            assert step["operator"] in ("mul", "div", "add", "sub")
            assert re.fullmatch(r"-?\d+(\.\d+)?", step["value"]), step
            Decimal(step["value"])


def test_weight_family_has_akeneo_core_units_with_recommendation_20_codes() -> None:
    weight = _by_code(CATALOG["measurement_families"])["Weight"]
    core = {"MILLIGRAM", "GRAM", "KILOGRAM", "TON", "GRAIN", "DENIER", "ONCE", "MARC", "LIVRE", "POUND",
            "OUNCE", "MICROGRAM"}
    assert core <= set(weight["units"])
    assert weight["standard_unit_code"] == "KILOGRAM"
    codes = {unit: entry["unece_code"] for unit, entry in UNITS["Weight"].items()}
    assert {codes[u] for u in ("MILLIGRAM", "GRAM", "KILOGRAM", "TON", "POUND", "OUNCE", "GRAIN")} == {
        "MGM", "GRM", "KGM", "TNE", "LBR", "ONZ", "GRN"}


def test_unit_table_matches_the_families_and_holds_only_real_codes() -> None:
    families = _by_code(CATALOG["measurement_families"])
    assert set(UNITS) == set(families)
    for family, units in UNITS.items():
        assert set(units) == set(families[family]["units"])
        codes = [u["unece_code"] for u in units.values() if u["unece_code"] is not None]
        assert len(codes) == len(set(codes)), family  # a code names one unit of a family
        assert all(re.fullmatch(r"[A-Z0-9]{2,3}", c) for c in codes), family
    assert UNITS["Length"]["MILLIMETER"]["unece_code"] == "MMT"
    assert UNITS["Volume"]["CUBIC_FOOT"]["unece_code"] == "FTQ"  # the source said "cubic foot"


def test_the_clothing_family_variants_one_level_and_akeneos_documented_two_level() -> None:
    variants = {v["code"]: v for v in CATALOG["family_variants"]["clothing"]}
    api_docs = ROOT / "data" / "akeneo" / "api-docs"
    documented = json.loads((api_docs / "family_variant_clothing_color_size.json").read_bytes())
    assert variants["clothing_color_size"] == documented  # exactly as Akeneo's documentation shows it
    (one_level,) = variants["clothing_size"]["variant_attribute_sets"]
    assert (one_level["axes"], set(one_level["attributes"])) == (["size"], {"size", "ean", "weight", "sku"})
    clothing = _by_code(CATALOG["families"])["clothing"]["attributes"]
    for variant in variants.values():
        for level in variant["variant_attribute_sets"]:
            assert set(level["attributes"]) <= set(clothing)
            for axis in level["axes"]:  # axes are selects with options to choose from
                assert len(CATALOG["attribute_options"][axis]) >= 5, axis
