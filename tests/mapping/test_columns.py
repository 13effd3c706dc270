"""Column forms of the flat row: qualifiers, @currency / @unit suffixes, reserved columns."""

from __future__ import annotations

import pytest

from .support import WITHOUT_VARIANTS, data, errors, mapped, message, payload, values


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


class TestLiteralSuffixes:
    """The export's own names: ``price@currency`` = ``740.00 EUR``, ``length@unit`` = ``3000.00 MMT``."""

    def test_at_currency_holds_prices_as_a_plain_price_column_does(self) -> None:
        assert data("price@currency", "740.00 EUR<###>799.20 usd") == [
            {"amount": "740.00", "currency": "EUR"}, {"amount": "799.20", "currency": "USD"}]
        assert data("price@currency", "740.00 EUR") == data("price", "740.00 EUR")

    @pytest.mark.parametrize("cell", ["3000.00 MMT", "3000.00 mm", "3000.00 MILLIMETER"])
    def test_at_unit_holds_amount_and_unit_as_code_symbol_or_unece_code(self, cell: str) -> None:
        assert data("maximum_scan_size@unit", cell) == {"amount": "3000.00", "unit": "MILLIMETER"}

    def test_at_unit_bare_amount_takes_the_default_unit_as_a_plain_column_does(self) -> None:
        assert data("weight@unit", "3.5") == {"amount": "3.5", "unit": "KILOGRAM"}

    def test_with_qualifiers(self) -> None:
        assert data("special_price~mobile@currency", "9.99 USD") == [{"amount": "9.99", "currency": "USD"}]
        assert data("shipping_weight~print@unit", "3 lb") == {"amount": "3", "unit": "POUND"}

    def test_the_word_in_any_case(self) -> None:
        assert data("price@Currency", "1 EUR") == [{"amount": "1", "currency": "EUR"}]
        assert data("weight@UNIT", "1 kg") == {"amount": "1", "unit": "KILOGRAM"}

    @pytest.mark.parametrize(("column", "cell", "reason"), [
        ("price@currency", "12.00 GBP", 'currency "GBP" is not enabled'),
        ("price@currency", "12.00", '"12.00" is not a price such as "740.00 EUR"'),
        ("weight@unit", "3.5 MTR", 'unit "MTR" is not a unit of the Weight measurement family'),
        ("maximum_scan_size@unit", "3.5 mm", '"3.5" has decimals, the attribute does not allow them'),
        ("price@unit", "1 EUR",
         "price collection columns end in @currency or a currency code such as @EUR, not @unit"),
        ("weight@currency", "1 kg",
         "metric columns end in @unit or a unit such as @KILOGRAM, @KGM or @kg, not @currency"),
        ("name@currency", "x", "@ is only for price collections (@currency) and metrics (@unit)"),
        ("optical_zoom@unit", "1", "@ is only for price collections (@currency) and metrics (@unit)"),
    ])
    def test_the_checks_of_plain_columns_apply(self, column: str, cell: str, reason: str) -> None:
        assert message(column, cell) == f'Column "{column}": {reason}'

    def test_the_literal_column_and_a_plain_one_write_the_same_value(self) -> None:
        (error,) = errors({"weight": "1 kg", "weight@unit": "2 kg"})
        assert error["message"] == 'Column "weight@unit": sets the same value as column "weight"'
        (error,) = errors({"price@currency": "1 EUR", "price@EUR": "2"})
        assert error["message"] == 'Column "price@EUR": currency EUR is given twice'
        assert data("price@currency", "1 EUR") == [{"amount": "1", "currency": "EUR"}]

    def test_prices_of_a_literal_column_and_a_currency_column_merge(self) -> None:
        assert values({"price@currency": "1 EUR", "price@USD": "2"})["price"][0]["data"] == [
            {"amount": "1", "currency": "EUR"}, {"amount": "2", "currency": "USD"}]


class TestNamedSuffixWithTheUnitInTheCell:
    """``price@EUR`` / ``weight@KGM``: the cell may repeat the column's currency or unit."""

    @pytest.mark.parametrize("cell", ["740.00", "740.00 EUR", "740.00 eur", "EUR 740.00", "740.00EUR"])
    def test_price_in_the_columns_currency(self, cell: str) -> None:
        assert data("price@EUR", cell) == [{"amount": "740.00", "currency": "EUR"}]

    @pytest.mark.parametrize("column", ["weight@KILOGRAM", "weight@KGM", "weight@kg"])
    @pytest.mark.parametrize("cell", ["1.25", "1.25 KILOGRAM", "1.25 KGM", "1.25 kg", "1.25kg"])
    def test_metric_in_a_unit_naming_the_columns_unit(self, column: str, cell: str) -> None:
        assert data(column, cell) == {"amount": "1.25", "unit": "KILOGRAM"}

    @pytest.mark.parametrize(("column", "cell", "reason"), [
        ("price@EUR", "740.00 USD", '"740.00 USD" is a price in USD, the column is for EUR'),
        ("price@EUR", "740.00 GBP", '"740.00 GBP" is a price in GBP, the column is for EUR'),
        ("price@EUR", "740.00 XYZ", 'currency "XYZ" is unknown'),
        ("price@EUR", "nine", '"nine" is not an amount such as "740.00" (or "740.00 EUR")'),
        ("special_price~mobile@USD", "9.99 EUR", '"9.99 EUR" is a price in EUR, the column is for USD'),
        ("weight@KGM", "3 g", '"3 g" is in GRAM, the column is for KILOGRAM'),
        ("weight@kg", "3 LBR", '"3 LBR" is in POUND, the column is for KILOGRAM'),
        ("weight@KGM", "3 MMT", 'unit "MMT" is not a unit of the Weight measurement family'),
        ("weight@KGM", "abc", '"abc" is not an amount such as "3000.00" (or "3000.00 KGM")'),
        ("maximum_scan_size@MMT", "3.5 mm", '"3.5" has decimals, the attribute does not allow them'),
    ])
    def test_another_currency_or_unit_is_refused(self, column: str, cell: str, reason: str) -> None:
        assert message(column, cell) == f'Column "{column}": {reason}'


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
                         "groups": "summer_promo", "enabled": "No"}, catalog=WITHOUT_VARIANTS)
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
