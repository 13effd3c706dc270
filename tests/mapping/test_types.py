"""Every attribute type: what a cell becomes, and what is refused."""

from __future__ import annotations

import pytest

from .support import data, mapped, message, values, with_attributes


class TestEmptyAndNull:
    def test_empty_cell_is_left_out(self) -> None:
        assert values({"name": "", "weight": "", "price": "", "sensor_type": ""}) == {}

    @pytest.mark.parametrize("column", ["weight", "optical_zoom", "sensor_type", "multifunctional_functions",
                                        "color_scanning", "release_date~print", "price", "packshots"])
    def test_blank_cell_of_a_non_text_attribute_is_left_out(self, column: str) -> None:
        assert values({column: "   "}) == {}

    def test_list_cell_with_only_separators_is_left_out(self) -> None:
        assert values({"multifunctional_functions": "<###> <###>"}) == {}

    def test_text_keeps_spaces(self) -> None:
        assert data("name", "  spaced  ") == "  spaced  "

    @pytest.mark.parametrize("column", ["name", "weight", "price", "price@EUR", "sensor_type",
                                        "description~en_US~print", "nutrition", "compatible_with"])
    def test_null_clears_the_value(self, column: str) -> None:
        (items,) = values({column: None}).values()
        assert [item["data"] for item in items] == [None]


class TestText:
    def test_text_and_textarea_as_given(self) -> None:
        assert data("name", "Caméra <b>") == "Caméra <b>"
        assert data("composition", "line 1\nline 2") == "line 1\nline 2"

    def test_text_is_capped_at_255_characters(self) -> None:
        assert data("name", "x" * 255) == "x" * 255
        assert message("name", "x" * 256) == 'Column "name": 256 characters, the attribute allows at most 255'

    def test_max_characters_of_the_attribute(self) -> None:
        assert message("seo_title~en_US~ecommerce", "y" * 71).endswith("the attribute allows at most 70")

    def test_textarea_allows_long_text(self) -> None:
        assert len(data("composition", "z" * 10_000)) == 10_000

    def test_regexp_validation_rule(self) -> None:
        assert data("gtin", "4006381333931") == "4006381333931"
        assert message("gtin", "12AB") == 'Column "gtin": "12AB" does not match the attribute\'s regexp rule'


class TestNumber:
    @pytest.mark.parametrize(("cell", "expected"), [("12", 12), ("-3", "-3"), ("+7", 7), (" 42 ", 42),
                                                    ("1e3", 1000), ("5.000", 5)])
    def test_whole_numbers_become_ints(self, cell: str, expected: object) -> None:
        column = "operating_temperature_min" if expected == "-3" else "optical_zoom"
        assert data(column, cell) == expected

    def test_decimals_are_sent_as_strings_without_losing_precision(self) -> None:
        assert data("operating_temperature_min", "-12.345678901234567890") == "-12.345678901234567890"
        assert data("operating_temperature_min", "0.10") == "0.10"
        assert data("operating_temperature_min", ".5") == "0.5"

    def test_integers_beyond_64_bits_stay_exact(self) -> None:
        catalog = with_attributes(
            {"code": "big", "type": "pim_catalog_number", "decimals_allowed": False,
             "negative_allowed": True},
        )
        huge = "123456789012345678901234567890"
        assert data("big", huge, catalog=catalog) == huge
        assert data("big", "9223372036854775807", catalog=catalog) == 9223372036854775807

    @pytest.mark.parametrize(("column", "cell", "reason"), [
        ("optical_zoom", "1.5", '"1.5" has decimals, the attribute does not allow them'),
        ("optical_zoom", "-1", '"-1" is negative, the attribute does not allow it'),
        ("optical_zoom", "12 x", '"12 x" is not a number'),
        ("optical_zoom", "1,5", '"1,5" is not a number'),
        ("optical_zoom", "NaN", '"NaN" is not a number'),
        ("optical_zoom", "١٢", '"١٢" is not a number'),
        ("optical_zoom", "1e999", '"1e999" is out of range'),
        ("rating", "0", '"0" is below the minimum 1'),
        ("rating", "6", '"6" is above the maximum 5'),
        ("operating_temperature_min", "-60.5", '"-60.5" is below the minimum -60.0000'),
    ])
    def test_rules_of_the_attribute(self, column: str, cell: str, reason: str) -> None:
        assert message(column, cell) == f'Column "{column}": {reason}'


class TestBoolean:
    @pytest.mark.parametrize(("cell", "expected"), [
        ("true", True), ("TRUE", True), ("1", True), ("yes", True), ("Yes", True),
        ("false", False), ("False", False), ("0", False), ("no", False), ("NO", False),
    ])
    def test_words(self, cell: str, expected: bool) -> None:
        assert data("color_scanning", cell) is expected

    @pytest.mark.parametrize("cell", ["y", "on", "2", "vrai"])
    def test_other_words_are_refused(self, cell: str) -> None:
        assert message("color_scanning", cell).endswith("is not a boolean (true/false, 1/0, yes/no)")


class TestDate:
    @pytest.mark.parametrize("cell", ["2024-02-29", "2024-02-29T10:11:12", "2024-02-29T10:11:12Z",
                                      "2024-02-29T10:11:12+02:00", "2024-02-29T10:11:12.123+0200"])
    def test_iso_8601(self, cell: str) -> None:
        assert data("release_date~ecommerce", cell) == cell

    @pytest.mark.parametrize("cell", ["29/02/2024", "2024-2-29", "20240229", "2024-02-29 10:11:12",
                                      "yesterday"])
    def test_anything_else_is_refused(self, cell: str) -> None:
        assert message("release_date~ecommerce", cell).endswith("is not an ISO-8601 date "
                                                                 "(YYYY-MM-DD or YYYY-MM-DDThh:mm:ss[zone])")

    def test_impossible_dates(self) -> None:
        assert message("release_date~ecommerce", "2023-02-29").endswith('"2023-02-29" is not a valid date')

    def test_bounds(self) -> None:
        assert data("warranty_end", "2000-01-01") == "2000-01-01"
        assert message("warranty_end", "1999-12-31").endswith("is before the earliest date 2000-01-01")
        assert message("warranty_end", "2100-01-01T00:00:00").endswith("is after the latest date 2099-12-31")


class TestSelects:
    def test_simple_select_takes_the_catalog_spelling_of_an_option(self) -> None:
        assert data("sensor_type", "CCD") == "ccd"
        assert data("sensor_type", " cmos ") == "cmos"

    def test_option_of_another_attribute_is_refused(self) -> None:
        result = mapped({"sensor_type": "compact"})  # an option of camera_type
        assert result.errors[0]["message"] == (
            'Column "sensor_type": "compact" is not an option of attribute "sensor_type"')
        assert result.unknown  # might be a new option: worth a refresh

    def test_multi_select_splits_trims_and_dedupes(self) -> None:
        assert data("multifunctional_functions", "copy<###> Fax <###>copy") == ["copy", "fax"]

    def test_multi_select_names_every_unknown_option(self) -> None:
        assert message("multifunctional_functions", "copy<###>fly<###>swim") == (
            'Column "multifunctional_functions": "fly", "swim" are not options of attribute '
            '"multifunctional_functions"')

    def test_payloads_do_not_share_lists(self) -> None:
        first = data("multifunctional_functions", "copy<###>fax")
        first.append("changed downstream")
        assert data("multifunctional_functions", "copy<###>fax") == ["copy", "fax"]

    def test_separator_is_configurable(self) -> None:
        assert data("multifunctional_functions", "copy|fax", separator="|") == ["copy", "fax"]
        assert message("multifunctional_functions", "copy<###>fax", separator="|").endswith(
            'is not an option of attribute "multifunctional_functions"')


class TestPrices:
    def test_several_prices_joined_by_the_separator(self) -> None:
        assert data("price", "740.00 EUR<###>799.9 usd") == [
            {"amount": "740.00", "currency": "EUR"}, {"amount": "799.9", "currency": "USD"}]

    def test_negative_prices_are_allowed_as_akeneo_sets_no_sign_rule_for_prices(self) -> None:
        assert data("price", "-5 EUR") == [{"amount": "-5", "currency": "EUR"}]

    def test_decimals_need_the_attribute_to_allow_them(self) -> None:
        catalog = with_attributes({"code": "cheap", "type": "pim_catalog_price_collection"})
        assert message("cheap", "1.5 EUR", catalog=catalog) == (
            'Column "cheap": "1.5" has decimals, the attribute does not allow them')
        assert data("cheap", "2 EUR", catalog=catalog) == [{"amount": "2", "currency": "EUR"}]

    def test_currency_first_and_no_space(self) -> None:
        assert data("price", "EUR 10<###>12.5USD") == [
            {"amount": "10", "currency": "EUR"}, {"amount": "12.5", "currency": "USD"}]

    @pytest.mark.parametrize(("cell", "reason"), [
        ("10 GBP", 'currency "GBP" is not enabled'),
        ("10 ABC", 'currency "ABC" is unknown'),
        ("10", '"10" is not a price such as "740.00 EUR"'),
        ("ten EUR", '"ten EUR" is not a price such as "740.00 EUR"'),
        ("1 EUR<###>2 EUR", "currency EUR is given twice"),
    ])
    def test_refused(self, cell: str, reason: str) -> None:
        assert message("price", cell) == f'Column "price": {reason}'


class TestMetrics:
    @pytest.mark.parametrize(("cell", "unit"), [
        ("3000.00 MILLIMETER", "MILLIMETER"), ("3000.00 MMT", "MILLIMETER"), ("3000.00 mm", "MILLIMETER"),
        ("3000.00mm", "MILLIMETER"), ("3000.00 millimeter", "MILLIMETER"), ("3000.00 INH", "INCH"),
        ("3000.00 inch", "INCH"), ("3000.00 ft", "FEET"), ("3000.00 Mm", "MEGAMETER"),
    ])
    def test_unit_as_code_symbol_or_unece_code(self, cell: str, unit: str) -> None:
        assert data("maximum_scan_size", cell) == {"amount": "3000.00", "unit": unit}

    def test_weight_units_from_recommendation_20(self) -> None:
        for code, unit in [("MGM", "MILLIGRAM"), ("GRM", "GRAM"), ("KGM", "KILOGRAM"), ("TNE", "TON"),
                           ("LBR", "POUND"), ("ONZ", "OUNCE"), ("GRN", "GRAIN"), ("MC", "MICROGRAM")]:
            assert data("weight", f"2.5 {code}") == {"amount": "2.5", "unit": unit}

    def test_a_bare_number_takes_the_default_unit(self) -> None:
        assert data("weight", "2") == {"amount": "2", "unit": "KILOGRAM"}

    def test_negative_amount_where_allowed(self) -> None:
        assert data("operating_temperature_max", "-10.5 °C") == {"amount": "-10.5", "unit": "CELSIUS"}
        assert data("operating_temperature_max", "14 FAH") == {"amount": "14", "unit": "FAHRENHEIT"}

    @pytest.mark.parametrize(("column", "cell", "reason"), [
        ("weight", "3 MMT", 'unit "MMT" is not a unit of the Weight measurement family'),
        ("weight", "3 parsecs", 'unit "parsecs" is not a unit of the Weight measurement family'),
        ("maximum_scan_size", "3 MM", 'unit "MM" is ambiguous in the Length measurement family'),
        ("maximum_scan_size", "3.5 mm", '"3.5" has decimals, the attribute does not allow them'),
        ("weight", "-1 kg", '"-1" is negative, the attribute does not allow it'),
        ("weight", "kg", '"kg" is not an amount with a unit such as "3000.00 MMT"'),
    ])
    def test_refused(self, column: str, cell: str, reason: str) -> None:
        assert message(column, cell) == f'Column "{column}": {reason}'

    def test_no_unit_and_no_default_unit(self) -> None:
        catalog = with_attributes(
            {"code": "depth", "type": "pim_catalog_metric", "metric_family": "Length",
             "decimals_allowed": True},
        )
        assert message("depth", "3", catalog=catalog) == (
            'Column "depth": "3" has no unit and the attribute has no default unit')

    def test_attribute_of_a_family_the_catalog_lacks(self) -> None:
        catalog = with_attributes({"code": "depth", "type": "pim_catalog_metric", "metric_family": "Nowhere"})
        assert message("depth", "3 m", catalog=catalog) == (
            'Column "depth": measurement family "Nowhere" does not exist')


class TestCodesPassedThrough:
    @pytest.mark.parametrize("column", ["heel_color", "designer", "picture", "pdf_description"])
    def test_single_code(self, column: str) -> None:
        assert data(column, " a/b/c_1.jpg ") == "a/b/c_1.jpg"

    @pytest.mark.parametrize("column", ["sole_fabric", "manufacturers", "packshots"])
    def test_list_of_codes(self, column: str) -> None:
        assert data(column, "leather<###> silk<###>leather") == ["leather", "silk"]


class TestTable:
    def test_rows_as_json(self) -> None:
        cell = '[{"ingredient": "salt", "quantity": 1.5, "is_allergenic": false}, {"ingredient": "sugar"}]'
        assert data("nutrition", cell) == [{"ingredient": "salt", "quantity": 1.5, "is_allergenic": False},
                                           {"ingredient": "sugar"}]

    @pytest.mark.parametrize(("cell", "reason"), [
        ("salt", "a table value must be a JSON array of rows"),
        ('{"ingredient": "salt"}', "a table value must be a JSON array of objects (one per row)"),
        ('[{"ingredient": "salt", "colour": 1}]', 'row 1: "colour" is not a column of table "nutrition"'),
        ('[{"ingredient": "salt"}, {"quantity": 2}]', 'row 2: the first column "ingredient" is required'),
    ])
    def test_refused(self, cell: str, reason: str) -> None:
        assert message("nutrition", cell) == f'Column "nutrition": {reason}'


class TestProductLink:
    UUID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"

    @pytest.mark.parametrize(("cell", "expected"), [
        (f"product:{UUID}", {"type": "product", "id": UUID}),
        (UUID, {"type": "product", "id": UUID}),
        ("product_model:tshirt_blue", {"type": "product_model", "id": "tshirt_blue"}),
        ('{"type": "product_model", "id": "m1"}', {"type": "product_model", "id": "m1"}),
    ])
    def test_forms(self, cell: str, expected: dict[str, str]) -> None:
        assert data("compatible_with", cell) == expected

    @pytest.mark.parametrize(("cell", "reason"), [
        ("product:sku-1", '"sku-1" is not a product UUID'),
        ("sku-1", '"sku-1" is not a product UUID'),
        ("family:x", '"family:x" is not a product link (product:<uuid> or product_model:<code>)'),
        ('{"type": "product"}', 'a product link object has exactly "type" and "id"'),
    ])
    def test_refused(self, cell: str, reason: str) -> None:
        assert message("compatible_with", cell) == f'Column "compatible_with": {reason}'


def test_unsupported_attribute_type() -> None:
    catalog = with_attributes({"code": "odd", "type": "pim_catalog_hologram"})
    assert message("odd", "x", catalog=catalog) == (
        'Column "odd": attribute type "pim_catalog_hologram" is not supported')


def test_cells_must_be_strings() -> None:
    result = mapped({"name": 12})  # type: ignore[dict-item]
    assert result.errors[0]["message"] == 'Column "name": a cell must be a string or null, not int'
