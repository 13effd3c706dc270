#!/usr/bin/env python3
"""Build the sample catalog and the unit table from Akeneo's public reference data.

Reads ``<source>/icecat/*.csv`` (Akeneo's demo attributes and options), ``<source>/measures/*.yml``
(ExtendedMeasureBundle measurement families) and ``<source>/api-docs/family_variant_*.json`` (the
family variant Akeneo's documentation shows) and writes:

* ``consumer/devstack/data/icecat_catalog.json``: the contract's catalog JSON, every item in the shape
  of Akeneo's own list endpoints (without the server-specific ``_links``);
* ``consumer/mapping/units.json``: per measurement family, per Akeneo unit code, its symbol,
  alternative symbols and UN/CEFACT common code (Recommendation 20), for the mapping's unit lookup.

Usage: ``python scripts/build_sample_catalog.py [--source data/akeneo] [--check]``.
``--check`` exits 1 when the committed files differ from what the sources give.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
CATALOG_OUT = ROOT / "consumer" / "devstack" / "data" / "icecat_catalog.json"
UNITS_OUT = ROOT / "consumer" / "mapping" / "units.json"

LOCALES = [("en_US", True), ("fr_FR", True), ("de_DE", True), ("es_ES", False), ("it_IT", False),
           ("nl_NL", False), ("ja_JP", False)]
CURRENCIES = [("EUR", True, "Euro"), ("USD", True, "US Dollar"), ("GBP", False, "British Pound"),
              ("CHF", False, "Swiss Franc"), ("JPY", False, "Japanese Yen")]
CHANNELS = [
    # print deliberately lacks fr_FR so tests can check "locale not bound to channel".
    ("ecommerce", ["de_DE", "en_US", "fr_FR"],
     {"en_US": "Ecommerce", "de_DE": "Ecommerce", "fr_FR": "E-commerce"}),
    ("mobile", ["de_DE", "en_US", "fr_FR"], {"en_US": "Mobile", "de_DE": "Mobil", "fr_FR": "Mobile"}),
    ("print", ["de_DE", "en_US"], {"en_US": "Print", "de_DE": "Drucken", "fr_FR": "Impression"}),
]

# Akeneo's core units the bundle's files leave out (they only extend the core families), with their
# conversion to the standard unit and, where Recommendation 20 has one, their UN/CEFACT common code.
# (unit code, [(operator, value)...], symbol, unece code or None)
CORE_UNITS: dict[str, tuple[str, list[tuple[str, list[tuple[str, str]], str, str | None]]]] = {
    "Weight": ("KILOGRAM", [
        ("MILLIGRAM", [("mul", "0.000001")], "mg", "MGM"),
        ("GRAM", [("mul", "0.001")], "g", "GRM"),
        ("KILOGRAM", [("mul", "1")], "kg", "KGM"),
        ("TON", [("mul", "1000")], "t", "TNE"),
        ("GRAIN", [("mul", "0.00006479891")], "gr", "GRN"),
        ("DENIER", [("mul", "0.001275")], "denier", None),
        ("ONCE", [("mul", "0.03059")], "once", None),
        ("MARC", [("mul", "0.24475")], "marc", None),
        ("LIVRE", [("mul", "0.4895")], "livre", None),
        ("OUNCE", [("mul", "0.45359237"), ("div", "16")], "oz", "ONZ"),
        ("POUND", [("mul", "0.45359237")], "lb", "LBR"),
    ]),
    "Binary": ("BYTE", [
        ("BYTE", [("mul", "1")], "B", "AD"),
        ("GIGABYTE", [("mul", "1073741824")], "GB", "E34"),
        ("TERABYTE", [("mul", "1099511627776")], "TB", "E35"),
    ]),
    "Intensity": ("AMPERE", [
        ("MILLIAMPERE", [("mul", "0.001")], "mA", "4K"),
        ("CENTIAMPERE", [("mul", "0.01")], "cA", None),
        ("DECIAMPERE", [("mul", "0.1")], "dA", None),
        ("AMPERE", [("mul", "1")], "A", "AMP"),
        ("DEKAMPERE", [("mul", "10")], "daA", None),
        ("HECTOAMPERE", [("mul", "100")], "hA", None),
        ("KILOAMPERE", [("mul", "1000")], "kA", "B22"),
        ("MEGAAMPERE", [("mul", "1000000")], "MA", "H38"),
    ]),
    "Pressure": ("BAR", [
        ("BAR", [("mul", "1")], "Bar", "BAR"),
        ("PSI", [("mul", "0.0689476")], "psi", "PS"),
        ("TORR", [("mul", "0.00133322")], "Torr", "UA"),
        ("MMHG", [("mul", "0.00133322")], "mmHg", None),
    ]),
    "Length": ("METER", []),
    "Resistance": ("OHM", []),
}
# Recommendation 20 codes for units the bundle gives none (or a wrong one) for.
UNECE_FIXES: dict[tuple[str, str], str] = {
    ("Weight", "MICROGRAM"): "MC",
    ("Binary", "BIT"): "A99",
    ("Binary", "KILOBYTE"): "2P",
    ("Binary", "MEGABYTE"): "4L",
    ("Temperature", "CELSIUS"): "CEL",
    ("Temperature", "FAHRENHEIT"): "FAH",
    ("Temperature", "KELVIN"): "KEL",
    ("Intensity", "MICROAMPERE"): "B84",
    ("Pressure", "KILOBAR"): "KBA",  # the bundle repeats HECTOBAR's HBA
    ("Volume", "CUBIC_FOOT"): "FTQ",  # the bundle's value is the words "cubic foot"
}
# luminous_efficacity.yml declares its lumen-per-watt unit under "LuminousIntensity", which would
# mix two dimensions in one family; it is its own family here.
FAMILY_RENAMES = {("luminous_efficacity.yml", "LuminousIntensity"): "LuminousEfficacity"}
IDENTITY = [{"operator": "mul", "value": "1"}]
UNECE_RE = re.compile(r"^[A-Z0-9]{2,3}$")

# Attributes beyond the icecat fixtures, so every attribute type and rule Akeneo has is represented.
EXTRA_ATTRIBUTES: list[dict[str, Any]] = [
    {"code": "seo_title", "type": "pim_catalog_text", "group": "ecommerce", "localizable": True,
     "scopable": True, "max_characters": 70, "labels": {"en_US": "SEO title"}},
    {"code": "local_certification", "type": "pim_catalog_text", "group": "erp", "localizable": True,
     "available_locales": ["de_DE"], "labels": {"en_US": "German certification"}},
    {"code": "gtin", "type": "pim_catalog_text", "group": "erp", "validation_rule": "regexp",
     "validation_regexp": "/^[0-9]{8,14}$/", "labels": {"en_US": "GTIN"}},
    {"code": "warranty_end", "type": "pim_catalog_date", "group": "erp",
     "date_min": "2000-01-01T00:00:00+00:00", "date_max": "2099-12-31T00:00:00+00:00",
     "labels": {"en_US": "Warranty end"}},
    {"code": "operating_temperature_min", "type": "pim_catalog_number", "group": "technical",
     "decimals_allowed": True, "negative_allowed": True, "number_min": "-60.0000", "number_max": "100.0000",
     "labels": {"en_US": "Minimum operating temperature"}},
    {"code": "rating", "type": "pim_catalog_number", "group": "marketing", "decimals_allowed": False,
     "negative_allowed": False, "number_min": "1", "number_max": "5", "labels": {"en_US": "Rating"}},
    {"code": "special_price", "type": "pim_catalog_price_collection", "group": "erp", "scopable": True,
     "decimals_allowed": True, "labels": {"en_US": "Special price"}},
    {"code": "shipping_weight", "type": "pim_catalog_metric", "group": "technical", "scopable": True,
     "metric_family": "Weight", "default_metric_unit": "KILOGRAM", "decimals_allowed": True,
     "negative_allowed": False, "labels": {"en_US": "Shipping weight"}},
    {"code": "storage_capacity", "type": "pim_catalog_metric", "group": "technical",
     "metric_family": "Binary", "default_metric_unit": "GIGABYTE", "decimals_allowed": False,
     "negative_allowed": False, "labels": {"en_US": "Storage capacity"}},
    {"code": "operating_temperature_max", "type": "pim_catalog_metric", "group": "technical",
     "metric_family": "Temperature", "default_metric_unit": "CELSIUS", "decimals_allowed": True,
     "negative_allowed": True, "labels": {"en_US": "Maximum operating temperature"}},
    {"code": "is_bundle", "type": "pim_catalog_boolean", "group": "erp", "default_value": False,
     "labels": {"en_US": "Bundle"}},
    {"code": "sole_fabric", "type": "pim_catalog_reference_data_multi_select", "group": "product",
     "reference_data_name": "fabrics", "labels": {"en_US": "Sole fabric"}},
    {"code": "heel_color", "type": "pim_catalog_reference_data_simple_select", "group": "product",
     "reference_data_name": "color", "labels": {"en_US": "Heel color"}},
    {"code": "designer", "type": "akeneo_reference_entity", "group": "marketing",
     "reference_data_name": "designer", "labels": {"en_US": "Designer"}},
    {"code": "manufacturers", "type": "akeneo_reference_entity_collection", "group": "marketing",
     "reference_data_name": "brand", "labels": {"en_US": "Manufacturers"}},
    {"code": "packshots", "type": "pim_catalog_asset_collection", "group": "medias",
     "reference_data_name": "packshot", "labels": {"en_US": "Packshots"}},
    {"code": "nutrition", "type": "pim_catalog_table", "group": "product", "labels": {"en_US": "Nutrition"},
     "table_configuration": [
         {"code": "ingredient", "data_type": "select", "labels": {"en_US": "Ingredient"},
          "validations": {}, "is_required_for_completeness": True},
         {"code": "quantity", "data_type": "number", "labels": {"en_US": "Quantity"},
          "validations": {"min": 0, "decimals_allowed": True}, "is_required_for_completeness": False},
         {"code": "is_allergenic", "data_type": "boolean", "labels": {"en_US": "Allergenic"},
          "validations": {}, "is_required_for_completeness": False},
     ]},
    {"code": "compatible_with", "type": "pim_catalog_product_link", "group": "marketing",
     "labels": {"en_US": "Compatible with"}},
    {"code": "accessories_included", "type": "pim_catalog_multiselect", "group": "marketing",
     "localizable": False, "scopable": True, "labels": {"en_US": "Accessories included"}},
]
EXTRA_OPTIONS: dict[str, list[str]] = {
    "accessories_included": ["battery", "charger", "strap", "lens_cap", "usb_cable"],
}

FAMILIES: list[tuple[str, str, list[str]]] = [
    # (code, label, attributes beyond the common ones)
    ("camcorders", "Camcorders", ["weight", "maximum_video_resolution", "optical_zoom", "image_stabilizer",
                                  "sensor_type", "total_megapixels", "display_diagonal", "storage_capacity"]),
    ("digital_cameras", "Digital cameras", ["weight", "sensor_type", "total_megapixels", "optical_zoom",
                                            "camera_type", "camera_brand", "camera_model_name",
                                            "max_image_resolution", "iso_sensitivity", "auto_focus_points"]),
    ("scanners", "Scanners", ["weight", "maximum_scan_size", "color_scanning", "power_requirements"]),
    ("printers", "Printers", ["weight", "maximum_print_size", "multifunctional_functions",
                              "power_requirements"]),
    ("headphones", "Headphones", ["weight", "thd", "snr", "headphone_connectivity", "response_time"]),
    ("tshirts", "T-shirts", ["tshirt_materials", "tshirt_style", "main_color", "secondary_color",
                             "clothing_size", "wash_temperature", "care_instructions", "composition"]),
    ("shoes", "Shoes", ["eu_shoes_size", "sole_composition", "top_composition", "sole_fabric",
                        "heel_color", "color", "material"]),
    # The icecat clothing family, whose products are variants of product models (FAMILY_VARIANTS).
    ("clothing", "Clothing", ["erp_name", "collection", "color", "size", "material", "composition",
                              "care_instructions", "wash_temperature", "variation_name", "variation_image",
                              "weight"]),
]
# Family variants by family: a one-level one built here, and the two-level one exactly as Akeneo's
# documentation shows it (api-docs/). Every axis must be a select with options (checked).
CLOTHING_SIZE: dict[str, Any] = {
    "code": "clothing_size",
    "labels": {"de_DE": "Kleidung nach Größe", "en_US": "Clothing by size", "fr_FR": "Vêtements par taille"},
    "variant_attribute_sets": [
        {"level": 1, "axes": ["size"], "attributes": ["size", "ean", "weight", "sku"]},
    ],
}
DOCUMENTED_VARIANTS = {"clothing": ["family_variant_clothing_color_size.json"]}
COMMON_FAMILY_ATTRIBUTES = ["sku", "name", "description", "price", "picture", "brand", "ean", "release_date"]
CATEGORIES: list[tuple[str, str | None, str]] = [
    ("master", None, "Master catalog"),
    ("audio_video", "master", "Audio and video"),
    ("camcorders", "audio_video", "Camcorders"),
    ("headphones", "audio_video", "Headphones"),
    ("cameras", "master", "Cameras"),
    ("digital_cameras", "cameras", "Digital cameras"),
    ("office", "master", "Office"),
    ("printers", "office", "Printers"),
    ("scanners", "office", "Scanners"),
    ("clothing", "master", "Clothing"),
    ("tshirts", "clothing", "T-shirts"),
    ("shoes", "clothing", "Shoes"),
    ("sales", None, "Sales"),
    ("spring_sale", "sales", "Spring sale"),
]
GROUPS = [("similar_cameras", "RELATED", "Similar cameras"), ("summer_promo", "RELATED", "Summer promotion")]
ASSOCIATION_TYPES = [("X_SELL", "Cross sell"), ("UPSELL", "Upsell"), ("SUBSTITUTION", "Substitution"),
                     ("PACK", "Pack")]
# Categories carry a read-only `updated`; fixed so the generated file is reproducible.
FIXED_UPDATED = "2024-01-02T03:04:05+00:00"


def _flag(cell: str | None) -> bool:
    return (cell or "").strip() == "1"


def _optional_flag(cell: str | None) -> bool | None:
    cell = (cell or "").strip()
    return None if cell == "" else cell == "1"


def _empty_to_none(cell: str | None) -> str | None:
    cell = (cell or "").strip()
    return cell or None


def _labels(row: dict[str, str]) -> dict[str, str]:
    return {k[len("label-"):]: v for k, v in sorted(row.items()) if k.startswith("label-") and v}


def attribute_item(**given: Any) -> dict[str, Any]:
    """An attribute as GET /attributes answers it: every property present, null where unset."""
    kind = given["type"]
    numeric = kind in ("pim_catalog_number", "pim_catalog_metric", "pim_catalog_price_collection")
    signed = kind in ("pim_catalog_number", "pim_catalog_metric")
    item: dict[str, Any] = {
        "code": given["code"],
        "type": kind,
        "group": given.get("group", "other"),
        "unique": given.get("unique", kind == "pim_catalog_identifier"),
        "useable_as_grid_filter": given.get("useable_as_grid_filter", True),
        "allowed_extensions": given.get("allowed_extensions", []),
        "metric_family": given.get("metric_family"),
        "default_metric_unit": given.get("default_metric_unit"),
        "reference_data_name": given.get("reference_data_name"),
        "available_locales": given.get("available_locales", []),
        "max_characters": given.get("max_characters"),
        "validation_rule": given.get("validation_rule"),
        "validation_regexp": given.get("validation_regexp"),
        "wysiwyg_enabled": given.get("wysiwyg_enabled", False if kind == "pim_catalog_textarea" else None),
        "number_min": given.get("number_min"),
        "number_max": given.get("number_max"),
        "decimals_allowed": given.get("decimals_allowed", False if numeric else None),
        # Akeneo has no sign rule for prices: their negative_allowed stays null.
        "negative_allowed": given.get("negative_allowed", False if signed else None),
        "date_min": given.get("date_min"),
        "date_max": given.get("date_max"),
        "max_file_size": given.get("max_file_size"),
        "minimum_input_length": given.get("minimum_input_length"),
        "sort_order": given.get("sort_order", 0),
        "localizable": given.get("localizable", False),
        "scopable": given.get("scopable", False),
        "default_value": given.get("default_value"),
        "labels": given.get("labels", {}),
        "is_mandatory": given.get("is_mandatory", False),
        "decimal_places_strategy": None,
        "decimal_places": None,
    }
    if kind == "pim_catalog_table":
        item["table_configuration"] = given["table_configuration"]
    return item


def icecat_attributes(path: Path) -> list[dict[str, Any]]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    items = []
    for row in rows:
        given: dict[str, Any] = {
            "code": row["code"],
            "type": row["type"],
            "group": row["group"],
            "unique": _flag(row["unique"]),
            "useable_as_grid_filter": _flag(row["useable_as_grid_filter"]),
            "allowed_extensions": [e for e in (row["allowed_extensions"] or "").split(",") if e],
            "metric_family": _empty_to_none(row["metric_family"]),
            "default_metric_unit": _empty_to_none(row["default_metric_unit"]),
            "reference_data_name": _empty_to_none(row["reference_data_name"]),
            "available_locales": [e for e in (row["available_locales"] or "").split(",") if e],
            "validation_rule": _empty_to_none(row["validation_rule"]),
            "validation_regexp": _empty_to_none(row["validation_regexp"]),
            "number_min": _empty_to_none(row["number_min"]),
            "number_max": _empty_to_none(row["number_max"]),
            "date_min": _empty_to_none(row["date_min"]),
            "date_max": _empty_to_none(row["date_max"]),
            "max_file_size": _empty_to_none(row["max_file_size"]),
            "sort_order": int(row["sort_order"] or 0),
            "localizable": _flag(row["localizable"]),
            "scopable": _flag(row["scopable"]),
            "labels": _labels(row),
        }
        for key in ("max_characters", "minimum_input_length"):
            if _empty_to_none(row[key]):
                given[key] = int(row[key])
        for key in ("decimals_allowed", "negative_allowed", "wysiwyg_enabled"):
            flag = _optional_flag(row[key])
            if flag is not None:
                given[key] = flag
        items.append(attribute_item(**given))
    return items


def icecat_options(path: Path) -> dict[str, list[dict[str, Any]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    options: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        options.setdefault(row["attribute"], []).append({
            "code": row["code"], "attribute": row["attribute"],
            "sort_order": int(row["sort_order"] or 0), "labels": _labels(row),
        })
    return options


def _decimal_text(value: Any) -> str:
    """A conversion operand as Akeneo writes it: plain decimal notation, never an exponent."""
    text = str(value).strip().strip("'\"")  # the bundle has typos such as `100'`
    number = Decimal(repr(value) if isinstance(value, float) else text)
    plain = format(number, "f")
    return plain.rstrip("0").rstrip(".") if "." in plain else plain


def _label(code: str) -> str:
    return code.replace("_", " ").capitalize()


def _family_label(code: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", code).replace("_", " ")


class _FirstKeyWins(yaml.SafeLoader):
    """A YAML loader that keeps the first of duplicate keys, and records the others.

    The bundle defines some units twice in one family (volume.yml's second CUBIC_FOOT is a
    "standard cubic foot" with another factor); the first definition is the unit Akeneo means.
    """

    duplicates: list[str]

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in mapping:
                self.duplicates.append(f"line {key_node.start_mark.line + 1}: {key}")
                continue
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


def _load_yaml(path: Path, notes: list[str]) -> Any:
    loader = _FirstKeyWins(path.read_text(encoding="utf-8"))
    loader.duplicates = []
    try:
        data = loader.get_single_data()
    finally:
        loader.dispose()
    notes.extend(f"{path.name} {d}: duplicate key ignored (first definition kept)" for d in loader.duplicates)
    return data


def load_measure_files(directory: Path, notes: list[str]) -> dict[str, dict[str, Any]]:
    """family code -> {"standard": code|None, "units": {code: yml unit}} merged over every file."""
    families: dict[str, dict[str, Any]] = {}
    for path in sorted(directory.glob("*.yml")):
        config = _load_yaml(path, notes)["measures_config"]
        for family_code, family in config.items():
            code = FAMILY_RENAMES.get((path.name, family_code), family_code)
            merged = families.setdefault(code, {"standard": None, "units": {}})
            merged["standard"] = family.get("standard") or merged["standard"]
            merged["units"].update(family["units"])
    return families


def build_measurements(directory: Path) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]], list[str]]:
    """(measurement family items, unit table, notes about dropped or fixed source data)."""
    notes: list[str] = []
    items: list[dict[str, Any]] = []
    table: dict[str, dict[str, Any]] = {}
    for code, source in sorted(load_measure_files(directory, notes).items()):
        core_standard, core_units = CORE_UNITS.get(code, (None, []))
        units: dict[str, dict[str, Any]] = {}
        unece: dict[str, str | None] = {}
        alternatives: dict[str, list[str]] = {}
        for unit_code, ops, symbol, core_unece in core_units:
            units[unit_code] = {"code": unit_code, "labels": {"en_US": _label(unit_code)},
                                "convert_from_standard": [{"operator": o, "value": v} for o, v in ops],
                                "symbol": symbol}
            unece[unit_code] = core_unece
            alternatives[unit_code] = []
        for unit_code, unit in source["units"].items():
            steps: list[dict[str, str]] = [{"operator": op, "value": _decimal_text(val)}
                                           for step in unit.get("convert") or [] for op, val in step.items()]
            previous = units.get(unit_code, {})
            units[unit_code] = {
                "code": unit_code,
                "labels": {"en_US": unit.get("name") or _label(unit_code)},
                "convert_from_standard": steps or previous.get("convert_from_standard") or [],
                "symbol": str(unit.get("symbol") or previous.get("symbol") or ""),
            }
            raw = unit.get("unece_code")
            if raw is not None and not UNECE_RE.match(str(raw)):
                notes.append(f"{code}.{unit_code}: dropped unece_code {raw!r} (not a Recommendation 20 code)")
                raw = None
            unece[unit_code] = str(raw) if raw is not None else unece.get(unit_code)
            alternatives[unit_code] = [str(s) for s in unit.get("alternative_symbols") or []]
        for (fix_family, fix_unit), fix_code in UNECE_FIXES.items():
            if fix_family == code and fix_unit in units:
                unece[fix_unit] = fix_code
        seen: dict[str, str] = {}
        for unit_code in units:
            value = unece.get(unit_code)
            if value is None:
                continue
            if value in seen:
                notes.append(f"{code}.{unit_code}: dropped unece_code {value!r} (already {seen[value]}'s)")
                unece[unit_code] = None
            else:
                seen[value] = unit_code
        standard = source["standard"] or core_standard
        if standard not in units:
            identity = [u for u, d in units.items() if d["convert_from_standard"] == IDENTITY]
            notes.append(f"{code}: standard {standard!r} is not one of its units, using {identity[0]}")
            standard = identity[0]
        for unit in units.values():
            unit["convert_from_standard"] = unit["convert_from_standard"] or IDENTITY
        items.append({"code": code, "labels": {"en_US": _family_label(code)}, "standard_unit_code": standard,
                      "units": units})
        table[code] = {u: {"symbol": units[u]["symbol"], "alternative_symbols": alternatives.get(u, []),
                           "unece_code": unece.get(u)} for u in units}
    return items, table, notes


def family_variants(source: Path, catalog: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The family variants of the clothing family, checked against the catalog they go with."""
    variants = {"clothing": [CLOTHING_SIZE]}
    for family, names in DOCUMENTED_VARIANTS.items():
        variants[family] += [json.loads((source / "api-docs" / n).read_text(encoding="utf-8")) for n in names]
    attributes = {a["code"]: a for a in catalog["attributes"]}
    families = {f["code"]: set(f["attributes"]) for f in catalog["families"]}
    for family, items in variants.items():
        for item in items:
            for level in item["variant_attribute_sets"]:
                for code in level["attributes"]:
                    assert code in families[family], f"{item['code']}: {code} is not in family {family}"
                for axis in level["axes"]:
                    where = f"{item['code']}: axis {axis}"
                    assert attributes[axis]["type"] == "pim_catalog_simpleselect", f"{where} is not a select"
                    assert catalog["attribute_options"].get(axis), f"{where} has no options"
    return variants


def build_catalog(source: Path) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    attributes = icecat_attributes(source / "icecat" / "attributes.csv")
    known = {a["code"] for a in attributes}
    for extra in EXTRA_ATTRIBUTES:
        assert extra["code"] not in known, extra["code"]
        attributes.append(attribute_item(**extra))
    options = icecat_options(source / "icecat" / "attribute_options.csv")
    for attribute, codes in EXTRA_OPTIONS.items():
        options[attribute] = [{"code": c, "attribute": attribute, "sort_order": i + 1,
                               "labels": {"en_US": _label(c)}} for i, c in enumerate(codes)]
    measurement_families, units, notes = build_measurements(source / "measures")
    catalog = {
        "attributes": attributes,
        "attribute_options": options,
        "channels": [{"code": c, "currencies": ["USD", "EUR"], "locales": locales, "category_tree": "master",
                      "conversion_units": {}, "labels": labels} for c, locales, labels in CHANNELS],
        "locales": [{"code": c, "enabled": e} for c, e in LOCALES],
        "currencies": [{"code": c, "enabled": e, "label": f"{c} ({n})"} for c, e, n in CURRENCIES],
        "measurement_families": measurement_families,
        "families": [{"code": code, "attributes": COMMON_FAMILY_ATTRIBUTES + extra,
                      "attribute_as_label": "name", "attribute_as_image": "picture",
                      "attribute_requirements": {ch: ["sku", "name", "price"] for ch, _l, _b in CHANNELS},
                      "labels": {"en_US": label}} for code, label, extra in FAMILIES],
        "categories": [{"code": code, "parent": parent, "updated": FIXED_UPDATED, "labels": {"en_US": label}}
                       for code, parent, label in CATEGORIES],
        "groups": [{"code": code, "type": kind, "labels": {"en_US": label}} for code, kind, label in GROUPS],
        "association_types": [{"code": code, "labels": {"en_US": label}, "is_quantified": False,
                               "is_two_way": False} for code, label in ASSOCIATION_TYPES],
    }
    catalog["family_variants"] = family_variants(source, catalog)
    return catalog, units, notes


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--source", type=Path, default=ROOT / "data" / "akeneo")
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed files are stale")
    parser.add_argument("--verbose", action="store_true", help="list dropped and fixed source data")
    args = parser.parse_args(argv)
    catalog, units, notes = build_catalog(args.source)
    outputs = {CATALOG_OUT: _dump(catalog), UNITS_OUT: _dump(units)}
    if args.verbose:
        print("\n".join(notes), file=sys.stderr)
    if args.check:
        stale = [p for p, text in outputs.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
        for path in stale:
            print(f"stale: {path.relative_to(ROOT)}", file=sys.stderr)
        return 1 if stale else 0
    for path, text in outputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
