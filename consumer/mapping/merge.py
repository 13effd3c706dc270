"""Two PATCH payloads of one product (or product model) as one: what applying both in order gives.

Akeneo's PATCH merges values per (attribute, locale, scope) and association lists per type and
kind (products, product_models, groups), and replaces every other field whole (family, parent,
categories, groups, enabled, ...). So the merged payload takes, per value and per association,
the later payload's where it has one, and the later payload's other fields.
"""

from __future__ import annotations

from typing import Any

Payload = dict[str, Any]

_PER_KEY = ("associations", "quantified_associations")


def merge_payloads(earlier: Payload, later: Payload) -> Payload:
    merged = {**earlier, **later}
    if isinstance(earlier.get("values"), dict) and isinstance(later.get("values"), dict):
        merged["values"] = _merge_values(earlier["values"], later["values"])
    for name in _PER_KEY:
        before, after = earlier.get(name), later.get(name)
        if isinstance(before, dict) and isinstance(after, dict):
            merged[name] = {
                kind: {**before[kind], **after[kind]}
                if isinstance(before.get(kind), dict) and isinstance(after.get(kind), dict)
                else after.get(kind, before.get(kind))
                for kind in (*before, *(k for k in after if k not in before))
            }
    return merged


def _merge_values(earlier: dict[str, Any], later: dict[str, Any]) -> dict[str, Any]:
    values = dict(earlier)
    for attribute, items in later.items():
        previous = values.get(attribute)
        if not isinstance(previous, list) or not isinstance(items, list):
            values[attribute] = items
            continue
        by_channel_locale = {_where(item): item for item in previous}
        by_channel_locale.update((_where(item), item) for item in items)
        values[attribute] = list(by_channel_locale.values())
    return values


def _where(item: Any) -> tuple[Any, Any]:
    return (item.get("locale"), item.get("scope")) if isinstance(item, dict) else (None, None)
