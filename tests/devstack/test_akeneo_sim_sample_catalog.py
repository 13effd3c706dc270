"""The sample catalog that ships with the package, served and enforced by a default simulator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from consumer.devstack.akeneo_sim import AkeneoSimulator, load_sample_catalog

from .support import Api


@pytest.fixture(scope="module")
def sample_api() -> Iterator[Api]:
    with AkeneoSimulator() as sim:  # no catalog given: the sample one
        client = Api(sim.base_url)
        yield client
        client.close()


def v(data: Any, locale: str | None = None, scope: str | None = None) -> list[dict[str, Any]]:
    return [{"locale": locale, "scope": scope, "data": data}]


def test_sample_catalog_has_the_demo_structure() -> None:
    catalog = load_sample_catalog()
    assert {c["code"] for c in catalog["channels"]} == {"ecommerce", "mobile", "print"}
    assert {loc["code"] for loc in catalog["locales"] if loc["enabled"]} == {"en_US", "fr_FR", "de_DE"}
    assert {c["code"] for c in catalog["currencies"] if c["enabled"]} == {"EUR", "USD"}
    families = {m["code"]: m for m in catalog["measurement_families"]}
    assert {"KILOGRAM", "GRAM"} <= set(families["Weight"]["units"])
    assert {"MILLIMETER", "INCH"} <= set(families["Length"]["units"])


def test_a_realistic_printer_is_accepted_and_stored(sample_api: Api) -> None:
    printer = {
        "identifier": "hp-laserjet-1",
        "family": "printers",
        "categories": ["printers"],
        "values": {
            "name": v("HP LaserJet 1"),
            "description": v("A fast office printer", "en_US", "ecommerce") + v("Rapide", "fr_FR", "mobile"),
            "price": v([{"amount": "199.90", "currency": "EUR"}, {"amount": "219.00", "currency": "USD"}]),
            "weight": v({"amount": "7.5", "unit": "KILOGRAM"}),
            "maximum_print_size": v("210_x_1219_mm"),
            "multifunctional_functions": v(["copy", "scan"]),
            "release_date": v("2024-05-01", scope="print"),
        },
    }
    answer = orjson.loads(sample_api.patch_lines([orjson.dumps(printer)]).content)
    assert answer == {"line": 1, "identifier": "hp-laserjet-1", "status_code": 201}
    stored = sample_api.get("/products/hp-laserjet-1").json()
    assert stored["values"]["weight"] == v({"amount": "7.5", "unit": "KILOGRAM"})


def test_sample_catalog_rules_are_enforced(sample_api: Api) -> None:
    bad = {
        "identifier": "bad",
        "values": {
            "price": v([{"amount": "1", "currency": "GBP"}]),
            "weight": v({"amount": "1", "unit": "METER"}),
            "optical_zoom": v("2.5"),
        },
    }
    answer = orjson.loads(sample_api.patch_lines([orjson.dumps(bad)]).content)
    assert answer["status_code"] == 422
    assert [e["attribute"] for e in answer["errors"]] == ["price", "weight", "optical_zoom"]
