"""What Akeneo should hold after a stream of events: the mapping's payloads applied in order."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from consumer.catalog import Catalog
from consumer.codec import ChangeEvent
from consumer.devstack.akeneo_sim import load_sample_catalog
from consumer.mapping import MappingOptions, map_row
from consumer.mapping.merge import merge_payloads


@dataclass
class Expectation:
    state: dict[str, dict[str, Any]] = field(default_factory=dict)  # identifier -> merged payload
    sequence: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # identifier -> payloads in order
    rejected: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # event_id -> errors
    accepted: set[str] = field(default_factory=set)  # event ids


def expect(events: Iterable[ChangeEvent], catalog: Catalog | None = None) -> Expectation:
    catalog = catalog or Catalog.from_json(load_sample_catalog())
    out = Expectation()
    for event in events:
        result = map_row(event.identifier, event.values, catalog, MappingOptions())
        if result.payload is None:
            out.rejected[event.event_id] = list(result.errors)
            continue
        out.accepted.add(event.event_id)
        out.sequence.setdefault(event.identifier, []).append(result.payload)
        out.state[event.identifier] = merge(out.state.get(event.identifier), result.payload)
    return out


def merge(stored: dict[str, Any] | None, patch: dict[str, Any]) -> dict[str, Any]:
    """Akeneo's PATCH: fields replaced, values replaced per (attribute, locale, scope)."""
    merged = dict(stored or {})
    for key, value in patch.items():
        if key != "values":
            merged[key] = value
    values = {a: list(vs) for a, vs in (merged.get("values") or {}).items()}
    for attribute, entries in (patch.get("values") or {}).items():
        kept = [v for v in values.get(attribute, []) if not any(_same_slot(v, e) for e in entries)]
        values[attribute] = kept + [e for e in entries if e.get("data") is not None]
    merged["values"] = {a: vs for a, vs in values.items() if vs}
    return merged


def _same_slot(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a.get("locale") == b.get("locale") and a.get("scope") == b.get("scope")


def values_of(product: dict[str, Any]) -> dict[tuple[str, str | None, str | None], Any]:
    """A product's values keyed by (attribute, locale, scope), for comparisons."""
    return {
        (attribute, v.get("locale"), v.get("scope")): _plain(v.get("data"))
        for attribute, entries in (product.get("values") or {}).items()
        for v in entries
    }


def _plain(data: Any) -> Any:
    if isinstance(data, list):
        items = [_plain(d) for d in data]
        return sorted(items, key=repr) if all(not isinstance(i, dict) for i in items) else items
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items()}
    return data


def order_violation(expected: list[dict[str, Any]], applied: list[Any]) -> str | None:
    """Why ``applied`` (the writes Akeneo saw) is not ``expected`` applied in order, or None.

    A write is the payload of one event, or, with COALESCE on, the merge of a run of consecutive
    events (``merge_payloads``: what applying them in order gives). At least once: a write may be
    applied again after a crash or a rebalance, so the history may step back; but it may never
    step forward past an event not yet applied, and it must end with the last event.
    """
    position = -1
    for write in applied:
        end = _run_ending(expected, write, position + 1)
        if end is None:
            return f"write {write!r} is no run of events starting at or before event {position + 1}"
        position = end
    if position != len(expected) - 1:
        return f"ended on event {position} of {len(expected)}"
    return None


def _run_ending(expected: list[dict[str, Any]], write: Any, latest_start: int) -> int | None:
    """The last event of a run ``expected[a..b]`` (a <= latest_start) whose merge is ``write``."""
    for start in range(min(latest_start, len(expected) - 1), -1, -1):
        merged: dict[str, Any] | None = None
        for end in range(start, len(expected)):
            merged = expected[end] if merged is None else merge_payloads(merged, expected[end])
            if merged == write:
                return end
    return None
