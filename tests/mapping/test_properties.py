"""Property-based: arbitrary catalogs and rows never make the mapping raise, and every result is
either a well-formed payload (which the simulator's validator also accepts) or a rejection; the same
for product model rows and variant rows, with arbitrary family variants and known models."""

from __future__ import annotations

import copy
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from consumer.catalog import Catalog, ModelDirectory, ModelInfo
from consumer.codec import entity_of
from consumer.devstack.sim_catalog import Catalog as SimCatalog
from consumer.devstack.sim_validation import validate_product
from consumer.mapping import Mapper, MappingOptions, MapResult

TYPES = [
    "pim_catalog_identifier", "pim_catalog_text", "pim_catalog_textarea", "pim_catalog_number",
    "pim_catalog_boolean", "pim_catalog_date", "pim_catalog_simpleselect", "pim_catalog_multiselect",
    "pim_catalog_price_collection", "pim_catalog_metric", "pim_catalog_reference_data_simple_select",
    "pim_catalog_reference_data_multi_select", "akeneo_reference_entity",
    "akeneo_reference_entity_collection",
    "pim_catalog_asset_collection", "pim_catalog_file", "pim_catalog_image", "pim_catalog_table",
    "pim_catalog_product_link", "pim_catalog_something_new",
]
CODES = ["a", "b", "name", "size", "Weight", "x_1"]
LOCALES = ["en_US", "fr_FR", "de_DE", "xx"]
CHANNELS = ["ecommerce", "print", "web"]
CURRENCIES = ["EUR", "USD", "GBP"]
UNITS = ["GRAM", "KILOGRAM", "METER", "MM", "X"]
SYMBOLS = ["g", "kg", "m", "mm", "Mm", "", "µ"]
SEPARATOR = "<###>"

maybe_bool = st.sampled_from([True, False, None])
number_text = st.sampled_from(["0", "1", "-5", "2.5", "1e3", "abc", "", None])


@st.composite
def attributes(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(TYPES))
    item: dict[str, Any] = {
        "code": draw(st.sampled_from(CODES)), "type": kind,
        "localizable": draw(st.booleans()), "scopable": draw(st.booleans()),
        "decimals_allowed": draw(maybe_bool), "negative_allowed": draw(maybe_bool),
        "number_min": draw(number_text), "number_max": draw(number_text),
        "available_locales": draw(st.just([]) | st.lists(st.sampled_from(LOCALES), max_size=2)),
        "max_characters": draw(st.sampled_from([None, 0, 3, 300])),
        "metric_family": draw(st.sampled_from(["Weight", "Length", "Nowhere", None])),
        "default_metric_unit": draw(st.sampled_from([*UNITS, None])),
        "date_min": draw(st.sampled_from([None, "2000-01-01T00:00:00", "garbage"])),
        "validation_rule": draw(st.sampled_from([None, None, "regexp", "email", "url"])),
        "validation_regexp": draw(st.sampled_from([None, "/^[a-z]+$/", "/(/", "nodelimiters"])),
    }
    if kind == "pim_catalog_table":
        columns = draw(st.lists(st.sampled_from(CODES), max_size=3, unique=True))
        item["table_configuration"] = [{"code": c, "data_type": "text"} for c in columns]
    return item


@st.composite
def catalogs(draw: st.DrawFn) -> dict[str, Any]:
    items = draw(st.lists(attributes(), max_size=8, unique_by=lambda a: a["code"]))
    locales = [{"code": c, "enabled": draw(st.booleans())} for c in LOCALES]
    families = [{"code": family, "standard_unit_code": "X", "units": {
        unit: {"code": unit, "symbol": draw(st.sampled_from(SYMBOLS)), "convert_from_standard": []}
        for unit in draw(st.lists(st.sampled_from(UNITS), min_size=1, max_size=4, unique=True))}}
        for family in draw(st.lists(st.sampled_from(["Weight", "Length"]), max_size=2, unique=True))]
    options = st.sampled_from(["red", "Blue", "x"])
    channels = draw(st.lists(st.sampled_from(CHANNELS), min_size=1, unique=True))
    return {
        "attributes": items,
        "attribute_options": {a["code"]: [{"code": c} for c in draw(st.lists(options, unique=True))]
                              for a in items if draw(st.booleans())},
        "channels": [{"code": c, "locales": draw(st.lists(st.sampled_from(LOCALES), unique=True)),
                      "currencies": CURRENCIES[:2]} for c in channels],
        "locales": locales,
        "currencies": [{"code": c, "enabled": draw(st.booleans())} for c in CURRENCIES],
        "measurement_families": families,
        "families": [{"code": "fam"}], "categories": [{"code": "master"}, {"code": "cat"}],
        "groups": [{"code": "grp"}], "association_types": [{"code": "X_SELL"}],
    }


def _column(draw: st.DrawFn) -> str:
    base = draw(st.sampled_from([*CODES, "family", "categories", "groups", "enabled", "associations",
                                 "associations~X_SELL~products", "associations~NOPE~groups", "parent"]))
    qualifiers = draw(st.lists(st.sampled_from(LOCALES + CHANNELS + [""]), max_size=3))
    suffix = draw(st.sampled_from(["", "@EUR", "@GBP", "@kg", "@MM", "@", "@@", "@currency", "@unit"]))
    return "~".join([base, *qualifiers]) + suffix


CELLS = st.one_of(
    st.none(), st.text(max_size=12),
    st.sampled_from(["", " ", "1", "-2.5", "1e400", "yes", "maybe", "2024-02-29", "2024-13-01", "red",
                     "blue<###>RED<###>", "3 kg", "3 MM", "2 g<###>", "5 EUR<###>6 usd", "5 EUR<###>5 EUR",
                     "[]", '[{"a": 1}]', '[{"b": null}]', "{", "product_model:m", "x" * 300, "<###>"]),
)


# Cells an attribute of each type is likely to accept (and some it is not).
TYPED_CELLS: dict[str, list[str]] = {
    "pim_catalog_number": ["1", "2.5", "-3", "1e2", "7.000"],
    "pim_catalog_metric": ["3 kg", "2 g", "1.5 mm", "4 Mm", "5", "-1 KILOGRAM"],
    "pim_catalog_price_collection": ["5 EUR", "1 USD<###>2.5 eur", "-1 EUR", "3 GBP"],
    "pim_catalog_simpleselect": ["red", "BLUE", "x"],
    "pim_catalog_multiselect": ["red<###>blue", "x<###>RED", "red"],
    "pim_catalog_boolean": ["yes", "0", "TRUE"],
    "pim_catalog_date": ["2024-02-29", "2024-02-29T10:00:00Z", "1999-01-01"],
    "pim_catalog_text": ["plain", "abc", "x" * 200],
    "pim_catalog_table": ['[{"a": 1}]', '[{"b": "x", "a": 2}]', "[]"],
    "pim_catalog_product_link": ["product_model:m1", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"],
}


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, str | None]]:
    """A catalog, and a row whose columns mostly name its attributes the right way."""
    catalog = draw(catalogs())
    enabled = [loc["code"] for loc in catalog["locales"] if loc["enabled"]]
    channels = [c["code"] for c in catalog["channels"]]
    row: dict[str, str | None] = {}
    for _ in range(draw(st.integers(0, 6))):
        if catalog["attributes"] and draw(st.integers(0, 7)):
            item = draw(st.sampled_from(catalog["attributes"]))
            parts = [item["code"]]
            if item["localizable"]:
                parts.append(draw(st.sampled_from(enabled or LOCALES)))
            if item["scopable"]:
                parts.append(draw(st.sampled_from(channels or CHANNELS)))
            column = "~".join(parts)
            typed = st.sampled_from(TYPED_CELLS.get(item["type"], ["code_1", "a<###>b"]))
            cell = draw(st.one_of(typed, typed, typed, CELLS))
        else:
            column, cell = _column(draw), draw(CELLS)
        row[column] = cell
    return catalog, row


def _check_values(values: dict[str, Any], catalog: Catalog) -> None:
    for code, items in values.items():
        info = catalog.attributes[code]
        for item in items:
            assert set(item) == {"locale", "scope", "data"}
            assert (item["locale"] is not None) == info.localizable
            assert (item["scope"] is not None) == info.scopable


def _check_shape(result: MapResult, catalog: Catalog) -> None:
    if not result.ok:
        assert result.errors
        for error in result.errors:
            assert set(error) == {"property", "attribute", "locale", "scope", "message"}
            assert isinstance(error["message"], str) and error["message"]
            assert "internal mapping error" not in error["message"]
        return
    payload = result.payload
    assert payload is not None and payload["identifier"] == result.identifier
    orjson.dumps(payload)
    _check_values(payload["values"], catalog)


@settings(max_examples=400, deadline=None)
@given(case=cases(), separator=st.sampled_from([SEPARATOR, SEPARATOR, "|"]))
def test_never_raises_and_payloads_pass_the_simulators_validation(
    case: tuple[dict[str, Any], dict[str, str | None]], separator: str
) -> None:
    catalog_json, row = case
    catalog = Catalog.from_json(catalog_json)
    result = Mapper(catalog, MappingOptions(separator)).map("p-1", row)
    _check_shape(result, catalog)
    if result.ok and separator == SEPARATOR:
        assert result.payload is not None
        if "parent" not in result.payload:  # a parent would have to exist in the simulator first
            refusal = validate_product(copy.deepcopy(result.payload), SimCatalog(catalog_json), "")
            assert refusal is None, (row, result.payload, refusal)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=200, deadline=None)
@given(props=st.dictionaries(st.sampled_from(["localizable", "scopable", "available_locales", "number_min",
                                              "max_characters", "metric_family", "table_configuration",
                                              "date_max", "validation_regexp", "decimals_allowed"]),
                             JSON_VALUES),
       kind=st.sampled_from(TYPES), cell=CELLS, identifier=st.one_of(st.text(max_size=5), st.integers()))
def test_garbage_in_attribute_properties_never_breaks_the_mapping(
    props: dict[str, Any], kind: str, cell: str | None, identifier: Any
) -> None:
    catalog = Catalog.from_json({"attributes": [{"code": "a", "type": kind, **props}],
                                 "attribute_options": {},
                                 "channels": [{"code": "print", "locales": ["en_US"]}],
                                 "locales": [{"code": "en_US", "enabled": True}], "currencies": [],
                                 "measurement_families": []})
    for column in ("a", "a~en_US", "a~print", "a~en_US~print", "a@EUR"):
        _check_shape(Mapper(catalog).map(identifier, {column: cell}), catalog)


def _typed_column(draw: st.DrawFn, item: dict[str, Any], catalog: dict[str, Any]) -> tuple[str, str | None]:
    """A column naming ``item`` the right way, and a cell it is likely to accept."""
    enabled = [loc["code"] for loc in catalog["locales"] if loc["enabled"]]
    parts = [item["code"]]
    if item["localizable"]:
        parts.append(draw(st.sampled_from(enabled or LOCALES)))
    if item["scopable"]:
        parts.append(draw(st.sampled_from([c["code"] for c in catalog["channels"]])))
    typed = st.sampled_from(TYPED_CELLS.get(item["type"], ["code_1", "a<###>b"]))
    return "~".join(parts), draw(st.one_of(typed, typed, typed, CELLS))


@st.composite
def tree_cases(draw: st.DrawFn) -> tuple[dict[str, Any], ModelDirectory, str, dict[str, str | None]]:
    """A catalog with family variants (some malformed), known models (some inconsistent), and a row
    of a product or a product model naming its catalog's attributes, mostly the right way."""
    catalog = draw(catalogs())
    codes = [a["code"] for a in catalog["attributes"]]
    subsets = st.lists(st.sampled_from([*codes, "ghost_attribute"]), max_size=4, unique=True)

    def level_set(level: Any) -> Any:
        attributes = draw(subsets)
        axes = draw(st.lists(st.sampled_from(attributes), max_size=1)) if attributes else []
        good = {"level": level, "axes": axes, "attributes": attributes}
        return draw(st.sampled_from([good, good, good, {"level": level, "axes": axes}, "garbage"]))

    family = codes if draw(st.integers(0, 4)) else draw(subsets)
    catalog["families"] = [{"code": "fam", "attributes": family}, {"code": "other"}]
    catalog["family_variants"] = {"fam": [
        {"code": "one", "variant_attribute_sets": [level_set(1)]},
        {"code": "two", "variant_attribute_sets": [level_set(1), level_set(draw(st.sampled_from([2, 2, 0])))],
         "labels": {}},
    ]}
    odd = st.sampled_from(["one", "two", "unknown_fv"])
    directory = ModelDirectory()
    for info in (ModelInfo("root-1", "one"), ModelInfo("root-2", "two"), ModelInfo("sub", "two", "root-2"),
                 ModelInfo("odd", draw(odd), draw(st.sampled_from([None, "sub", "lost"])))):
        directory.put(info)
    row: dict[str, str | None] = {}
    for _ in range(draw(st.integers(0, 6))):
        if catalog["attributes"] and draw(st.integers(0, 11)):
            column, cell = _typed_column(draw, draw(st.sampled_from(catalog["attributes"])), catalog)
        else:
            column, cell = _column(draw), draw(CELLS)
        row[column] = cell
    for column, choices in (("parent", ["root-1", "root-2", "sub", "sub", "odd", "nope", "", None]),
                            ("family_variant", ["one", "two", "unknown_fv", "", None]),
                            ("family", ["fam", "other", None])):
        if draw(st.integers(0, 2)) if column == "parent" else draw(st.booleans()):
            row[column] = draw(st.sampled_from(choices))
    entity = entity_of(draw(st.sampled_from(["PRODUCT", "PRODUCT", "PRODUCT_MODEL"])), row)  # as decoded
    return catalog, directory, entity, row


@settings(max_examples=400, deadline=None)
@given(case=tree_cases(), model_values=st.sampled_from(["route", "reject"]))
def test_models_and_variants_never_break_the_mapping(
    case: tuple[dict[str, Any], ModelDirectory, str, dict[str, str | None]], model_values: str
) -> None:
    catalog_json, directory, entity, row = case
    catalog = Catalog.from_json(catalog_json)
    mapper = Mapper(catalog, MappingOptions(model_values=model_values))
    result = mapper.map_entity(entity, "x-1", row, directory.get)
    if result.waiting_for is not None:
        assert not result.ok and "not known yet" in result.errors[0]["message"]
        return
    if not result.ok:
        assert result.errors and all("internal mapping error" not in e["message"] for e in result.errors)
        return
    payload = result.payload
    assert payload is not None
    orjson.dumps(payload)
    _check_values(payload["values"], catalog)
    if entity == "PRODUCT_MODEL":
        assert payload["code"] == "x-1" and "identifier" not in payload and result.models == ()
        assert result.model is None or result.model.code == "x-1"
        return
    assert payload["identifier"] == "x-1" and result.model is None
    assert not (result.models and model_values == "reject"), "MODEL_VALUES=reject routes nothing"
    parent = directory.get(payload["parent"]) if payload.get("parent") else None
    ancestors = {parent.code, parent.parent} if parent is not None else set()
    assert [w.code for w in result.models] == [c for c in (parent and parent.parent, parent and parent.code)
                                               if c in {w.code for w in result.models}]  # root first
    for write in result.models:
        assert set(write.payload) == {"code", "values"} and write.payload["code"] == write.code
        assert write.code in ancestors and write.payload["values"]
        _check_values(write.payload["values"], catalog)
    written = [a for w in result.models for a in w.payload["values"]] + list(payload["values"])
    assert len(written) == len(set(written))  # each value goes to exactly one level
