"""Every value rule, checked through the collection PATCH the way a client sees it.

Structure errors (Akeneo's updater) answer one message with a documentation link and no ``errors``;
violations (Akeneo's validator) answer "Validation failed." with one ``errors`` item per problem.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from consumer.devstack.akeneo_sim import AkeneoSimulator

from .support import Api, small_catalog

DOC = "http://api.akeneo.com/api-reference.html#patch_products"
CHECK = " Check the expected format on the API documentation."


@pytest.fixture(scope="module")
def shared_api() -> Iterator[Api]:
    with AkeneoSimulator(small_catalog()) as sim:
        client = Api(sim.base_url)
        yield client
        client.close()


def send(api: Api, product: dict[str, Any]) -> dict[str, Any]:
    response = api.patch_lines([orjson.dumps({"identifier": "p", **product})])
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = orjson.loads(response.content)
    return answer


def values(code: str, data: Any, locale: str | None = None, scope: str | None = None) -> dict[str, Any]:
    return {"values": {code: [{"locale": locale, "scope": scope, "data": data}]}}


ACCEPTED = [
    pytest.param(values("name", "Scanner", "en_US"), id="localizable text"),
    pytest.param(values("description", "Long", "fr_FR", "mobile"), id="localizable and scopable"),
    pytest.param(values("teaser", "Short", scope="ecommerce"), id="scopable"),
    pytest.param(values("legal_fr", "Mentions", "fr_FR"), id="locale-specific attribute, allowed locale"),
    pytest.param(values("release_date", "2024-02-29"), id="date"),
    pytest.param(values("release_date", "2024-02-29T00:00:00+01:00"), id="date with time"),
    pytest.param(values("color_scanning", False), id="boolean"),
    pytest.param(values("zoom", 12), id="integer number"),
    pytest.param(values("zoom", "50"), id="number as a string, at the max"),
    pytest.param(values("temperature", "-12.5"), id="negative decimal allowed"),
    pytest.param(values("weight", {"amount": "1.5", "unit": "GRAM"}), id="metric"),
    pytest.param(
        values("price", [{"amount": "-740.00", "currency": "EUR"}, {"amount": 9, "currency": "USD"}]),
        id="prices, no sign rule when negative_allowed is null",
    ),
    pytest.param(values("price", [{"amount": None, "currency": "EUR"}]), id="price without amount"),
    pytest.param(values("color", "white"), id="simple select"),
    pytest.param(values("functions", ["copy", "print"]), id="multi select"),
    pytest.param(values("picture", "a/b/c/picture.png"), id="image code"),
    pytest.param(values("ean", "4006381333931"), id="text at max_characters"),
    pytest.param(values("color", None), id="null clears whatever the type"),
    pytest.param({"family": "printers", "categories": ["master", "printers"], "enabled": True}, id="fields"),
    pytest.param({"family": None, "groups": [], "parent": None}, id="null family and parent"),
]


@pytest.mark.parametrize("product", ACCEPTED)
def test_valid_products_are_accepted(shared_api: Api, product: dict[str, Any]) -> None:
    answer = send(shared_api, product)
    assert answer["status_code"] in (201, 204), answer


STRUCTURE = [
    pytest.param({"colour": "red"}, 'Property "colour" does not exist.', id="unknown property"),
    pytest.param(values("nope", "x"), 'Property "nope" does not exist.', id="unknown attribute"),
    pytest.param(values("name", "x"), 'Attribute "name" expects a locale, none given.', id="locale missing"),
    pytest.param(
        values("color", "black", "en_US"),
        'Attribute "color" does not expect a locale, "en_US" given.',
        id="locale given",
    ),
    pytest.param(
        values("teaser", "x"), 'Attribute "teaser" expects a scope, none given.', id="scope missing"
    ),
    pytest.param(
        values("name", "x", "en_US", "ecommerce"),
        'Attribute "name" does not expect a scope, "ecommerce" given.',
        id="scope given",
    ),
    pytest.param(
        {"values": {"name": [{"locale": "en_US", "data": "x"}]}},
        'Property "name" expects an array with the key "scope" as data.',
        id="value without scope key",
    ),
    pytest.param(
        {"values": {"name": "x"}},
        'Property "name" expects an array as data, "string" given.',
        id="values not a list",
    ),
    pytest.param(
        {"values": "x"},
        'Property "values" expects an array as data, "string" given.',
        id="values not an object",
    ),
    pytest.param(
        {"family": "cars"},
        'Property "family" expects a valid family code. The family does not exist, "cars" given.',
        id="unknown family",
    ),
    pytest.param(
        {"categories": ["master", "toys"]},
        'Property "categories" expects a valid category code. The category does not exist, "toys" given.',
        id="unknown category",
    ),
    pytest.param(
        {"categories": "master"},
        'Property "categories" expects an array as data, "string" given.',
        id="categories not a list",
    ),
    pytest.param(
        {"groups": ["promo"]},
        'Property "groups" expects a valid group code. The group does not exist, "promo" given.',
        id="unknown group",
    ),
    pytest.param(
        {"parent": "model"},
        'Property "parent" expects a valid parent code. '
        'The parent product model does not exist, "model" given.',
        id="parent",
    ),
    pytest.param(
        {"associations": {"FRIENDS": {"products": ["a"]}}},
        'Property "associations" expects a valid association type code. '
        'The association type does not exist, "FRIENDS" given.',
        id="unknown association type",
    ),
    pytest.param(
        {"enabled": "yes"},
        'Property "enabled" expects a boolean as data, "string" given.',
        id="enabled not boolean",
    ),
    pytest.param(
        values("color_scanning", "true"),
        'Property "color_scanning" expects a boolean as data, "string" given.',
        id="boolean as string",
    ),
    pytest.param(
        values("release_date", "2024-02-30"),
        'Property "release_date" expects a string with the format "yyyy-mm-dd" as data, "2024-02-30" given.',
        id="impossible date",
    ),
    pytest.param(
        values("release_date", 20240101),
        'Property "release_date" expects a string with the format "yyyy-mm-dd" as data, "integer" given.',
        id="date as number",
    ),
    pytest.param(
        values("name", ["a"], "en_US"),
        'Property "name" expects a scalar as data, "array" given.',
        id="text as list",
    ),
    pytest.param(
        values("zoom", [1]), 'Property "zoom" expects a scalar as data, "array" given.', id="number as list"
    ),
    pytest.param(
        values("weight", "3 kg"),
        'Property "weight" expects an array as data, "string" given.',
        id="metric as string",
    ),
    pytest.param(
        values("weight", {"amount": 3}),
        'Property "weight" expects an array with the key "unit" as data.',
        id="metric without unit",
    ),
    pytest.param(
        values("price", "3 EUR"),
        'Property "price" expects an array as data, "string" given.',
        id="price as string",
    ),
    pytest.param(
        values("price", [{"amount": 3}]),
        'Property "price" expects an array with the key "currency" as data.',
        id="price without currency",
    ),
    pytest.param(
        values("color", ["black"]),
        'Property "color" expects a string as data, "array" given.',
        id="simple select as list",
    ),
    pytest.param(
        values("functions", "copy"),
        'Property "functions" expects an array as data, "string" given.',
        id="multi select as string",
    ),
    pytest.param(
        values("functions", ["copy", 3]),
        'Property "functions" expects an array of strings as data, "integer" given.',
        id="multi select with a number",
    ),
    pytest.param(
        values("picture", 3),
        'Property "picture" expects a string as data, "integer" given.',
        id="image as number",
    ),
]


@pytest.mark.parametrize(("product", "message"), STRUCTURE)
def test_structure_errors_answer_one_documented_message(
    shared_api: Api, product: dict[str, Any], message: str
) -> None:
    answer = send(shared_api, product)
    assert answer == {
        "line": 1,
        "identifier": "p",
        "status_code": 422,
        "message": message + CHECK,
        "_links": {"documentation": {"href": DOC}},
    }


def violation(code: str, message: str, locale: str | None = None, scope: str | None = None) -> dict[str, Any]:
    return {"property": "values", "message": message, "attribute": code, "locale": locale, "scope": scope}


VIOLATIONS = [
    pytest.param(
        values("name", "x", "xx_XX"),
        [
            violation(
                "name", 'Attribute "name" expects an existing and activated locale, "xx_XX" given.', "xx_XX"
            )
        ],
        id="unknown locale",
    ),
    pytest.param(
        values("name", "x", "it_IT"),
        [
            violation(
                "name", 'Attribute "name" expects an existing and activated locale, "it_IT" given.', "it_IT"
            )
        ],
        id="disabled locale",
    ),
    pytest.param(
        values("teaser", "x", scope="web"),
        [violation("teaser", 'Value "teaser" expects an existing channel, "web" given', scope="web")],
        id="unknown channel",
    ),
    pytest.param(
        values("description", "x", "de_DE", "mobile"),
        [
            violation(
                "description",
                'Attribute "description" expects a valid locale, "de_DE" is not bound to channel "mobile".',
                "de_DE",
                "mobile",
            )
        ],
        id="locale not of the channel",
    ),
    pytest.param(
        values("legal_fr", "x", "en_US"),
        [violation("legal_fr", "The en_US locale is not available on the legal_fr attribute.", "en_US")],
        id="locale-specific attribute",
    ),
    pytest.param(
        values("price", [{"amount": "1", "currency": "GBP"}, {"amount": "1", "currency": "XYZ"}]),
        [
            violation(
                "price", "Please specify a valid currency for the price attribute, the GBP code was sent."
            ),
            violation(
                "price", "Please specify a valid currency for the price attribute, the XYZ code was sent."
            ),
        ],
        id="currencies disabled or unknown",
    ),
    pytest.param(
        values("weight", {"amount": 1, "unit": "METER"}),
        [violation("weight", "Please specify a valid metric unit")],
        id="unit of another family",
    ),
    pytest.param(
        values("weight", {"amount": 1, "unit": "STONE"}),
        [violation("weight", "Please specify a valid metric unit")],
        id="unknown unit",
    ),
    pytest.param(
        values("color", "pink"),
        [violation("color", "The pink value is not in the color attribute option list.")],
        id="unknown option",
    ),
    pytest.param(
        values("functions", ["copy", "staple", "bind"]),
        [violation("functions", "The staple, bind values are not in the functions attribute option list.")],
        id="unknown options",
    ),
    pytest.param(
        values("zoom", "abc"),
        [violation("zoom", "The zoom attribute requires a number, and the submitted abc value is not.")],
        id="not a number",
    ),
    pytest.param(
        values("zoom", True),
        [violation("zoom", "The zoom attribute requires a number, and the submitted True value is not.")],
        id="boolean for a number",
    ),
    pytest.param(
        values("zoom", "2.5"),
        [violation("zoom", "The zoom attribute requires a non-decimal value, and 2.5 is not a valid value.")],
        id="decimals not allowed",
    ),
    pytest.param(
        values("weight", {"amount": "-1", "unit": "GRAM"}),
        [violation("weight", "The weight attribute requires an equal or greater than 0 value.")],
        id="negative not allowed",
    ),
    pytest.param(
        values("zoom", 0),
        [violation("zoom", "The zoom attribute requires an equal or greater than 1 value.")],
        id="below number_min",
    ),
    pytest.param(
        values("zoom", 51),
        [violation("zoom", "The zoom attribute requires an equal or lesser than 50 value.")],
        id="above number_max",
    ),
    pytest.param(
        values("price", [{"amount": "10000.01", "currency": "EUR"}]),
        [violation("price", "The price attribute requires an equal or lesser than 10000 value.")],
        id="price above number_max",
    ),
    pytest.param(
        values("ean", "12345678901234"),
        [
            violation(
                "ean",
                "The ean attribute must not contain more than 13 characters. The submitted value is too "
                "long.",
            )
        ],
        id="text over max_characters",
    ),
    pytest.param(
        values("name", "x" * 256, "en_US"),
        [
            violation(
                "name",
                "The name attribute must not contain more than 255 characters. The submitted value is "
                "too long.",
                "en_US",
            )
        ],
        id="text over 255",
    ),
    pytest.param(
        values("name", 12, "en_US"),
        [violation("name", "The name attribute requires a string, a integer was detected.", "en_US")],
        id="number for a text",
    ),
]


@pytest.mark.parametrize(("product", "errors"), VIOLATIONS)
def test_violations_answer_validation_failed_with_errors(
    shared_api: Api, product: dict[str, Any], errors: list[dict[str, Any]]
) -> None:
    answer = send(shared_api, product)
    assert answer == {
        "line": 1,
        "identifier": "p",
        "status_code": 422,
        "message": "Validation failed.",
        "errors": errors,
    }


def test_all_violations_of_a_product_are_reported_together(shared_api: Api) -> None:
    answer = send(
        shared_api,
        {
            "values": {
                "color": [{"locale": None, "scope": None, "data": "pink"}],
                "zoom": [{"locale": None, "scope": None, "data": 99}],
            }
        },
    )
    assert [e["attribute"] for e in answer["errors"]] == ["color", "zoom"]


def test_a_structure_error_wins_over_violations(shared_api: Api) -> None:
    answer = send(
        shared_api,
        {
            "values": {
                "color": [{"locale": None, "scope": None, "data": "pink"}],
                "nope": [{"locale": None, "scope": None, "data": 1}],
            }
        },
    )
    assert answer["message"] == 'Property "nope" does not exist.' + CHECK
    assert "errors" not in answer


@pytest.mark.parametrize(("flag", "decimal_accepted"), [(True, True), (False, False), (None, False)])
def test_a_null_decimals_allowed_forbids_decimals_as_akeneo_does(
    flag: bool | None, decimal_accepted: bool
) -> None:
    catalog = small_catalog()
    catalog["attributes"].append({"code": "pages", "type": "pim_catalog_number", "localizable": False,
                                  "scopable": False, "decimals_allowed": flag, "negative_allowed": None})
    with AkeneoSimulator(catalog) as sim:
        api = Api(sim.base_url)
        try:
            assert send(api, values("pages", "12"))["status_code"] == 201
            answer = send(api, values("pages", "12.5"))
        finally:
            api.close()
    assert (answer["status_code"] == 204) is decimal_accepted, answer
    if not decimal_accepted:
        assert answer["errors"] == [violation(
            "pages", "The pages attribute requires a non-decimal value, and 12.5 is not a valid value.")]
