"""The simulator's products, with Akeneo's PATCH merge semantics.

Values merge per (attribute, locale, scope) and ``data: null`` removes one; ``categories`` and
``groups`` are replaced whole; associations merge per type and kind. Stored products are never
mutated in place (a PATCH builds a new one), so a reader may serialise what it got without a lock.
"""

from __future__ import annotations

import bisect
import threading
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

# Keys a client may send that Akeneo computes itself.
_READ_ONLY = frozenset({"identifier", "uuid", "created", "updated", "metadata"})


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _merge_values(old: Mapping[str, list[dict[str, Any]]], new: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(old)
    for attribute, items in new.items():
        current = list(merged.get(attribute, ()))
        for item in items:
            # .get: with validation switched off (a knob), items may lack keys.
            locale, scope, data = item.get("locale"), item.get("scope"), item.get("data")
            current = [v for v in current if v["locale"] != locale or v["scope"] != scope]
            if data is not None:
                current.append({"locale": locale, "scope": scope, "data": data})
        if current:
            merged[attribute] = current
        else:
            merged.pop(attribute, None)
    return merged


def _merge_links(old: Mapping[str, Mapping[str, Any]], new: Mapping[str, Any]) -> dict[str, Any]:
    merged = {kind: dict(links) for kind, links in old.items()}
    for association_type, kinds in new.items():
        entry = merged.setdefault(association_type, {})
        for kind, codes in kinds.items():
            entry[kind] = list(codes)
    return merged


def merge_product(existing: Mapping[str, Any] | None, identifier: str, payload: Mapping[str, Any],
                  identifier_attribute: str | None) -> dict[str, Any]:
    """The product after applying ``payload`` (already validated) to ``existing`` (None: create)."""
    now = _now()
    if existing is None:
        product: dict[str, Any] = {
            "uuid": str(uuid.uuid4()), "identifier": identifier, "enabled": True, "family": None,
            "categories": [], "groups": [], "parent": None, "values": {}, "created": now, "updated": now,
            "associations": {}, "quantified_associations": {},
        }
    else:
        product = dict(existing)
    for key, value in payload.items():
        if key in _READ_ONLY:
            continue
        if key == "values":
            product["values"] = _merge_values(product["values"], value)
        elif key in ("associations", "quantified_associations"):
            product[key] = _merge_links(product[key], value)
        elif isinstance(value, list):
            product[key] = list(value)
        else:
            product[key] = value
    if identifier_attribute is not None:
        # Akeneo keeps the identifier as the value of its identifier attribute too.
        values = dict(product["values"])
        values[identifier_attribute] = [{"locale": None, "scope": None, "data": identifier}]
        product["values"] = values
    product["updated"] = now
    return product


class ProductStore:
    """Thread-safe products by identifier, kept in identifier order for the list endpoint."""

    def __init__(self, identifier_attribute: str | None, record_history: bool = False) -> None:
        self._identifier_attribute = identifier_attribute
        self._lock = threading.Lock()
        self._products: dict[str, dict[str, Any]] = {}
        self._order: list[str] = []
        # Every write per identifier, in the order applied: lets tests check per-product ordering.
        self._history: dict[str, list[Mapping[str, Any] | None]] | None = {} if record_history else None

    def upsert(self, identifier: str, payload: Mapping[str, Any]) -> bool:
        """Apply ``payload``; True if the product was created."""
        with self._lock:
            existing = self._products.get(identifier)
            merged = merge_product(existing, identifier, payload, self._identifier_attribute)
            self._products[identifier] = merged
            if existing is None:
                bisect.insort(self._order, identifier)
            if self._history is not None:
                self._history.setdefault(identifier, []).append(payload)
            return existing is None

    def get(self, identifier: str) -> dict[str, Any] | None:
        return self._products.get(identifier)

    def delete(self, identifier: str) -> bool:
        with self._lock:
            if self._history is not None:
                self._history.setdefault(identifier, []).append(None)
            if self._products.pop(identifier, None) is None:
                return False
            del self._order[bisect.bisect_left(self._order, identifier)]
            return True

    def page(self, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        """Up to ``limit`` products from position ``offset``, and the total count."""
        with self._lock:
            return [self._products[i] for i in self._order[offset:offset + limit]], len(self._order)

    def after(self, cursor: str | None, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` products whose identifier sorts after ``cursor`` (None: from the start)."""
        with self._lock:
            start = 0 if cursor is None else bisect.bisect_right(self._order, cursor)
            return [self._products[i] for i in self._order[start:start + limit]]

    def history(self, identifier: str) -> list[Mapping[str, Any] | None]:
        """The payloads applied to ``identifier`` in order (None: a delete); needs record_history."""
        if self._history is None:
            raise RuntimeError("the simulator was started without record_history=True")
        with self._lock:
            return list(self._history.get(identifier, []))

    def snapshot(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return dict(self._products)

    def clear(self) -> None:
        with self._lock:
            self._products.clear()
            self._order.clear()
            if self._history is not None:
                self._history.clear()

    def __len__(self) -> int:
        return len(self._products)
