"""Identifiers Akeneo cannot take are refused before sending, naming why; usable ones pass untouched."""

from __future__ import annotations

import pytest

from consumer.mapping import identifier_problem

from .support import mapped

REFUSED = ", which Akeneo does not accept"


@pytest.mark.parametrize(
    ("identifier", "why"),
    [
        ("", "the event has no product identifier"),
        (None, "the event has no product identifier"),
        (42, "the event has no product identifier"),
        ("   ", "the product identifier is only whitespace"),
        ("\t\n", "the product identifier is only whitespace"),
        ("x" * 256, "the product identifier is 256 characters long, over Akeneo's 255"),
        ("x" * 300, "the product identifier is 300 characters long, over Akeneo's 255"),
        (".", 'the product identifier "." cannot be used in a URL path: it is a dot segment'),
        ("..", 'the product identifier ".." cannot be used in a URL path: it is a dot segment'),
        (" cap", "the product identifier starts or ends with a space" + REFUSED),
        ("cap ", "the product identifier starts or ends with a space" + REFUSED),
        ("cap,red", "the product identifier contains a comma or a semicolon" + REFUSED),
        ("cap;red", "the product identifier contains a comma or a semicolon" + REFUSED),
        ("cap\nred", "the product identifier contains U+000A (a control character)" + REFUSED),
        ("cap\x00", "the product identifier contains U+0000 (a control character)" + REFUSED),
        ("\u00a0cap", "the product identifier contains U+00A0 NO-BREAK SPACE" + REFUSED),
        ("cap\u200b", "the product identifier contains U+200B ZERO WIDTH SPACE" + REFUSED),
    ],
)
def test_unusable_identifiers_are_named_with_the_reason(identifier: object, why: str) -> None:
    assert identifier_problem(identifier) == why


@pytest.mark.parametrize(
    "identifier",
    ["cap", "shirt/blue 42", "a?b#c%d", "...", ".hidden", "a.b", "%2e%2e", "Caméra-é", "x" * 255, "製品-1"],
)
def test_usable_identifiers_pass(identifier: str) -> None:
    assert identifier_problem(identifier) is None


def test_a_product_model_code_follows_the_same_rules_under_its_own_name() -> None:
    assert identifier_problem("..", "PRODUCT_MODEL") == (
        'the product model code ".." cannot be used in a URL path: it is a dot segment'
    )
    assert identifier_problem("tshirt_unique", "PRODUCT_MODEL") is None


@pytest.mark.parametrize("identifier", [".", "..", "   ", "x" * 300, "cap\tred"])
def test_the_mapping_rejects_such_an_upsert_with_the_reason(identifier: str) -> None:
    result = mapped({"name": "Camera"}, identifier=identifier)
    assert not result.ok
    (error,) = result.errors
    assert error["property"] == "identifier"
    assert error["message"] == identifier_problem(identifier)
