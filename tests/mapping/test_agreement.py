"""The mapping and the simulator agree, judged over real HTTP with the real client.

* Every payload the mapping produces, the simulator accepts (a table covering every column form
  and attribute type, and random rows from hypothesis).
* Every rejection the mapping makes where the simulator judges too, the simulator makes as well:
  for each, the payload a mapping without checks would have sent is refused with a 422.

Checks the simulator does not make, so only the mapping's own tests cover them: text validation
rules (regexp), date bounds, table rows, product link shape, the identifier column, two columns
for one value, a currency twice, ambiguous units, a cell in another currency or unit than its
column's (``price@EUR`` = ``1 USD``), association column syntax and types, cells that are not strings.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consumer.akeneo import AkeneoClient
from consumer.devstack.akeneo_sim import AkeneoSimulator

from .support import mapped

UUID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


def _send(akeneo: AkeneoClient, payloads: list[dict[str, Any]]) -> list[tuple[str, int, Any, Any]]:
    """(identifier, status, Akeneo's message and errors) of each product the simulator refused."""
    return [(r.identifier, r.status_code, r.message, r.errors) for r in akeneo.upsert_products(payloads)
            if r.status_code not in (201, 204)]


ACCEPTED: list[dict[str, str | None]] = [
    {"name": "Camera", "description~en_US~ecommerce": "Nice", "description~de_DE~print": "Schön",
     "meta_title~fr_FR": "Titre", "release_date~print": "2024-05-01", "seo_title~en_US~mobile": "SEO"},
    {"price": "740.00 EUR<###>-799.9 usd", "special_price~mobile@USD": "9.99", "weight@kg": "1.25"},
    {"price@EUR": "740", "price@USD": "800.50", "shipping_weight~print@LBR": "3"},
    {"weight": "2.5 GRM", "maximum_scan_size": "3000 MMT", "display_diagonal": "15 inch",
     "storage_capacity": "512 GB", "operating_temperature_max": "-10.5 °C", "viewing_area": "30 CMT"},
    {"optical_zoom": "12", "operating_temperature_min": "-12.345678901234567890", "rating": "5",
     "auto_focus_points": "1e2", "thd": "0"},
    {"color_scanning": "Yes", "image_stabilizer": "0", "display_srgb": "FALSE", "is_bundle": "1"},
    {"release_date~ecommerce": "2024-02-29T10:11:12+02:00", "warranty_end": "2030-01-01"},
    {"sensor_type": "CCD", "camera_type": "slr_kit", "multifunctional_functions": "copy<###>FAX<###>copy",
     "accessories_included~print": "battery<###>charger"},
    {"heel_color": "red", "sole_fabric": "leather<###>silk", "designer": "starck",
     "manufacturers": "acme<###>globex", "packshots": "front<###>back", "picture": "a/b/c_1.jpg",
     "pdf_description": "d/e/f.pdf"},
    {"nutrition": '[{"ingredient": "salt", "quantity": 1.5, "is_allergenic": false}]',
     "compatible_with": f"product:{UUID}", "gtin": "4006381333931"},
    {"family": "digital_cameras", "categories": "cameras<###>digital_cameras", "groups": "summer_promo",
     "enabled": "no", "associations~X_SELL~products": "other-1<###>other-2",
     "associations~PACK~groups": "similar_cameras"},
    {"name": None, "weight": None, "price": None, "sensor_type": None, "multifunctional_functions": None,
     "description~en_US~ecommerce": None, "categories": None, "family": None},
    {"sku": "agree-12", "name": "", "colour": "", "weight": "   "},  # identifier column; empty cells left out
    # The export's literal forms, and named suffixes with the currency or unit repeated in the cell.
    {"price@currency": "740.00 EUR<###>799.20 USD", "weight@unit": "3000.00 GRM",
     "special_price~ecommerce@currency": "9.99 EUR", "shipping_weight~print@unit": "3 lb",
     "maximum_scan_size@unit": "3000 MMT"},
    {"price@EUR": "740.00 EUR", "price@USD": "USD 12", "weight@KGM": "1.5 kg",
     "shipping_weight~mobile@KILOGRAM": "2 KGM"},
]


def test_every_mapped_payload_is_accepted(akeneo: AkeneoClient, sim: AkeneoSimulator) -> None:
    payloads = []
    for number, row in enumerate(ACCEPTED):
        result = mapped(row, identifier=f"agree-{number}")
        assert result.ok, (row, result.errors)
        assert result.payload is not None
        payloads.append(result.payload)
    assert _send(akeneo, payloads) == []
    stored = sim.products["agree-3"]["values"]
    assert stored["weight"][0]["data"]["unit"] == "GRAM"
    literal = sim.products["agree-13"]["values"]  # price@currency, weight@unit
    assert literal["weight"][0]["data"] == {"amount": "3000.00", "unit": "GRAM"}
    assert [p["currency"] for p in literal["price"][0]["data"]] == ["EUR", "USD"]


def value(attribute: str, data: Any, locale: str | None = None, scope: str | None = None) -> dict[str, Any]:
    return {"values": {attribute: [{"locale": locale, "scope": scope, "data": data}]}}


# (row, what a mapping without checks would have sent as values or top-level fields)
REJECTED: list[tuple[dict[str, str | None], dict[str, Any]]] = [
    ({"colour": "red"}, value("colour", "red")),
    ({"name~en_US": "x"}, value("name", "x", locale="en_US")),
    ({"meta_title": "x"}, value("meta_title", "x")),
    ({"release_date": "2024-01-01"}, value("release_date", "2024-01-01")),
    ({"release_date~web": "2024-01-01"}, value("release_date", "2024-01-01", scope="web")),
    ({"meta_title~es_ES": "x"}, value("meta_title", "x", locale="es_ES")),
    ({"meta_title~xx_XX": "x"}, value("meta_title", "x", locale="xx_XX")),
    ({"description~fr_FR~print": "x"}, value("description", "x", locale="fr_FR", scope="print")),
    ({"local_certification~en_US": "x"}, value("local_certification", "x", locale="en_US")),
    ({"name": "x" * 256}, value("name", "x" * 256)),
    ({"seo_title~en_US~ecommerce": "y" * 71},
     value("seo_title", "y" * 71, locale="en_US", scope="ecommerce")),
    ({"optical_zoom": "12 x"}, value("optical_zoom", "12 x")),
    ({"optical_zoom": "1.5"}, value("optical_zoom", "1.5")),
    ({"optical_zoom": "-1"}, value("optical_zoom", "-1")),
    ({"rating": "0"}, value("rating", "0")),
    ({"rating": "6"}, value("rating", "6")),
    ({"operating_temperature_min": "-60.5"}, value("operating_temperature_min", "-60.5")),
    ({"color_scanning": "maybe"}, value("color_scanning", "maybe")),
    ({"release_date~print": "29/02/2024"}, value("release_date", "29/02/2024", scope="print")),
    ({"release_date~print": "2023-02-29"}, value("release_date", "2023-02-29", scope="print")),
    ({"sensor_type": "compact"}, value("sensor_type", "compact")),
    ({"multifunctional_functions": "copy<###>fly"}, value("multifunctional_functions", ["copy", "fly"])),
    ({"price": "10 GBP"}, value("price", [{"amount": "10", "currency": "GBP"}])),
    ({"price@ABC": "10"}, value("price", [{"amount": "10", "currency": "ABC"}])),
    ({"price@currency": "10 GBP"}, value("price", [{"amount": "10", "currency": "GBP"}])),
    ({"price@EUR": "10 XYZ"}, value("price", [{"amount": "10", "currency": "XYZ"}])),
    ({"weight@unit": "3 MMT"}, value("weight", {"amount": "3", "unit": "MMT"})),
    ({"weight@unit": "-1 kg"}, value("weight", {"amount": "-1", "unit": "KILOGRAM"})),
    ({"maximum_scan_size@unit": "3.5 mm"},
     value("maximum_scan_size", {"amount": "3.5", "unit": "MILLIMETER"})),
    ({"maximum_scan_size@MMT": "3.5 MMT"},
     value("maximum_scan_size", {"amount": "3.5", "unit": "MILLIMETER"})),
    ({"weight": "3 MMT"}, value("weight", {"amount": "3", "unit": "MMT"})),
    ({"weight": "-1 kg"}, value("weight", {"amount": "-1", "unit": "KILOGRAM"})),
    ({"maximum_scan_size": "3.5 mm"}, value("maximum_scan_size", {"amount": "3.5", "unit": "MILLIMETER"})),
    ({"family": "boats"}, {"family": "boats"}),
    ({"categories": "scanners<###>boats"}, {"categories": ["scanners", "boats"]}),
    ({"groups": "nope"}, {"groups": ["nope"]}),
    ({"enabled": "maybe"}, {"enabled": "maybe"}),
]


@pytest.mark.parametrize(("row", "unchecked"), REJECTED, ids=[next(iter(row)) for row, _ in REJECTED])
def test_every_rejection_is_also_the_simulators(
    akeneo: AkeneoClient, row: dict[str, str | None], unchecked: dict[str, Any]
) -> None:
    result = mapped(row, identifier="refused-1")
    assert not result.ok
    (column,) = row
    assert all(e["message"].startswith(f'Column "{column}": ') for e in result.errors)
    ((identifier, status, _message, _errors),) = _send(akeneo, [{"identifier": "refused-1", **unchecked}])
    assert (identifier, status) == ("refused-1", 422)


def test_an_empty_identifier_is_refused_by_both(akeneo: AkeneoClient) -> None:
    assert not mapped({"name": "x"}, identifier="").ok
    ((_identifier, status, _message, _errors),) = _send(akeneo, [{"identifier": "", "values": {}}])
    assert status == 422


# Random rows: per column, cells the mapping must accept, and cells it may refuse.
GOOD: dict[str, list[str | None]] = {
    "name": ["Camera", "", None, "x" * 255, "  padded "],
    "description~en_US~ecommerce": ["Nice", "", None],
    "description~de_DE~print": ["Schön"],
    "meta_title~de_DE": ["Titel", None],
    "weight": ["1 kg", "2.5 GRM", "7", "0.5 lb", None],
    "maximum_scan_size": ["30 mm", "1 INH", "2 dm"],
    "price": ["1 EUR", "2.50 USD<###>3 EUR", "-1 EUR", None],
    "special_price~print@EUR": ["9.99", "9.99 EUR", None],
    "special_price~mobile@currency": ["1 USD", "2 EUR<###>3 USD", None],
    "shipping_weight~mobile@unit": ["1 kg", "3.5 GRM", "7", None],
    "shipping_weight~ecommerce@KGM": ["1.5", "2 kg", None],
    "optical_zoom": ["12", "1e2", "3.000"],
    "rating": ["1", "5"],
    "color_scanning": ["yes", "No", "1"],
    "release_date~print": ["2024-01-01", "2024-01-01T00:00:00Z"],
    "sensor_type": ["ccd", "CMOS", None],
    "multifunctional_functions": ["copy<###>fax", "<###>"],
    "family": ["scanners", None],
    "categories": ["master<###>scanners", None],
    "enabled": ["true", "0"],
    "associations~X_SELL~products": ["a<###>b", None],
    "packshots": ["front<###>back"],
    "colour": [""],
}
BAD: dict[str, list[str | None]] = {
    "name": ["x" * 300],
    "description~fr_FR~print": ["Joli"],
    "weight": ["3 MMT", "-1 kg", "1 MM", "heavy"],
    "maximum_scan_size": ["3.5 mm", "abc"],
    "price": ["1 GBP", "1 EUR<###>2 EUR", "1.5.0 EUR"],
    "special_price~print@EUR": ["nine", "9.99 USD"],
    "special_price~mobile@currency": ["1 GBP", "1"],
    "shipping_weight~mobile@unit": ["3 MMT", "heavy"],
    "shipping_weight~ecommerce@KGM": ["2 g", "2 MMT"],
    "optical_zoom": ["1.5", "-3", "x"],
    "rating": ["6", "0"],
    "color_scanning": ["maybe"],
    "release_date~print": ["2024-02-30", "01/01/2024"],
    "sensor_type": ["compact"],
    "multifunctional_functions": ["copy<###>fly"],
    "family": ["boats"],
    "categories": ["boats"],
    "enabled": ["maybe"],
    "colour": ["red"],
}


def _rows(*tables: dict[str, list[str | None]]) -> st.SearchStrategy[dict[str, str | None]]:
    cells: dict[str, list[str | None]] = {}
    for table in tables:
        for column, choices in table.items():
            cells.setdefault(column, []).extend(choices)
    chosen = st.lists(st.sampled_from(sorted(cells)), unique=True, max_size=len(cells))
    return chosen.flatmap(
        lambda columns: st.fixed_dictionaries({c: st.sampled_from(cells[c]) for c in columns}))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(row=_rows(GOOD))
def test_random_good_rows_are_accepted_by_both(akeneo: AkeneoClient, row: dict[str, str | None]) -> None:
    result = mapped(row, identifier="random-good")
    assert result.ok, (row, result.errors)
    assert result.payload is not None
    assert _send(akeneo, [result.payload]) == [], (row, result.payload)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(row=_rows(GOOD, BAD))
def test_random_rows_the_mapping_accepts_are_accepted(
    akeneo: AkeneoClient, row: dict[str, str | None]
) -> None:
    result = mapped(row, identifier="random-any")
    if result.ok:
        assert result.payload is not None
        assert _send(akeneo, [result.payload]) == [], (row, result.payload)
