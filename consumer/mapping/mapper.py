"""A flat row -> Akeneo's standard product format, or the row's problems in Akeneo's error shape.

One ``Mapper`` per catalog snapshot and options: it caches what each column name means (column
parsing is the expensive part), so mapping a row is a loop of dict lookups and cell conversions.
Everything wrong with a row is reported at once; one row's problems never touch another's.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from consumer.catalog.model import Catalog
from consumer.mapping.columns import NO_NULL, ColumnPlan, Context, Kind, plan_column
from consumer.mapping.identifiers import identifier_problem
from consumer.mapping.problems import Blank, Invalid, Problem, problem
from consumer.mapping.units import UnitResolver

log = logging.getLogger(__name__)

DEFAULT_SEPARATOR = "<###>"
# Column names come from the input: cap the plan cache so odd input cannot grow it without bound.
MAX_CACHED_COLUMNS = 20_000

_VALUE, _PRICE, _FIELD, _ASSOCIATION, _IDENTIFIER, _INVALID = (
    Kind.VALUE, Kind.PRICE, Kind.FIELD, Kind.ASSOCIATION, Kind.IDENTIFIER, Kind.INVALID,
)


@dataclass(frozen=True, slots=True)
class MappingOptions:
    separator: str = DEFAULT_SEPARATOR  # between the items of a multi-value cell

    @classmethod
    def from_settings(cls, settings: Any) -> MappingOptions:
        """From ``consumer.config.Settings`` (VALUE_SEPARATOR)."""
        return cls(separator=settings.value_separator)


class MapResult(NamedTuple):
    """Either ``payload`` (what to send) or ``errors`` (why not), never both.

    A NamedTuple because one is made per row and tuples are the cheapest immutable objects.
    """

    identifier: str
    payload: dict[str, Any] | None
    errors: list[Problem] = []
    # Problems caused by codes the catalog did not know: a refresh might cure them.
    unknown: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.payload is not None


_ok = tuple.__new__
_NO_ERRORS: list[Problem] = MapResult._field_defaults["errors"]  # the very default a MapResult gets

# (verbatim, convert, attribute, locale, scope, plan): a tuple, unpacked at once in the hot loop.
_Simple = tuple[int, Any, Any, Any, Any, ColumnPlan]


class Mapper:
    """Maps rows against one catalog snapshot. Thread-safe; cheap to call, costly only on new columns."""

    def __init__(self, catalog: Catalog, options: MappingOptions | None = None) -> None:
        self.catalog = catalog
        self.options = options or MappingOptions()
        self._plans: dict[str, ColumnPlan] = {}
        # The hot path: columns that write a value of their own (no merging, no clash possible).
        self._simple: dict[str, _Simple] = {}
        self._writers: dict[Any, ColumnPlan] = {}  # what a column writes -> first column seen writing it
        self._resolvers: dict[str, UnitResolver | None] = {}
        self._lock = threading.Lock()
        self._built = 0  # plans built so far: a row that saw new columns is mapped again (see _map)
        self._ctx = Context(catalog, self._resolver, self.options.separator)

    def _resolver(self, family: str) -> UnitResolver | None:
        if family not in self._resolvers:
            item = self.catalog.measurement_families.get(family)
            self._resolvers[family] = UnitResolver(item) if item is not None else None
        return self._resolvers[family]

    def plan(self, column: str) -> ColumnPlan:
        plan = self._plans.get(column)
        if plan is not None:
            return plan
        with self._lock:
            plan = self._plans.get(column)
            if plan is None:
                plan = plan_column(column, self._ctx)
                if plan.kind is not _INVALID:
                    first = self._writers.setdefault((plan.prop, plan.key), plan)
                    if first is not plan:  # two names for one value: rows must merge or clash
                        first.shared = plan.shared = True
                        self._simple.pop(first.column, None)
                if len(self._plans) < MAX_CACHED_COLUMNS:
                    self._plans[column] = plan
                    self._built += 1
                    if (plan.kind is _VALUE or plan.kind is _PRICE) and not plan.shared:
                        self._simple[column] = (
                            plan.verbatim, plan.convert, plan.attribute, plan.locale, plan.scope, plan)
        return plan

    def map(self, identifier: str, values: Mapping[str, str | None]) -> MapResult:
        """Never raises: any input gives a payload or a rejection."""
        try:
            built = self._built
            result = self._map(identifier, values)
            if self._built != built:
                # New columns may have turned an earlier column of this row into a shared one
                # (price@EUR, then price@USD): map again with every plan final.
                result = self._map(identifier, values)
            return result
        except Exception as exc:  # a bug, not bad input; reject the row instead of stopping the stream
            log.exception("mapping failed unexpectedly for %r", identifier)
            message = f"internal mapping error ({type(exc).__name__}); the row was not sent"
            return MapResult(str(identifier), None, [problem(None, message, prop="values")])

    def _map(self, identifier: str, values: Mapping[str, str | None]) -> MapResult:
        errors: list[Problem] = []
        unknown: list[str] = []
        reason = identifier_problem(identifier)
        if reason is not None:
            errors.append(problem(None, reason, prop="identifier"))
            identifier = identifier if isinstance(identifier, str) else ""
        if type(values) is not dict and not isinstance(values, Mapping):  # the ABC check is slow
            errors.append(problem(None, "values must be an object of column -> string or null"))
            return MapResult(identifier, None, errors)

        product: dict[str, Any] = {"identifier": identifier}
        out: dict[str, list[dict[str, Any]]] = {}
        prices: dict[tuple[Any, ...], list[dict[str, str]]] | None = None
        written: dict[Any, str] | None = None
        plans, simple_spec, values_of = self._plans, self._simple.get, out.get
        for column, cell in values.items():
            spec = simple_spec(column)
            if spec is not None and type(cell) is str:
                if not cell:
                    continue
                verbatim, convert, attribute, locale, scope, column_plan = spec
                if len(cell) <= verbatim:
                    data = cell
                else:
                    try:
                        data = convert(cell)
                    except Blank:
                        continue
                    except Invalid as reason:
                        self._reject(column_plan, reason, errors, unknown)
                        continue
                items = values_of(attribute)
                if items is None:
                    out[attribute] = [{"locale": locale, "scope": scope, "data": data}]
                else:
                    items.append({"locale": locale, "scope": scope, "data": data})
                continue
            if cell == "":
                continue
            plan = plans.get(column)
            if plan is None:
                if not isinstance(column, str):
                    errors.append(problem(repr(column), "column names must be strings"))
                    continue
                plan = self.plan(column)
            kind = plan.kind
            if kind is _INVALID:
                if cell is None or (isinstance(cell, str) and cell.strip()):
                    self._reject(plan, plan.error, errors, unknown)
                continue
            if cell is None:
                data = plan.null_data
                if data is NO_NULL:
                    errors.append(self._problem(plan, "cannot be cleared with null"))
                    continue
            elif type(cell) is not str:
                message = f"a cell must be a string or null, not {type(cell).__name__}"
                errors.append(self._problem(plan, message))
                continue
            elif kind is _IDENTIFIER:
                data = cell.strip()
            else:
                try:
                    data = plan.convert(cell)  # type: ignore[misc]  # set for every kind but INVALID/IDENTIFIER
                except Blank:
                    continue
                except Invalid as reason:
                    self._reject(plan, reason, errors, unknown)
                    continue
            if plan.shared:
                if kind is _PRICE:  # price@EUR, price@USD...: one collection
                    prices = {} if prices is None else prices
                    self._add_prices(plan, data, prices.setdefault(plan.key, []), errors)
                    continue
                written = {} if written is None else written
                other = written.setdefault((plan.prop, plan.key), column)
                if other != column:
                    errors.append(self._problem(plan, f'sets the same value as column "{other}"'))
                    continue
            if kind is _VALUE or kind is _PRICE:
                item = {"locale": plan.locale, "scope": plan.scope, "data": data}
                items = out.get(plan.attribute)  # type: ignore[arg-type]
                if items is None:
                    out[plan.attribute] = [item]  # type: ignore[index]
                else:
                    items.append(item)
            elif kind is _FIELD:
                product[plan.key] = data
            elif kind is _ASSOCIATION:
                kind_type, target = plan.key
                product.setdefault("associations", {}).setdefault(kind_type, {})[target] = data
            elif data != identifier:  # the identifier attribute's own column
                message = f'"{cell}" differs from the event\'s identifier "{identifier}"'
                errors.append(self._problem(plan, message))
        if errors:
            return MapResult(identifier, None, errors, tuple(unknown))
        if prices:
            for (code, locale, scope), amounts in prices.items():
                out.setdefault(code, []).append({"locale": locale, "scope": scope, "data": amounts or None})
        product["values"] = out
        return _ok(MapResult, (identifier, product, _NO_ERRORS, ()))  # = MapResult(identifier, product)

    @staticmethod
    def _problem(plan: ColumnPlan, message: str) -> Problem:
        return problem(plan.column, message, plan.prop, plan.attribute if plan.prop == "values" else None,
                       plan.locale, plan.scope)

    def _reject(
        self, plan: ColumnPlan, reason: Invalid | None, errors: list[Problem], unknown: list[str]
    ) -> None:
        message = reason.message if reason is not None else "cannot be written"
        errors.append(self._problem(plan, message))
        if reason is not None and reason.unknown:
            unknown.append(message)

    def _add_prices(
        self, plan: ColumnPlan, data: Any, amounts: list[dict[str, str]], errors: list[Problem]
    ) -> None:
        """Prices of one value may come from several columns (``price@EUR``, ``price@USD``)."""
        if data is None:
            return  # a null leaves the collection to the other columns, or clears it if none
        given = {p["currency"] for p in amounts}
        for price in data:
            if price["currency"] in given:
                errors.append(self._problem(plan, f'currency {price["currency"]} is given twice'))
                return
            amounts.append(price)


_MAPPERS: weakref.WeakKeyDictionary[Catalog, dict[MappingOptions, Mapper]] = weakref.WeakKeyDictionary()
_MAPPERS_LOCK = threading.Lock()


def mapper_for(catalog: Catalog, options: MappingOptions | None = None) -> Mapper:
    """The shared Mapper of a snapshot (built once; dropped with the snapshot)."""
    options = options or MappingOptions()
    mappers = _MAPPERS.get(catalog)
    mapper = mappers.get(options) if mappers is not None else None
    if mapper is None:
        with _MAPPERS_LOCK:
            mapper = _MAPPERS.setdefault(catalog, {}).setdefault(options, Mapper(catalog, options))
    return mapper


def map_row(
    identifier: str, values: Mapping[str, str | None], catalog: Catalog, options: MappingOptions | None = None
) -> MapResult:
    """Map one flat row against ``catalog``: a payload for Akeneo or a rejection."""
    return mapper_for(catalog, options).map(identifier, values)
