"""The number fast path (plain spelling, bounds in floats) never accepts what the exact path refuses,
and gives the same data."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consumer.catalog import Catalog
from consumer.mapping.numbers import NumberRule
from consumer.mapping.problems import Invalid

from .support import SAMPLE_JSON


def rule(decimals: bool | None, negative: bool | None, low: str | None, high: str | None) -> NumberRule:
    item = {"code": "n", "type": "pim_catalog_number", "localizable": False, "scopable": False,
            "decimals_allowed": decimals, "negative_allowed": negative, "number_min": low, "number_max": high}
    attribute = Catalog.from_json({**SAMPLE_JSON, "attributes": [item]}).attributes["n"]
    return NumberRule(attribute)


def exact(number: NumberRule, text: str) -> Decimal | None:
    try:
        return number.decimal(text)
    except Invalid:
        return None


plain_numbers = st.builds(
    lambda sign, whole, fraction: f"{sign}{whole}{'.' + fraction if fraction else ''}",
    st.sampled_from(["", "-"]),
    st.from_regex(r"[0-9]{1,25}", fullmatch=True),
    st.one_of(st.none(), st.from_regex(r"[0-9]{1,25}", fullmatch=True)),
)
bounds = st.one_of(st.none(), st.decimals(allow_nan=False, allow_infinity=False, places=6).map(str))


@settings(max_examples=500, deadline=None)
@given(text=plain_numbers, decimals=st.sampled_from([True, False, None]),
       negative=st.sampled_from([True, False, None]), low=bounds, high=bounds, offset=st.integers(-2, 2))
def test_fast_path_accepts_only_what_the_exact_path_accepts(
    text: str, decimals: bool | None, negative: bool | None, low: str | None, high: str | None, offset: int
) -> None:
    number = rule(decimals, negative, low, high)
    if low is not None and offset:  # also try values right at a bound and one unit of its last digit off
        text = str(Decimal(low) + Decimal(offset).scaleb(Decimal(low).as_tuple().exponent))  # type: ignore[arg-type]
    if number.fine(text):
        assert exact(number, text) is not None, text
        assert number.text(text) == text
    value = exact(number, text)
    if value is None:
        with pytest.raises(Invalid):
            number.number(text)
    else:
        got = number.number(text)
        assert Decimal(got) == value
        as_int = decimals is not True and -(2**63) < value < 2**63
        assert isinstance(got, int) is as_int, got


@pytest.mark.parametrize(("low", "high", "text", "fine"), [
    ("-40", "85", "-39.999999", True),
    ("-40", "85", "-40", False),  # at a bound: the exact path decides (and accepts)
    ("-40", "85", "-40.0000000000000000001", False),
    ("0", None, "0.0000000000000000000000001", True),  # tiny, but certainly above 0
    ("0.1", None, "0.1000000000000000001", False),  # the same float as the bound: too close to call
    ("1", "5", "3", True),
])
def test_bounds_are_decided_in_floats_only_when_the_doubles_differ(
    low: str, high: str | None, text: str, fine: bool
) -> None:
    assert rule(True, True, low, high).fine(text) is fine
