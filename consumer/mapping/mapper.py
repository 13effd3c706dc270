"""A flat row -> Akeneo's standard product format, or the row's problems in Akeneo's error shape.

One ``Mapper`` per catalog snapshot and options: it caches what each column name means (column
parsing is the expensive part), so mapping a row is a loop of dict lookups and cell conversions.
Everything wrong with a row is reported at once; one row's problems never touch another's.
Product model rows and variant rows (a product with ``parent``) are checked against their family
variant's levels by tree.py, when the catalog knows its family variants.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from consumer.catalog.model import Catalog
from consumer.catalog.product_models import ModelInfo, ModelLookup
from consumer.codec.events import PRODUCT_MODEL
from consumer.mapping.columns import NO_NULL, ColumnPlan, Context, Kind, plan_column
from consumer.mapping.identifiers import identifier_problem
from consumer.mapping.problems import Blank, Invalid, Problem, problem
from consumer.mapping.results import MapResult
from consumer.mapping.tree import MODEL_FIELDS, NOT_FOR_MODELS, ROUTE, TreeMapper, model_payload
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
    model_values: str = ROUTE  # a variant row's values of its models' levels: route or reject

    @classmethod
    def from_settings(cls, settings: Any) -> MappingOptions:
        """From ``consumer.config.Settings`` (VALUE_SEPARATOR, MODEL_VALUES)."""
        return cls(separator=settings.value_separator, model_values=settings.model_values)


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
        variants = catalog.family_variants
        self._tree = TreeMapper(self, variants) if variants is not None else None

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

    def map(
        self, identifier: Any, values: Mapping[Any, Any], models: ModelLookup | None = None
    ) -> MapResult:
        """A product row. Never raises: any input gives a payload or a rejection (or, for a variant
        row whose parent ``models`` does not know, ``waiting_for``)."""
        try:
            return self._mapped(identifier, values, models, self._tree)
        except Exception as exc:  # a bug, not bad input; reject the row instead of stopping the stream
            return _internal_error(identifier, exc)

    def map_model(
        self, code: Any, values: Mapping[Any, Any], models: ModelLookup | None = None
    ) -> MapResult:
        """A product model row (``code``: the model's code). Never raises."""
        try:
            return self._model(code, values, models)
        except Exception as exc:
            return _internal_error(code, exc)

    def map_entity(
        self, entity: str, identifier: Any, values: Mapping[Any, Any],
        models: ModelLookup | None = None,
    ) -> MapResult:
        """``map`` or ``map_model``, by the event's ``entity`` (``ChangeEvent.entity``)."""
        if entity == PRODUCT_MODEL:
            return self.map_model(identifier, values, models)
        return self.map(identifier, values, models)

    def _mapped(self, identifier: Any, values: Mapping[Any, Any], models: ModelLookup | None,
                tree: TreeMapper | None) -> MapResult:
        built = self._built
        result = self._map(identifier, values, models, tree)
        if self._built != built:
            # New columns may have turned an earlier column of this row into a shared one
            # (price@EUR, then price@USD): map again with every plan final.
            result = self._map(identifier, values, models, tree)
        return result

    def _model(self, code: Any, values: Mapping[Any, Any], models: ModelLookup | None) -> MapResult:
        if not isinstance(values, Mapping):
            return self._map(code, values, None, None)  # its rejection
        rest = {k: v for k, v in values.items() if k not in MODEL_FIELDS}
        family_variant, errors = _family_variant_cell(values)
        for column in (*NOT_FOR_MODELS, self.catalog.identifier_attribute):
            if column is not None and values.get(column, "") != "":  # a null counts: it would clear it
                errors.append(problem(column, f'product models have no "{column}"', prop=column))
        mapped = self._mapped(code, rest, None, None)
        if errors:
            mapped = MapResult(code, None, mapped.errors + errors, mapped.unknown)
        if self._tree is not None:
            return self._tree.model(code, values, mapped, family_variant, models)
        if not mapped.ok or mapped.payload is None:
            return mapped
        parent = mapped.payload.get("parent")
        info = ModelInfo(code, family_variant, parent) if family_variant else None
        return MapResult(code, model_payload(code, family_variant, mapped.payload), model=info)

    def _map(self, identifier: Any, values: Mapping[Any, Any], models: ModelLookup | None,
             tree: TreeMapper | None) -> MapResult:
        errors: list[Problem] = []
        unknown: list[str] = []
        bad_identifier = identifier_problem(identifier)
        if bad_identifier is not None:
            errors.append(problem(None, bad_identifier, prop="identifier"))
            identifier = identifier if isinstance(identifier, str) else ""
        if type(values) is not dict and not isinstance(values, Mapping):  # the ABC check is slow
            errors.append(problem(None, "values must be an object of column -> string or null"))
            return MapResult(identifier, None, errors)

        product: dict[str, Any] = {"identifier": identifier}
        out: dict[str, list[dict[str, Any]]] = {}
        prices: dict[tuple[Any, ...], list[dict[str, str]]] | None = None
        written: dict[Any, str] | None = None
        data: Any  # a cell's converted value: text, a number, a list, a dict... (mypyc checks it)
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
        if tree is not None and product.get("parent") is not None:  # a variant row
            self._finish(product, out, prices)
            return tree.variant(identifier, values, product, errors, unknown, models)
        if errors:
            return MapResult(identifier, None, errors, tuple(unknown))
        self._finish(product, out, prices)
        # = MapResult(identifier, product), without the Python-level constructor
        return _ok(MapResult, (identifier, product, _NO_ERRORS, (), (), None, None))

    @staticmethod
    def _finish(product: dict[str, Any], out: dict[str, list[dict[str, Any]]],
                prices: dict[tuple[Any, ...], list[dict[str, str]]] | None) -> None:
        if prices:
            for (code, locale, scope), amounts in prices.items():
                out.setdefault(code, []).append({"locale": locale, "scope": scope, "data": amounts or None})
        product["values"] = out

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


def _internal_error(identifier: Any, exc: Exception) -> MapResult:
    log.exception("mapping failed unexpectedly for %r", identifier)
    message = f"internal mapping error ({type(exc).__name__}); the row was not sent"
    return MapResult(str(identifier), None, [problem(None, message, prop="values")])


def _family_variant_cell(values: Mapping[str, Any]) -> tuple[str | None, list[Problem]]:
    """A model row's family variant (None: not given), or why its cell cannot be one."""
    cell = values.get("family_variant", "")
    if isinstance(cell, str):
        return cell.strip() or None, []
    message = "cannot be cleared with null" if cell is None else "a cell must be a string or null"
    return None, [problem("family_variant", message, prop="family_variant")]


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
    identifier: str, values: Mapping[Any, Any], catalog: Catalog,
    options: MappingOptions | None = None, models: ModelLookup | None = None, entity: str = "PRODUCT",
) -> MapResult:
    """Map one flat row (a product's, or a product model's) against ``catalog``: a payload for Akeneo
    or a rejection."""
    return mapper_for(catalog, options).map_entity(entity, identifier, values, models)
