"""One immutable snapshot of Akeneo's catalog structure, indexed for the mapping.

Built from the contract's catalog JSON (the items of Akeneo's own list endpoints, unchanged) and
turned back into it by ``to_json``: the raw items are kept as given so a dump round-trips exactly.
The optional keys ``families``, ``categories``, ``groups`` and ``association_types`` are checked
against only when present (``None`` here means "not known", never "none exist"); so are
``family_variants`` (``{"<family code>": [items of GET /families/{family}/variants]}``), which the
mapping of product models and variant products needs.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from consumer.catalog.variants import FamilyVariantInfo, index_family_variants
from consumer.errors import ConsumerError

REQUIRED_KEYS = (
    "attributes", "attribute_options", "channels", "locales", "currencies", "measurement_families",
)
OPTIONAL_KEYS = ("families", "categories", "groups", "association_types")
VARIANTS_KEY = "family_variants"
SELECT_TYPES = frozenset({"pim_catalog_simpleselect", "pim_catalog_multiselect"})


class CatalogError(ConsumerError):
    """A catalog JSON document that cannot be used; the message says where."""


@dataclass(frozen=True, slots=True)
class AttributeInfo:
    """What the mapping needs of one attribute, parsed once per snapshot."""

    code: str
    type: str
    localizable: bool
    scopable: bool
    available_locales: frozenset[str]  # empty: every locale
    decimals_allowed: bool | None
    negative_allowed: bool | None
    number_min: Decimal | None
    number_max: Decimal | None
    date_min: dt.date | None
    date_max: dt.date | None
    metric_family: str | None
    default_metric_unit: str | None
    max_characters: int | None
    validation_rule: str | None
    validation_regexp: str | None
    table_columns: tuple[str, ...]  # table attributes: column codes, the first one required per row
    options: Mapping[str, str] | None  # selects: casefolded option code -> code as Akeneo has it


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    code: str
    locales: frozenset[str]
    currencies: frozenset[str]


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _optional_bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _codes(items: Any, where: str) -> list[str]:
    if not isinstance(items, list):
        raise CatalogError(f"{where} must be a list")
    codes = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("code"), str):
            raise CatalogError(f"{where}[{index}] must be an object with a string code")
        codes.append(item["code"])
    return codes


def _string_set(value: Any) -> frozenset[str]:
    return frozenset(v for v in value if isinstance(v, str)) if isinstance(value, list) else frozenset()


def _column_codes(table: Any) -> tuple[str, ...]:
    if not isinstance(table, list):
        return ()
    return tuple(c["code"] for c in table if isinstance(c, dict) and isinstance(c.get("code"), str))


def _attribute(item: dict[str, Any], options: list[dict[str, Any]] | None) -> AttributeInfo:
    kind = str(item.get("type") or "")
    return AttributeInfo(
        code=item["code"],
        type=kind,
        localizable=item.get("localizable") is True,
        scopable=item.get("scopable") is True,
        available_locales=_string_set(item.get("available_locales")),
        decimals_allowed=_optional_bool(item.get("decimals_allowed")),
        negative_allowed=_optional_bool(item.get("negative_allowed")),
        number_min=_decimal(item.get("number_min")),
        number_max=_decimal(item.get("number_max")),
        date_min=_date(item.get("date_min")),
        date_max=_date(item.get("date_max")),
        metric_family=_text(item.get("metric_family")),
        default_metric_unit=_text(item.get("default_metric_unit")),
        max_characters=_int(item.get("max_characters")),
        validation_rule=_text(item.get("validation_rule")),
        validation_regexp=_text(item.get("validation_regexp")),
        table_columns=_column_codes(item.get("table_configuration")),
        options=(
            {o["code"].casefold(): o["code"] for o in options or () if isinstance(o.get("code"), str)}
            if kind in SELECT_TYPES else None
        ),
    )


class Catalog:
    """An immutable snapshot: raw items (for ``to_json``) and the lookups the mapping uses."""

    def __init__(self, data: Mapping[str, Any], loaded_at: float | None = None) -> None:
        if not isinstance(data, Mapping):
            raise CatalogError("a catalog must be a JSON object")
        missing = [k for k in REQUIRED_KEYS if k not in data]
        if missing:
            raise CatalogError(f"catalog is missing {', '.join(missing)}")
        kept = (*REQUIRED_KEYS, *OPTIONAL_KEYS, VARIANTS_KEY)
        self._raw: dict[str, Any] = {k: data[k] for k in kept if k in data}
        self.loaded_at = time.time() if loaded_at is None else loaded_at

        options = data["attribute_options"]
        if not isinstance(options, Mapping) or not all(isinstance(v, list) for v in options.values()):
            raise CatalogError("attribute_options must map attribute codes to lists of options")
        for code, items in options.items():
            _codes(items, f"attribute_options.{code}")
        _codes(data["attributes"], "attributes")
        self.attributes: Mapping[str, AttributeInfo] = {
            item["code"]: _attribute(item, options.get(item["code"])) for item in data["attributes"]
        }
        self.identifier_attribute = next(
            (a.code for a in self.attributes.values() if a.type == "pim_catalog_identifier"), None
        )

        _codes(data["channels"], "channels")
        self.channels: Mapping[str, ChannelInfo] = {
            c["code"]: ChannelInfo(c["code"], _string_set(c.get("locales")), _string_set(c.get("currencies")))
            for c in data["channels"]
        }
        self.locales = frozenset(_codes(data["locales"], "locales"))
        self.enabled_locales = frozenset(loc["code"] for loc in data["locales"] if loc.get("enabled") is True)
        self.currencies = frozenset(_codes(data["currencies"], "currencies"))
        self.enabled_currencies = frozenset(c["code"] for c in data["currencies"] if c.get("enabled") is True)
        _codes(data["measurement_families"], "measurement_families")
        self.measurement_families: Mapping[str, Mapping[str, Any]] = {
            m["code"]: m for m in data["measurement_families"]
        }
        self.families = self._optional_codes(data, "families")
        # The attributes of each family that lists them: product model trees may hold no others.
        self.family_attributes: Mapping[str, frozenset[str]] = {
            f["code"]: frozenset(a for a in f["attributes"] if isinstance(a, str))
            for f in data.get("families") or () if isinstance(f.get("attributes"), list)
        }
        self.categories = self._optional_codes(data, "categories")
        self.groups = self._optional_codes(data, "groups")
        self.association_types = self._optional_codes(data, "association_types")
        self.family_variants = self._family_variants(data.get(VARIANTS_KEY))

    @staticmethod
    def _family_variants(by_family: Any) -> Mapping[str, FamilyVariantInfo] | None:
        """By family variant code; None when the catalog does not know them (older catalog JSON)."""
        if by_family is None:
            return None
        if not isinstance(by_family, Mapping) or not all(isinstance(v, list) for v in by_family.values()):
            raise CatalogError(f"{VARIANTS_KEY} must map family codes to lists of family variants")
        for family, items in by_family.items():
            _codes(items, f"{VARIANTS_KEY}.{family}")
        return index_family_variants(by_family)

    @staticmethod
    def _optional_codes(data: Mapping[str, Any], key: str) -> frozenset[str] | None:
        return frozenset(_codes(data[key], key)) if data.get(key) is not None else None

    @classmethod
    def from_json(cls, data: Mapping[str, Any], loaded_at: float | None = None) -> Catalog:
        return cls(data, loaded_at)

    def to_json(self) -> dict[str, Any]:
        """The catalog JSON this snapshot was built from (Akeneo's items, unchanged)."""
        return dict(self._raw)

    def option_count(self) -> int:
        return sum(len(v) for v in self._raw["attribute_options"].values())

    def summary(self) -> dict[str, int]:
        """Sizes for `check` and logs."""
        sizes = {
            "attributes": len(self.attributes),
            "attribute_options": self.option_count(),
            "channels": len(self.channels),
            "locales": len(self.enabled_locales),
            "currencies": len(self.enabled_currencies),
            "measurement_families": len(self.measurement_families),
        }
        if self.family_variants is not None:
            sizes["family_variants"] = len(self.family_variants)
        return sizes

    def __repr__(self) -> str:
        sizes = ", ".join(f"{k}={v}" for k, v in self.summary().items())
        return f"Catalog({sizes})"
