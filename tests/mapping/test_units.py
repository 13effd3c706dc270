"""Unit lookups: every unit of the shipped table is found by its code and its UN/CEFACT code."""

from __future__ import annotations

import pytest

from consumer.mapping.problems import Invalid
from consumer.mapping.units import UnitResolver, unit_table

from .support import SAMPLE


@pytest.mark.parametrize("family", sorted(SAMPLE.measurement_families))
def test_every_unit_resolves_by_code_and_unece_code(family: str) -> None:
    resolver = UnitResolver(SAMPLE.measurement_families[family])
    for unit, entry in unit_table()[family].items():
        assert resolver.resolve(unit) == unit
        if entry["unece_code"]:
            assert resolver.resolve(entry["unece_code"]) == unit


def test_symbols_exact_case_first_then_ignoring_case() -> None:
    length = UnitResolver(SAMPLE.measurement_families["Length"])
    assert (length.resolve("mm"), length.resolve("Mm")) == ("MILLIMETER", "MEGAMETER")
    assert length.resolve("millimeter") == "MILLIMETER"  # the code, ignoring case
    with pytest.raises(Invalid, match='unit "MM" is ambiguous in the Length measurement family'):
        length.resolve("MM")


def test_alternative_symbols() -> None:
    temperature = UnitResolver(SAMPLE.measurement_families["Temperature"])
    assert temperature.resolve("K") == "KELVIN"
    assert UnitResolver(SAMPLE.measurement_families["Length"]).resolve(" inch ") == "INCH"


def test_a_live_family_the_table_does_not_know_still_resolves_codes_and_symbols() -> None:
    family = {"code": "Custom", "units": {"FOO": {"code": "FOO", "symbol": "f"},
                                          "BAR": {"code": "BAR", "symbol": "f"}}}
    resolver = UnitResolver(family)
    assert resolver.resolve("FOO") == "FOO"
    with pytest.raises(Invalid, match="ambiguous"):
        resolver.resolve("f")
    with pytest.raises(Invalid, match='unit "KGM" is not a unit of the Custom measurement family') as caught:
        resolver.resolve("KGM")
    assert caught.value.unknown


def test_family_codes_are_matched_ignoring_case_for_the_table() -> None:
    weight = dict(SAMPLE.measurement_families["Weight"], code="weight")
    assert UnitResolver(weight).resolve("KGM") == "KILOGRAM"
