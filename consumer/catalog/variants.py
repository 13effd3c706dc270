"""Family variants: on which level of a product model tree each attribute of a family is kept.

Akeneo's family variant lists, per level (1, and 2 for two-level variants), its axes and its
attributes (``variant_attribute_sets``); attributes in no set are common and live on the root
product model (level 0). The variant product is the last level. Items come from
``GET /families/{family}/variants``, grouped by family in the catalog JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ROOT = 0  # the level of a root product model: the common attributes


@dataclass(frozen=True, slots=True)
class FamilyVariantInfo:
    """One family variant, parsed once per snapshot."""

    code: str
    family: str
    levels: int  # 1 or 2: the variant products' level
    axes: tuple[tuple[str, ...], ...]  # axes[level - 1]: the attributes whose values tell siblings apart
    level_by_attribute: Mapping[str, int]  # attributes of a level set (axes included); others are common

    def level_of(self, attribute: str) -> int:
        """The level whose entity holds ``attribute``: 0 root model, 1 sub-model or variant, 2 variant."""
        return self.level_by_attribute.get(attribute, ROOT)

    def axes_of(self, level: int) -> tuple[str, ...]:
        return self.axes[level - 1] if 1 <= level <= self.levels else ()

    def describe(self, level: int) -> str:
        """The entities of ``level``, in words, for rejections."""
        if level == ROOT:
            return f'the root product model (common attributes of "{self.code}")'
        if level == self.levels:
            return f'the variant products (level {level} of "{self.code}")'
        return f'the sub-models (level {level} of "{self.code}")'


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def parse_family_variant(family: str, item: Mapping[str, Any]) -> FamilyVariantInfo:
    """Akeneo's item, read leniently: malformed sets are skipped, never fatal (the mapping must not fail)."""
    sets: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    raw_sets = item.get("variant_attribute_sets")
    for raw in raw_sets if isinstance(raw_sets, list) else ():
        level = raw.get("level") if isinstance(raw, Mapping) else None
        if isinstance(level, int) and not isinstance(level, bool) and level in (1, 2) and level not in sets:
            sets[level] = (_strings(raw.get("axes")), _strings(raw.get("attributes")))
    levels = 2 if 2 in sets else 1
    axes = tuple(sets.get(level, ((), ()))[0] for level in range(1, levels + 1))
    level_by_attribute: dict[str, int] = {}
    for level, (level_axes, attributes) in sorted(sets.items()):
        for code in (*level_axes, *attributes):
            level_by_attribute.setdefault(code, level)
    return FamilyVariantInfo(str(item["code"]), family, levels, axes, level_by_attribute)


def index_family_variants(by_family: Mapping[str, Any]) -> dict[str, FamilyVariantInfo]:
    """Family variants by code (codes are unique across families in Akeneo; the first one wins here)."""
    index: dict[str, FamilyVariantInfo] = {}
    for family, items in by_family.items():
        for item in items:
            index.setdefault(item["code"], parse_family_variant(family, item))
    return index
