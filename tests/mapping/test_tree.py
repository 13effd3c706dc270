"""Product models and variant rows on the sample catalog's clothing family variants.

``clothing_size``: one level, axis ``size`` (``size``, ``ean``, ``weight``, ``sku`` on the variant).
``clothing_color_size``: axis ``color`` with ``variation_name``, ``variation_image``, ``composition``,
``material`` on the sub-models, then axis ``size`` with ``sku``, ``weight``, ``size``, ``ean``.
Everything else of the clothing family (``name``, ``description``, ``price``, ...) is common.
"""

from __future__ import annotations

from typing import Any

import pytest

from consumer.catalog import ModelDirectory, ModelInfo
from consumer.mapping import Mapper, MappingOptions, MapResult, ModelWrite, map_row

from .support import SAMPLE, WITHOUT_VARIANTS


def value(data: Any, locale: str | None = None, scope: str | None = None) -> list[dict[str, Any]]:
    return [{"locale": locale, "scope": scope, "data": data}]


KNOWN = ModelDirectory()
for _info in (
    ModelInfo("jacket", "clothing_color_size"),
    ModelInfo("jacket-blue", "clothing_color_size", "jacket"),
    ModelInfo("tee", "clothing_size"),
    ModelInfo("orphan-blue", "clothing_color_size", "lost-root"),  # its root is not known
    ModelInfo("ghost", "no_such_variant"),
):
    KNOWN.put(_info)
ROUTING = Mapper(SAMPLE)
REJECTING = Mapper(SAMPLE, MappingOptions(model_values="reject"))

# A flat row of a variant of jacket-blue, carrying every value of its tree (as feeds do).
FLAT = {
    "sku": "jacket-blue-m",
    "parent": "jacket-blue",
    "family": "clothing",
    "name": "Jacket",
    "description~en_US~ecommerce": "Warm",
    "price": "120.00 EUR",
    "color": "blue",
    "material": "wool",
    "variation_name~en_US": "Blue jacket",
    "size": "m",
    "ean": "4006381333931",
    "weight": "1.20 KGM",
}


def variant(
    row: dict[str, str | None], identifier: str = "jacket-blue-m", mapper: Mapper = ROUTING
) -> MapResult:
    return mapper.map(identifier, row, KNOWN.get)


def model(code: str, row: dict[str, str | None]) -> MapResult:
    return ROUTING.map_model(code, row, KNOWN.get)


def messages(result: MapResult) -> list[str]:
    assert not result.ok and result.waiting_for is None, result
    return [e["message"] for e in result.errors]


class TestModelRows:
    def test_a_root_model_holds_the_common_values(self) -> None:
        result = model(
            "coat",
            {
                "family_variant": "clothing_color_size",
                "name": "Coat",
                "categories": "clothing",
                "price": "99.00 EUR",
                "description~en_US~ecommerce": None,
            },
        )
        assert result.ok and result.model == ModelInfo("coat", "clothing_color_size")
        assert result.payload == {
            "code": "coat",
            "family_variant": "clothing_color_size",
            "categories": ["clothing"],
            "values": {
                "name": value("Coat"),
                "price": value([{"amount": "99.00", "currency": "EUR"}]),
                "description": value(None, "en_US", "ecommerce"),
            },
        }

    def test_a_root_model_refuses_the_values_of_other_levels_naming_column_and_level(self) -> None:
        found = messages(
            model(
                "coat",
                {"family_variant": "clothing_color_size", "name": "Coat", "color": "blue", "size": "m"},
            )
        )
        assert found == [
            'Column "color": attribute "color" is kept on the sub-models (level 1 of "clothing_color_size"), '
            "not on a root product model",
            'Column "size": attribute "size" is kept on the variant products (level 2 of '
            '"clothing_color_size"), not on a root product model',
        ]

    def test_a_sub_model_holds_its_level_and_its_axis(self) -> None:
        row = {
            "family_variant": "clothing_color_size",
            "parent": "jacket",
            "color": "Red",
            "material": "wool",
            "variation_name~en_US": "Red jacket",
            "composition": "100% wool",
        }
        result = model("jacket-red", row)
        assert result.ok and result.model == ModelInfo("jacket-red", "clothing_color_size", "jacket")
        assert result.payload is not None and result.payload["parent"] == "jacket"
        assert set(result.payload["values"]) == {"color", "material", "variation_name", "composition"}
        assert result.payload["values"]["color"] == value("red")  # the option as Akeneo spells it
        assert messages(model("jacket-red", {**row, "name": "Red"})) == [
            'Column "name": attribute "name" is kept on the root product model (common attributes of '
            '"clothing_color_size"), not on a sub-model'
        ]

    def test_a_sub_model_takes_its_parents_family_variant(self) -> None:
        result = model("jacket-red", {"parent": "jacket", "color": "red"})
        assert result.model == ModelInfo("jacket-red", "clothing_color_size", "jacket")
        assert result.payload == {"code": "jacket-red", "parent": "jacket", "values": {"color": value("red")}}

    def test_a_known_sub_model_updated_without_its_parent_column_keeps_its_level(self) -> None:
        result = model("jacket-blue", {"material": "cotton"})
        assert result.ok and result.payload == {
            "code": "jacket-blue",
            "values": {"material": value("cotton")},
        }
        assert messages(model("jacket-blue", {"color": None})) == [  # its axis value it cannot lose
            'Column "color": a value is required: "color" is an axis of "clothing_color_size" at level 1'
        ]

    @pytest.mark.parametrize(
        ("row", "expected"),
        [
            (
                {"parent": "jacket"},
                'Column "color": a value is required: "color" is an axis of "clothing_color_size" at level 1',
            ),
            (
                {"parent": "jacket", "color": None},
                'Column "color": a value is required: "color" is an axis of "clothing_color_size" at level 1',
            ),
            (
                {"parent": "jacket", "color": "turquoise"},
                'Column "color": "turquoise" is not an option of attribute "color"',
            ),
            (
                {"parent": "jacket-blue", "color": "red"},
                'Column "parent": parent "jacket-blue" is a sub-model: a '
                "sub-model's parent is a root product model",
            ),
            (
                {"family_variant": "clothing_size", "parent": "jacket", "color": "red"},
                'Column "parent": parent "jacket" is of family variant "clothing_color_size", not '
                '"clothing_size"',
            ),
            (
                {"parent": "tee", "size": "m"},
                'Column "parent": "clothing_size" has one level: its product models have no parent',
            ),
            ({"family_variant": "nope"}, 'Column "family_variant": family variant "nope" does not exist'),
            ({"family_variant": None}, 'Column "family_variant": cannot be cleared with null'),
            (
                {"family_variant": "clothing_size", "enabled": "yes"},
                'Column "enabled": product models have no "enabled"',
            ),
            ({"family_variant": "clothing_size", "sku": "x"}, 'Column "sku": product models have no "sku"'),
            (
                {"family_variant": "clothing_size", "family": "shoes"},
                'Column "family": family variant "clothing_size" is of family "clothing" (family variant '
                '"clothing_size"), not "shoes"',
            ),
        ],
    )
    def test_what_a_model_row_may_not_do(self, row: dict[str, str | None], expected: str) -> None:
        assert expected in messages(model("m-1", row))

    def test_unknown_family_variant_is_one_a_catalog_refresh_may_cure(self) -> None:
        assert model("m-1", {"family_variant": "nope"}).unknown == ('family variant "nope" does not exist',)

    def test_a_sub_model_whose_parent_is_not_known_waits_for_it(self) -> None:
        result = model("coat-red", {"parent": "coat", "color": "red"})
        assert (result.ok, result.waiting_for) == (False, "coat")
        assert result.errors[0]["message"] == "parent not known yet: coat"

    def test_a_model_without_family_variant_nor_facts_waits_for_its_own(self) -> None:
        result = model("mystery", {"name": "?"})
        assert (result.waiting_for, result.errors[0]["message"]) == (
            "mystery",
            "product model not known yet: mystery",
        )


class TestVariantRows:
    def test_a_two_level_variant_row_is_split_over_its_ancestors_root_first(self) -> None:
        result = variant(FLAT)
        assert result.ok and result.waiting_for is None and result.model is None
        assert result.payload == {
            "identifier": "jacket-blue-m",
            "parent": "jacket-blue",
            "family": "clothing",
            "values": {
                "size": value("m"),
                "ean": value("4006381333931"),
                "weight": value({"amount": "1.20", "unit": "KILOGRAM"}),
            },
        }
        assert result.models == (
            ModelWrite(
                "jacket",
                {
                    "code": "jacket",
                    "values": {
                        "name": value("Jacket"),
                        "description": value("Warm", "en_US", "ecommerce"),
                        "price": value([{"amount": "120.00", "currency": "EUR"}]),
                    },
                },
            ),
            ModelWrite(
                "jacket-blue",
                {
                    "code": "jacket-blue",
                    "values": {
                        "color": value("blue"),
                        "material": value("wool"),
                        "variation_name": value("Blue jacket", "en_US"),
                    },
                },
            ),
        )

    def test_a_one_level_variant_row_writes_the_common_values_to_its_root(self) -> None:
        result = variant(
            {"parent": "tee", "size": "xl", "ean": "123", "name": "Tee", "color": "red"}, "tee-xl"
        )
        assert result.payload is not None and set(result.payload["values"]) == {"size", "ean"}
        assert result.models == (
            ModelWrite("tee", {"code": "tee", "values": {"name": value("Tee"), "color": value("red")}}),
        )

    def test_a_row_of_its_own_level_only_implies_no_model_write(self) -> None:
        result = variant({"parent": "jacket-blue", "size": "s", "weight": "1 KGM"}, "jacket-blue-s")
        assert result.ok and result.models == ()

    def test_model_values_reject_names_each_column_and_its_level(self) -> None:
        found = messages(variant(FLAT, mapper=REJECTING))
        kept = "(MODEL_VALUES=reject)"
        assert found == [
            f'Column "name": attribute "name" is kept on the root product model (common attributes of '
            f'"clothing_color_size"), not on a variant product {kept}',
            f'Column "description~en_US~ecommerce": attribute "description" is kept on the root product '
            f'model (common attributes of "clothing_color_size"), not on a variant product {kept}',
            f'Column "price": attribute "price" is kept on the root product model (common attributes of '
            f'"clothing_color_size"), not on a variant product {kept}',
            f'Column "color": attribute "color" is kept on the sub-models (level 1 of '
            f'"clothing_color_size"), not on a variant product {kept}',
            f'Column "material": attribute "material" is kept on the sub-models (level 1 of '
            f'"clothing_color_size"), not on a variant product {kept}',
            f'Column "variation_name~en_US": attribute "variation_name" is kept on the sub-models (level 1 '
            f'of "clothing_color_size"), not on a variant product {kept}',
        ]
        own = {"parent": "jacket-blue", "size": "m", "ean": "1"}
        assert variant(own, mapper=REJECTING).ok

    def test_an_unknown_parent_is_waited_for_not_rejected(self) -> None:
        result = variant({"parent": "parka", "size": "m"}, "parka-m")
        assert (result.ok, result.waiting_for, result.errors[0]["message"]) == (
            False,
            "parka",
            "parent not known yet: parka",
        )
        assert result.errors[0]["property"] == "parent"
        orphan = variant(
            {"parent": "orphan-blue", "size": "m"}, "orphan-blue-m"
        )  # the sub-model's own parent
        assert orphan.waiting_for == "lost-root"
        assert (
            ROUTING.map("parka-m", {"parent": "parka", "size": "m"}).waiting_for == "parka"
        )  # no lookup at all

    def test_a_row_with_bad_cells_is_rejected_at_once_whatever_its_parent(self) -> None:
        result = variant({"parent": "parka", "size": "m", "optical_zoom": "twelve"}, "parka-m")
        assert result.waiting_for is None
        assert messages(result) == ['Column "optical_zoom": "twelve" is not a number']

    def test_a_parent_of_another_family(self) -> None:
        assert messages(variant({**FLAT, "family": "shoes"})) == [
            'Column "family": parent "jacket-blue" is of family "clothing" (family variant '
            '"clothing_color_size"), not "shoes"'
        ]

    @pytest.mark.parametrize(
        ("size", "expected"),
        [
            (
                None,
                'Column "size": a value is required: "size" is an axis of "clothing_color_size" at level 2',
            ),
            ("", 'Column "size": a value is required: "size" is an axis of "clothing_color_size" at level 2'),
            ("xxxxl", 'Column "size": "xxxxl" is not an option of attribute "size"'),
        ],
    )
    def test_the_axis_value_is_required_and_an_option(self, size: str | None, expected: str) -> None:
        assert messages(variant({**FLAT, "size": size})) == [expected]

    def test_parents_of_the_wrong_level_or_unknown_family_variant(self) -> None:
        assert messages(variant({"parent": "jacket", "size": "m"}, "jacket-m")) == [
            'Column "parent": "jacket" is a root product model of "clothing_color_size" (2 level(s)): a '
            "variant product's parent is a model of level 1"
        ]
        ghost = variant({"parent": "ghost", "size": "m"}, "ghost-m")
        assert messages(ghost) == ['Column "parent": family variant "no_such_variant" does not exist']
        assert ghost.unknown

    def test_an_attribute_outside_the_family_is_refused_even_when_routing(self) -> None:
        assert messages(variant({**FLAT, "optical_zoom": "3"})) == [
            'Column "optical_zoom": attribute "optical_zoom" is not an attribute of family "clothing"'
        ]


def test_plain_products_and_old_catalogs_are_as_before() -> None:
    plain = ROUTING.map("cam-1", {"name": "Camera", "family": "digital_cameras"}, KNOWN.get)
    assert plain.ok and (plain.models, plain.waiting_for, plain.model) == ((), None, None)
    old = Mapper(WITHOUT_VARIANTS).map("jacket-blue-m", FLAT)  # no family variants: parent unchecked
    assert old.ok and old.payload is not None and "name" in old.payload["values"] and old.models == ()
    root = Mapper(WITHOUT_VARIANTS).map_model("coat", {"family_variant": "clothing_size", "size": "m"})
    assert root.ok and root.model == ModelInfo("coat", "clothing_size")


def test_the_entity_picks_the_mapping() -> None:
    row = {"family_variant": "clothing_size", "name": "Tee"}
    assert map_row("tee-2", row, SAMPLE, entity="PRODUCT_MODEL").payload == {
        "code": "tee-2",
        "family_variant": "clothing_size",
        "values": {"name": value("Tee")},
    }
    assert ROUTING.map_entity("PRODUCT", "sku-1", {"name": "x"}).payload == {
        "identifier": "sku-1",
        "values": {"name": value("x")},
    }
