"""Metric units written as Akeneo code, symbol or UN/CEFACT common code, resolved within one family.

The live measurement family gives the unit codes and symbols; ``units.json`` (built by
scripts/build_sample_catalog.py from Recommendation 20 and the measure files) adds UN/CEFACT codes
and alternative symbols. A token is looked up exactly first and then ignoring case, each time by
kind in this order: Akeneo code, UN/CEFACT code, symbol. A token that names two units at the same step
is refused as ambiguous rather than guessed.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any

from consumer.mapping.problems import Invalid

_AMBIGUOUS = ""  # marker in a lookup table: the token names several units


@functools.cache
def unit_table() -> Mapping[str, Mapping[str, Mapping[str, Any]]]:
    """family code -> unit code -> {"symbol", "alternative_symbols", "unece_code"}."""
    text = resources.files("consumer.mapping").joinpath("units.json").read_text(encoding="utf-8")
    table: dict[str, dict[str, dict[str, Any]]] = json.loads(text)
    return table


@functools.cache
def _table_by_casefold() -> Mapping[str, Mapping[str, Mapping[str, Any]]]:
    return {family.casefold(): units for family, units in unit_table().items()}


def _index(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    index: dict[str, str] = {}
    for token, unit in pairs:
        if token:
            index[token] = unit if index.get(token, unit) == unit else _AMBIGUOUS
    return index


class UnitResolver:
    """Unit lookups for one measurement family."""

    def __init__(self, family: Mapping[str, Any]) -> None:
        self.family = str(family.get("code"))
        units = family.get("units")
        units = units if isinstance(units, Mapping) else {}
        self.units = frozenset(code for code in units if isinstance(code, str))
        known = unit_table().get(self.family) or _table_by_casefold().get(self.family.casefold()) or {}
        codes = [(u, u) for u in self.units]
        unece = [(str(known[u].get("unece_code") or ""), u) for u in self.units if u in known]
        symbols = [(str(d.get("symbol") or ""), u) for u, d in units.items()
                   if u in self.units and isinstance(d, Mapping)]
        for u in self.units & known.keys():
            symbols.append((str(known[u].get("symbol") or ""), u))
            symbols.extend((str(s), u) for s in known[u].get("alternative_symbols") or ())
        # One table per case rule: a token takes the unit of the first kind (code, UN/CEFACT, symbol)
        # that knows it; ambiguity within that kind stays ambiguous.
        kinds = (codes, unece, symbols)
        # Token as written -> unit code, or "" when ambiguous: converters look here first.
        self.exact: Mapping[str, str] = _first_kind_wins([_index(kind) for kind in kinds])
        self._folded = _first_kind_wins([_index((t.casefold(), u) for t, u in kind) for kind in kinds])

    def resolve(self, token: str) -> str:
        """The Akeneo unit code ``token`` names; raises Invalid when none or several."""
        unit = self.exact.get(token)
        if unit is None:
            token = token.strip()
            unit = self.exact.get(token)
            if unit is None:
                unit = self._folded.get(token.casefold())
        if unit == _AMBIGUOUS:
            raise Invalid(f'unit "{token}" is ambiguous in the {self.family} measurement family')
        if unit is None:
            message = f'unit "{token}" is not a unit of the {self.family} measurement family'
            raise Invalid(message, unknown=True)
        return unit


def _first_kind_wins(indexes: list[dict[str, str]]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for index in indexes:
        for token, unit in index.items():
            merged.setdefault(token, unit)
    return merged
