"""The simulator's catalog: Akeneo's structure, indexed for validation and served by the list endpoints.

Input is the contract's catalog JSON (items of Akeneo's own list endpoints, unchanged) plus the optional
keys ``families``, ``categories``, ``groups``, ``association_types`` and ``family_variants`` (by family
code, the items of ``GET /families/{family}/variants``). Nothing here knows about HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Any

SAMPLE_CATALOG_RESOURCE = "data/icecat_catalog.json"

# Akeneo always has the root category "master"; channels of a fresh PIM point at it.
_DEFAULT_CATEGORIES: list[dict[str, Any]] = [
    {"code": "master", "parent": None, "updated": "2024-01-01T00:00:00+00:00", "position": 1,
     "labels": {"en_US": "Master catalog"}},
]


# The association types of a fresh Akeneo install.
_DEFAULT_ASSOCIATION_TYPES: list[dict[str, Any]] = [
    {"code": code, "labels": {"en_US": label}, "is_quantified": False, "is_two_way": False}
    for code, label in (("X_SELL", "Cross sell"), ("UPSELL", "Upsell"), ("SUBSTITUTION", "Substitution"),
                        ("PACK", "Pack"))
]


def load_sample_catalog() -> dict[str, Any]:
    """The sample catalog shipped with the package (built from Akeneo's icecat demo data)."""
    ref = resources.files("consumer.devstack").joinpath(SAMPLE_CATALOG_RESOURCE)
    try:
        text = ref.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"sample catalog missing: {ref}") from None
    catalog = json.loads(text)
    if not isinstance(catalog, dict):
        raise ValueError("sample catalog is not a JSON object")
    return catalog


def _decimal_or_none(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@dataclass(frozen=True, slots=True)
class AttributeRule:
    """What value validation needs to know of one attribute."""

    code: str
    type: str
    localizable: bool
    scopable: bool
    available_locales: frozenset[str]  # empty: every locale
    decimals_allowed: bool
    negative_allowed: bool
    number_min: Decimal | None
    number_max: Decimal | None
    metric_family: str | None
    max_characters: int | None
    options: Mapping[str, str]  # lower-cased option code -> code as Akeneo stores it

    @property
    def unconstrained(self) -> bool:
        """No number rule beyond "is a number": the validator can skip decimal arithmetic."""
        return (self.decimals_allowed and self.negative_allowed and self.number_min is None
                and self.number_max is None)

    @classmethod
    def from_item(cls, item: Mapping[str, Any], options: Sequence[Mapping[str, Any]]) -> AttributeRule:
        max_chars = item.get("max_characters")
        return cls(
            code=str(item["code"]),
            type=str(item.get("type", "pim_catalog_text")),
            localizable=bool(item.get("localizable", False)),
            scopable=bool(item.get("scopable", False)),
            available_locales=frozenset(item.get("available_locales") or ()),
            # As Akeneo's constraint guessers: decimals need an explicit true (null forbids them);
            # only an explicit false forbids negatives (a price collection leaves it null).
            decimals_allowed=item.get("decimals_allowed") is True,
            negative_allowed=item.get("negative_allowed") is not False,
            number_min=_decimal_or_none(item.get("number_min")),
            number_max=_decimal_or_none(item.get("number_max")),
            metric_family=item.get("metric_family") or None,
            max_characters=int(str(max_chars)) if str(max_chars).isdigit() else None,
            options={str(o["code"]).lower(): str(o["code"]) for o in options},
        )


class Catalog:
    """Immutable view of a catalog JSON: the raw items in order, and lookups by code."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.attributes: list[dict[str, Any]] = list(data.get("attributes") or [])
        raw_options: Mapping[str, list[dict[str, Any]]] = data.get("attribute_options") or {}
        self.attribute_options: dict[str, list[dict[str, Any]]] = {
            code: [{"attribute": code, **option} for option in options]
            for code, options in raw_options.items()
        }
        self.channels: list[dict[str, Any]] = list(data.get("channels") or [])
        self.locales: list[dict[str, Any]] = list(data.get("locales") or [])
        self.currencies: list[dict[str, Any]] = list(data.get("currencies") or [])
        self.measurement_families: list[dict[str, Any]] = list(data.get("measurement_families") or [])
        self.families: list[dict[str, Any]] = list(data.get("families") or [])
        categories = data.get("categories")
        self.categories: list[dict[str, Any]] = list(categories or _DEFAULT_CATEGORIES)
        self.groups: list[dict[str, Any]] = list(data.get("groups") or [])
        self.association_types: list[dict[str, Any]] = list(
            data.get("association_types") or _DEFAULT_ASSOCIATION_TYPES)

        self.attribute_by_code = {a["code"]: a for a in self.attributes}
        self.rules = {
            a["code"]: AttributeRule.from_item(a, self.attribute_options.get(a["code"], []))
            for a in self.attributes
        }
        self.identifier_attribute = next(
            (a["code"] for a in self.attributes if a.get("type") == "pim_catalog_identifier"), None
        )
        self.channel_by_code = {c["code"]: c for c in self.channels}
        self.channel_locales = {c["code"]: frozenset(c.get("locales") or ()) for c in self.channels}
        self.locale_by_code = {loc["code"]: loc for loc in self.locales}
        self.enabled_locales = frozenset(loc["code"] for loc in self.locales if loc.get("enabled"))
        self.currency_by_code = {c["code"]: c for c in self.currencies}
        self.enabled_currencies = frozenset(c["code"] for c in self.currencies if c.get("enabled"))
        self.measurement_family_by_code = {m["code"]: m for m in self.measurement_families}
        self.units_by_family = {
            m["code"]: frozenset((m.get("units") or {}).keys()) for m in self.measurement_families
        }
        self.family_by_code = {f["code"]: f for f in self.families}
        self.category_by_code = {c["code"]: c for c in self.categories}
        self.group_codes = frozenset(g["code"] for g in self.groups)
        self.association_type_by_code = {t["code"]: t for t in self.association_types}
        raw_variants: Mapping[str, list[dict[str, Any]]] = data.get("family_variants") or {}
        self.family_variants: dict[str, list[dict[str, Any]]] = {
            family: list(items) for family, items in raw_variants.items()}
        # Family variant codes are unique in a PIM, whatever their family.
        self.family_variant_by_code: dict[str, tuple[str, dict[str, Any]]] = {
            item["code"]: (family, item) for family, items in self.family_variants.items() for item in items}

    def option(self, attribute: str, code: str) -> dict[str, Any] | None:
        return next((o for o in self.attribute_options.get(attribute, []) if o["code"] == code), None)
