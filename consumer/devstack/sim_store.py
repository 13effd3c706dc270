"""The simulator's products and product models, with Akeneo's PATCH merge semantics.

Values merge per (attribute, locale, scope) and ``data: null`` removes one; ``categories`` and
``groups`` are replaced whole; associations merge per type and kind. A reader gets its own copy
of an entity, decoded from what is stored, so it may change or serialise it without a lock.
Each store knows the children of every product model (the entities whose ``parent`` it is).

Entities are kept serialised (JSON bytes), as a database keeps them: a store of 200,000 products
is 200,000 objects the garbage collector skips, not millions of dicts and lists it walks on every
full collection. Walking them stopped every thread of the simulator, the PIM as a whole, for up
to a second at a time, about a fifth of a benchmark's run (benchmarks/RESULTS.md, "Sharing one PIM").
"""

from __future__ import annotations

import bisect
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

# Keys a client may send that Akeneo computes itself (or that name the entity).
_READ_ONLY = frozenset({"identifier", "code", "uuid", "created", "updated", "metadata"})
Blank = Callable[[str, str], dict[str, Any]]  # (key, now) -> a new entity before its first PATCH


_clock_cache: tuple[int, str] = (0, "")


def _now() -> str:
    # Akeneo's timestamps have whole seconds; formatting one per line cost the simulator 7 % of
    # its time at 14,000 products/s, so each second is formatted once.
    global _clock_cache
    second = int(time.time())
    if _clock_cache[0] != second:
        _clock_cache = (second, datetime.fromtimestamp(second, UTC).isoformat(timespec="seconds"))
    return _clock_cache[1]


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


def blank_product(identifier: str, now: str) -> dict[str, Any]:
    return {
        "uuid": str(uuid.uuid4()), "identifier": identifier, "enabled": True, "family": None,
        "categories": [], "groups": [], "parent": None, "values": {}, "created": now, "updated": now,
        "associations": {}, "quantified_associations": {},
    }


def blank_model(code: str, now: str) -> dict[str, Any]:
    return {
        "code": code, "family": None, "family_variant": None, "parent": None, "categories": [], "values": {},
        "created": now, "updated": now, "associations": {}, "quantified_associations": {},
    }


def merge_entity(existing: Mapping[str, Any] | None, key: str, payload: Mapping[str, Any], blank: Blank,
                 identifier_attribute: str | None = None) -> dict[str, Any]:
    """The entity after applying ``payload`` (already validated) to ``existing`` (None: create)."""
    now = _now()
    entity = blank(key, now) if existing is None else dict(existing)
    for name, value in payload.items():
        if name in _READ_ONLY:
            continue
        if name == "values":
            entity["values"] = _merge_values(entity["values"], value)
        elif name in ("associations", "quantified_associations"):
            entity[name] = _merge_links(entity[name], value)
        elif isinstance(value, list):
            entity[name] = list(value)
        else:
            entity[name] = value
    if identifier_attribute is not None:
        # Akeneo keeps a product's identifier as the value of its identifier attribute too.
        values = dict(entity["values"])
        values[identifier_attribute] = [{"locale": None, "scope": None, "data": key}]
        entity["values"] = values
    entity["updated"] = now
    return entity


class EntityStore:
    """Thread-safe entities by key (a product's identifier, a model's code), kept in key order for
    the list endpoints, with each parent's children indexed."""

    def __init__(self, blank: Blank, identifier_attribute: str | None = None,
                 record_history: bool = False) -> None:
        self._blank = blank
        self._identifier_attribute = identifier_attribute
        self._lock = threading.Lock()
        self._entities: dict[str, bytes] = {}  # JSON, see the module's docstring
        self._order: list[str] = []
        self._children: dict[str, set[str]] = {}
        self._parents: dict[str, str] = {}  # key -> its parent's code, for those that have one
        # Every write per key, in the order applied: lets tests check per-entity ordering.
        self._history: dict[str, list[Mapping[str, Any] | None]] | None = {} if record_history else None

    def upsert(self, key: str, payload: Mapping[str, Any], derived: Mapping[str, Any] | None = None) -> bool:
        """Apply ``payload`` and the fields Akeneo derives for it (``derived``, not in the history);
        True if the entity was created."""
        with self._lock:
            existing = self.get(key)
            applied = {**payload, **derived} if derived else payload
            merged = merge_entity(existing, key, applied, self._blank, self._identifier_attribute)
            self._entities[key] = orjson.dumps(merged)
            if existing is None:
                bisect.insort(self._order, key)
            self._reparent(key, merged.get("parent"))
            if self._history is not None:
                self._history.setdefault(key, []).append(payload)
            return existing is None

    def _reparent(self, key: str, after: str | None) -> None:
        """Index ``key`` under its new parent (None: none, or deleted); the old one is indexed."""
        before = self._parents.get(key)
        if before == after:
            return
        if before is not None:
            self._children.get(before, set()).discard(key)
            del self._parents[key]
        if after is not None:
            self._children.setdefault(after, set()).add(key)
            self._parents[key] = after

    def get(self, key: str) -> dict[str, Any] | None:
        raw = self._entities.get(key)
        return None if raw is None else _load(raw)

    def __contains__(self, key: str) -> bool:
        return key in self._entities

    def parent_of(self, key: str) -> str | None:
        """The stored entity's parent (None: no parent, or no such entity), without reading it."""
        return self._parents.get(key)

    def children(self, parent: str) -> list[dict[str, Any]]:
        """The stored entities whose parent is ``parent``, in key order."""
        with self._lock:
            return [_load(self._entities[k]) for k in sorted(self._children.get(parent, ()))]

    def delete(self, key: str) -> bool:
        with self._lock:
            if self._history is not None:
                self._history.setdefault(key, []).append(None)
            raw = self._entities.pop(key, None)
            if raw is None:
                return False
            self._reparent(key, None)
            del self._order[bisect.bisect_left(self._order, key)]
            return True

    def page(self, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        """Up to ``limit`` entities from position ``offset``, and the total count."""
        with self._lock:
            return [_load(self._entities[k]) for k in self._order[offset:offset + limit]], len(self._order)

    def after(self, cursor: str | None, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` entities whose key sorts after ``cursor`` (None: from the start)."""
        with self._lock:
            start = 0 if cursor is None else bisect.bisect_right(self._order, cursor)
            return [_load(self._entities[k]) for k in self._order[start:start + limit]]

    def history(self, key: str) -> list[Mapping[str, Any] | None]:
        """The payloads applied to ``key`` in order (None: a delete); needs record_history."""
        if self._history is None:
            raise RuntimeError("the simulator was started without record_history=True")
        with self._lock:
            return list(self._history.get(key, []))

    def snapshot(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {key: _load(raw) for key, raw in self._entities.items()}

    def clear(self) -> None:
        with self._lock:
            self._entities.clear()
            self._order.clear()
            self._children.clear()
            self._parents.clear()
            if self._history is not None:
                self._history.clear()

    def __len__(self) -> int:
        return len(self._entities)


def _load(raw: bytes) -> dict[str, Any]:
    entity: dict[str, Any] = orjson.loads(raw)
    return entity


def product_store(identifier_attribute: str | None, record_history: bool = False) -> EntityStore:
    return EntityStore(blank_product, identifier_attribute, record_history)


def model_store(record_history: bool = False) -> EntityStore:
    return EntityStore(blank_model, None, record_history)
