"""Catalog snapshots: built from catalog JSON, indexed, and turned back into the same JSON."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from consumer.catalog import Catalog, CatalogError
from consumer.devstack.sim_catalog import load_sample_catalog

SAMPLE = load_sample_catalog()


def test_round_trip_gives_back_exactly_the_catalog_json() -> None:
    assert Catalog.from_json(copy.deepcopy(SAMPLE)).to_json() == SAMPLE


def test_items_with_akeneo_links_are_kept_unchanged() -> None:
    linked = copy.deepcopy(SAMPLE)
    linked["locales"][0]["_links"] = {"self": {"href": "https://pim.example/api/rest/v1/locales/en_US"}}
    assert Catalog.from_json(linked).to_json()["locales"][0]["_links"]["self"]["href"].endswith("/en_US")


def test_indexes_what_the_mapping_needs() -> None:
    catalog = Catalog.from_json(SAMPLE)
    assert catalog.identifier_attribute == "sku"
    assert catalog.enabled_locales == {"en_US", "fr_FR", "de_DE"}
    assert {"es_ES", "it_IT"} <= catalog.locales - catalog.enabled_locales
    assert catalog.enabled_currencies == {"EUR", "USD"}
    assert catalog.channels["print"].locales == {"en_US", "de_DE"}
    assert "Weight" in catalog.measurement_families
    assert catalog.families is not None and "scanners" in catalog.families
    assert catalog.categories is not None and "master" in catalog.categories
    assert catalog.association_types is not None and "X_SELL" in catalog.association_types


def test_attribute_rules_are_parsed_once() -> None:
    attributes = Catalog.from_json(SAMPLE).attributes
    rating, warranty = attributes["rating"], attributes["warranty_end"]
    assert (rating.number_min, rating.number_max) == (Decimal("1"), Decimal("5"))
    assert (warranty.date_min, warranty.date_max) == (dt.date(2000, 1, 1), dt.date(2099, 12, 31))
    assert attributes["sensor_type"].options == {"ccd": "ccd", "cmos": "cmos"}
    assert attributes["name"].options is None  # not a select
    assert attributes["nutrition"].table_columns == ("ingredient", "quantity", "is_allergenic")
    assert attributes["local_certification"].available_locales == {"de_DE"}


def test_option_codes_are_matched_ignoring_case() -> None:
    data = copy.deepcopy(SAMPLE)
    data["attribute_options"]["sensor_type"].append({"code": "BSI_Cmos", "attribute": "sensor_type"})
    options = Catalog.from_json(data).attributes["sensor_type"].options
    assert options is not None and options["bsi_cmos"] == "BSI_Cmos"


def test_optional_lists_absent_means_unknown_not_empty() -> None:
    optional = ("families", "categories", "groups", "association_types")
    data = {k: v for k, v in SAMPLE.items() if k not in optional}
    catalog = Catalog.from_json(data)
    assert (catalog.families, catalog.categories, catalog.groups, catalog.association_types) == (None,) * 4
    assert set(catalog.to_json()) == set(data)


def test_lenient_about_odd_attribute_properties() -> None:
    data: dict[str, Any] = {**SAMPLE, "attributes": [
        {"code": "n", "type": "pim_catalog_number", "number_min": "abc", "number_max": True,
         "max_characters": "12", "date_min": "soon", "available_locales": None, "decimals_allowed": "yes"}]}
    info = Catalog.from_json(data).attributes["n"]
    assert (info.number_min, info.number_max, info.max_characters, info.date_min) == (None, None, 12, None)
    assert info.available_locales == frozenset() and info.decimals_allowed is None


@pytest.mark.parametrize(("data", "problem"), [
    ([], "a catalog must be a JSON object"),
    ({"attributes": []},
     "catalog is missing attribute_options, channels, locales, currencies, measurement_families"),
    ({**SAMPLE, "attributes": {}}, "attributes must be a list"),
    ({**SAMPLE, "channels": [{"locales": []}]}, "channels[0] must be an object with a string code"),
    ({**SAMPLE, "attribute_options": []}, "attribute_options must map attribute codes to lists of options"),
    ({**SAMPLE, "attribute_options": {"color": [3]}},
     "attribute_options.color[0] must be an object with a string code"),
])
def test_unusable_catalogs_are_refused_with_the_reason(data: Any, problem: str) -> None:
    with pytest.raises(CatalogError) as caught:
        Catalog.from_json(data)
    assert str(caught.value) == problem


def test_summary_counts() -> None:
    summary = Catalog.from_json(SAMPLE).summary()
    assert summary["attributes"] == len(SAMPLE["attributes"])
    assert summary["attribute_options"] == sum(len(v) for v in SAMPLE["attribute_options"].values())
    assert summary["locales"] == 3 and summary["currencies"] == 2
