"""Column forms of the flat row: qualifiers, @currency / @unit suffixes, reserved columns."""

from __future__ import annotations

import pytest

from .support import data, errors, mapped, message, payload, values


def test_plain_code_for_an_attribute_without_locale_or_scope() -> None:
    assert values({"name": "Camera"}) == {"name": [{"locale": None, "scope": None, "data": "Camera"}]}


def test_single_qualifier_is_a_locale_for_a_localizable_attribute() -> None:
    assert values({"meta_title~fr_FR": "Titre"}) == {
        "meta_title": [{"locale": "fr_FR", "scope": None, "data": "Titre"}]}


def test_single_qualifier_is_a_channel_for_a_scopable_attribute() -> None:
    assert values({"release_date~print": "2024-05-01"}) == {
        "release_date": [{"locale": None, "scope": "print", "data": "2024-05-01"}]}


def test_locale_then_scope_for_an_attribute_with_both() -> None:
    found = values({"description~en_US~ecommerce": "Nice", "description~de_DE~print": "Schön"})
    assert found == {"description": [
        {"locale": "en_US", "scope": "ecommerce", "data": "Nice"},
        {"locale": "de_DE", "scope": "print", "data": "Schön"},
    ]}


def test_currency_suffix_columns_merge_into_one_price_collection() -> None:
    found = values({"price@EUR": "740.00", "price@USD": "800"})
    assert found == {"price": [{"locale": None, "scope": None, "data": [
        {"amount": "740.00", "currency": "EUR"}, {"amount": "800", "currency": "USD"}]}]}


def test_currency_suffix_with_a_scope() -> None:
    assert data("special_price~mobile@USD", "9.99") == [{"amount": "9.99", "currency": "USD"}]


@pytest.mark.parametrize("suffix", ["KILOGRAM", "kg", "KGM"])
def test_unit_suffix_by_code_symbol_or_unece_code(suffix: str) -> None:
    assert data(f"weight@{suffix}", "1.25") == {"amount": "1.25", "unit": "KILOGRAM"}


def test_unit_suffix_with_a_scope() -> None:
    assert data("shipping_weight~print@LBR", "3") == {"amount": "3", "unit": "POUND"}


@pytest.mark.parametrize(("column", "reason"), [
    ("name~en_US", 'attribute "name" is neither localizable nor scopable: name the column "name"'),
    ("meta_title", 'attribute "meta_title" is localizable: name the column "meta_title~<locale>"'),
    ("release_date", 'attribute "release_date" is scopable: name the column "release_date~<channel>"'),
    ("description~en_US", 'attribute "description" is localizable and scopable: '
                          'name the column "description~<locale>~<channel>"'),
    ("meta_title~fr_FR~print",
     'attribute "meta_title" is localizable: name the column "meta_title~<locale>"'),
    ("description~en_US~ecommerce~x", 'attribute "description" is localizable and scopable: '
                                      'name the column "description~<locale>~<channel>"'),
])
def test_qualifiers_that_do_not_fit_the_attribute_flags(column: str, reason: str) -> None:
    assert message(column, "x") == f'Column "{column}": {reason}'


@pytest.mark.parametrize(("column", "reason"), [
    ("release_date~web", 'channel "web" does not exist'),
    ("meta_title~es_ES", 'locale "es_ES" is not enabled'),
    ("meta_title~xx_XX", 'locale "xx_XX" is unknown'),
    ("description~fr_FR~print", 'locale "fr_FR" is not activated for channel "print"'),
    ("local_certification~en_US", 'attribute "local_certification" only has the locales de_DE, not "en_US"'),
])
def test_locales_and_channels_must_exist_and_fit(column: str, reason: str) -> None:
    assert message(column, "2024-01-01") == f'Column "{column}": {reason}'


def test_error_names_attribute_locale_and_scope_of_the_column() -> None:
    (error,) = errors({"description~fr_FR~print": "x"})
    assert error == {"property": "values", "attribute": "description", "locale": "fr_FR", "scope": "print",
                     "message": 'Column "description~fr_FR~print": '
                                'locale "fr_FR" is not activated for channel "print"'}


def test_unknown_attribute_rejects_the_product_and_names_the_column() -> None:
    result = mapped({"name": "ok", "colour": "red"})
    assert not result.ok
    assert result.errors == [{"property": "values", "attribute": "colour", "locale": None, "scope": None,
                              "message": 'Column "colour": attribute "colour" does not exist'}]
    assert result.unknown == ('attribute "colour" does not exist',)  # a catalog refresh might cure it


def test_dash_separated_column_gets_a_hint() -> None:
    assert message("description-en_US-ecommerce", "x").endswith("; qualifiers are separated by ~")


@pytest.mark.parametrize("column", ["name@EUR", "optical_zoom@MMT", "sku@EUR", "price@", "weight@ "])
def test_suffix_only_on_prices_and_metrics(column: str) -> None:
    assert message(column, "1").endswith("@ is only for price collections (@currency) and metrics (@unit)")


def test_unknown_unit_or_currency_in_the_suffix() -> None:
    assert message("weight@MMT", "1") == (
        'Column "weight@MMT": unit "MMT" is not a unit of the Weight measurement family')
    assert message("price@GBP", "1") == 'Column "price@GBP": currency "GBP" is not enabled'
    assert message("price@XYZ", "1") == 'Column "price@XYZ": currency "XYZ" is unknown'


def test_problems_are_only_reported_for_cells_with_something_in_them() -> None:
    assert payload({"colour": "", "name": "x", "name~en_US": ""})["values"] == {
        "name": [{"locale": None, "scope": None, "data": "x"}]}
    assert message("colour", None) == 'Column "colour": attribute "colour" does not exist'


def test_every_problem_of_a_row_is_reported_at_once() -> None:
    found = errors({"colour": "red", "weight": "1 XYZ", "color_scanning": "maybe", "name": "fine"})
    assert [e["attribute"] for e in found] == ["colour", "weight", "color_scanning"]


def test_two_columns_writing_the_same_value_are_a_conflict() -> None:
    (error,) = errors({"weight": "1 kg", "weight@GRAM": "1000"})
    assert error["message"] == 'Column "weight@GRAM": sets the same value as column "weight"'
    # Either alone is fine, and so is one of them empty.
    assert data("weight@GRAM", "1000") == {"amount": "1000", "unit": "GRAM"}
    assert values({"weight": "", "weight@GRAM": "1000"})["weight"][0]["data"]["unit"] == "GRAM"


def test_the_same_currency_twice_is_a_conflict() -> None:
    (error,) = errors({"price": "1 EUR", "price@EUR": "2"})
    assert error["message"] == 'Column "price@EUR": currency EUR is given twice'


def test_column_names_are_trimmed() -> None:
    assert values({" name ": "x"}) == {"name": [{"locale": None, "scope": None, "data": "x"}]}


ASSOCIATION_FORM = "associations are written associations~TYPE~products|product_models|groups"


class TestReservedColumns:
    def test_family_parent_categories_groups_enabled(self) -> None:
        found = payload({"family": "scanners", "parent": "model_1", "categories": "scanners<###> office",
                         "groups": "summer_promo", "enabled": "No"})
        assert found == {"identifier": "sku-1", "family": "scanners", "parent": "model_1",
                         "categories": ["scanners", "office"], "groups": ["summer_promo"], "enabled": False,
                         "values": {}}

    def test_null_clears_family_parent_and_lists(self) -> None:
        found = payload({"family": None, "parent": None, "categories": None, "groups": None})
        assert found == {"identifier": "sku-1", "family": None, "parent": None, "categories": [],
                         "groups": [],
                         "values": {}}

    def test_enabled_cannot_be_cleared(self) -> None:
        assert message("enabled", None) == 'Column "enabled": cannot be cleared with null'

    @pytest.mark.parametrize(("column", "cell", "reason"), [
        ("family", "boats", 'family "boats" does not exist'),
        ("categories", "scanners<###>boats", 'category "boats" does not exist'),
        ("groups", "nope", 'group "nope" does not exist'),
        ("enabled", "maybe", '"maybe" is not a boolean (true/false, 1/0, yes/no)'),
    ])
    def test_unknown_codes(self, column: str, cell: str, reason: str) -> None:
        (error,) = errors({column: cell})
        assert error == {"property": column, "attribute": None, "locale": None, "scope": None,
                         "message": f'Column "{column}": {reason}'}

    def test_associations_by_type_and_kind(self) -> None:
        found = payload({"associations~X_SELL~products": "a<###>b", "associations~X_SELL~product_models": "m",
                         "associations~PACK~groups": "similar_cameras", "associations~UPSELL~products": None})
        assert found["associations"] == {
            "X_SELL": {"products": ["a", "b"], "product_models": ["m"]},
            "PACK": {"groups": ["similar_cameras"]},
            "UPSELL": {"products": []},
        }

    @pytest.mark.parametrize(("column", "reason"), [
        ("associations~X_SELL", ASSOCIATION_FORM),
        ("associations~X_SELL~things", ASSOCIATION_FORM),
        ("associations~NOPE~products", 'association type "NOPE" does not exist'),
    ])
    def test_malformed_association_columns(self, column: str, reason: str) -> None:
        (error,) = errors({column: "a"})
        assert error["property"] == "associations"
        assert error["message"] == f'Column "{column}": {reason}'

    def test_association_groups_must_exist(self) -> None:
        assert message("associations~PACK~groups", "nope") == (
            'Column "associations~PACK~groups": group "nope" does not exist')


class TestIdentifier:
    def test_identifier_comes_from_the_event(self) -> None:
        assert payload({"name": "x"}, identifier="cam/1 ü")["identifier"] == "cam/1 ü"

    def test_identifier_column_equal_to_the_event_identifier_is_accepted_and_not_repeated(self) -> None:
        assert payload({"sku": "sku-1"}) == {"identifier": "sku-1", "values": {}}

    def test_identifier_column_differing_from_the_event_is_rejected(self) -> None:
        assert message("sku", "other") == 'Column "sku": "other" differs from the event\'s identifier "sku-1"'

    @pytest.mark.parametrize("identifier", ["", "   ", "x" * 256])
    def test_empty_or_too_long_identifier(self, identifier: str) -> None:
        (error,) = errors({"name": "x"}, identifier=identifier)
        assert error["property"] == "identifier"
