"""Product model trees: model rows checked level by level, variant rows split over their ancestors.

A family variant keeps each attribute of its family on one level: common attributes on the root
product model (level 0), its level-1 set on the sub-models of a two-level variant or on the variant
products of a one-level one, its level-2 set on the variant products. So:

* a model row (root model or sub-model) may only hold the values of its own level: a value of
  another level is rejected, naming the column and its level (a model has no descendant to pass
  it down to, and Akeneo's API would drop it without a word);
* a variant row (a product with ``parent``) keeps its own level's values; those of each ancestor's
  level go to that ancestor as a model write of ``code`` and ``values`` only (PATCH merges), root
  first, with ``MODEL_VALUES=route``, or reject the row, naming each column and its level, with
  ``MODEL_VALUES=reject``.

What the mapping knows of existing models comes from a ``ModelLookup`` (the service's
``ModelDirectory``); a parent it does not know yet is a result of its own (``waiting_for``), not a
rejection, so the service can look it up and map the row again. Pure functions: nothing here waits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from consumer.catalog.product_models import ModelInfo, ModelLookup
from consumer.catalog.variants import ROOT, FamilyVariantInfo
from consumer.mapping.columns import ColumnPlan, Kind
from consumer.mapping.problems import Problem, problem
from consumer.mapping.results import MapResult, ModelWrite

if TYPE_CHECKING:
    from consumer.mapping.mapper import Mapper

ROUTE, REJECT = "route", "reject"  # MODEL_VALUES
MODEL_FIELDS = ("family_variant",)  # columns only model rows have (beside the product's own)
NOT_FOR_MODELS = ("enabled", "groups")  # product fields a product model does not have
_VALUE_KINDS = (Kind.VALUE, Kind.PRICE)


def _nobody(code: str) -> ModelInfo | None:
    return None


def waiting(identifier: str, code: str, what: str = "parent") -> MapResult:
    """The row needs the facts of model ``code``, which the lookup does not have (yet)."""
    prop = "parent" if what == "parent" else "code"
    return MapResult(identifier, None, [problem(None, f"{what} not known yet: {code}", prop=prop)],
                     waiting_for=code)


def _has_data(values: Mapping[str, Any], axis: str) -> bool:
    return any(item["data"] is not None for item in values.get(axis, ()))



class _Columns:
    """The row's columns by the attribute they write, worked out only when a problem names them."""

    __slots__ = ("_by_attribute", "_mapper", "_values")

    def __init__(self, mapper: Mapper, values: Mapping[str, Any]) -> None:
        self._mapper, self._values = mapper, values
        self._by_attribute: dict[str, list[ColumnPlan]] | None = None

    def of(self, attribute: str) -> list[ColumnPlan]:
        """The plans of the columns (with something in them) writing a value of ``attribute``."""
        if self._by_attribute is None:
            self._by_attribute = {}
            for column, cell in self._values.items():
                if cell == "" or not isinstance(column, str):
                    continue
                plan = self._mapper.plan(column)  # cached: the row was just mapped
                if plan.kind in _VALUE_KINDS and plan.attribute is not None:
                    self._by_attribute.setdefault(plan.attribute, []).append(plan)
        return self._by_attribute.get(attribute, [])


def _parent(message: str) -> Problem:
    return problem("parent", message, prop="parent")


def _level_name(fv: FamilyVariantInfo, level: int) -> str:
    if level == ROOT:
        return "a root product model"
    return "a variant product" if level == fv.levels else "a sub-model"


class TreeMapper:
    """The tree rules of one Mapper (one catalog snapshot and options)."""

    def __init__(self, mapper: Mapper, variants: Mapping[str, FamilyVariantInfo]) -> None:
        self._mapper = mapper
        self._variants = variants
        self._reject = mapper.options.model_values == REJECT
        self._levels: dict[str, dict[str, int | None]] = {}  # by family variant: see _levels_of

    def _levels_of(self, fv: FamilyVariantInfo) -> dict[str, int | None]:
        """attribute -> the level holding it, None for an attribute its family does not have: one
        lookup a value instead of a rule (worked out once per family variant and snapshot)."""
        levels = self._levels.get(fv.code)
        if levels is None:
            family = self._mapper.catalog.family_attributes.get(fv.family)
            levels = {}
            for code in self._mapper.catalog.attributes:
                level = fv.level_of(code)
                levels[code] = None if level == ROOT and family is not None and code not in family else level
            self._levels[fv.code] = levels  # a race builds the same table twice, harmlessly
        return levels

    def _misplaced(self, fv: FamilyVariantInfo, columns: _Columns, attribute: str,
                   level: int | None, here: int, why: str) -> list[Problem]:
        """One problem per column writing ``attribute``, which belongs to ``level``, not ``here``."""
        if level is None:
            message = f'attribute "{attribute}" is not an attribute of family "{fv.family}"'
        else:
            where = _level_name(fv, here)
            message = f'attribute "{attribute}" is kept on {fv.describe(level)}, not on {where}'
        return [problem(plan.column, message + why, attribute=attribute, locale=plan.locale, scope=plan.scope)
                for plan in columns.of(attribute)]

    def _axes(self, fv: FamilyVariantInfo, level: int, out: Mapping[str, Any],
              columns: _Columns, required: bool = True) -> list[Problem]:
        """A value is needed for each axis of ``level``: never cleared with null, and given unless
        not ``required`` (a cell that could not be mapped is already reported)."""
        message = 'a value is required: "{}" is an axis of "{}" at level {}'
        return [problem(axis, message.format(axis, fv.code, level), attribute=axis)
                for axis in fv.axes_of(level)
                if not _has_data(out, axis) and (axis in out or (required and not columns.of(axis)))]

    def _family(self, fv: FamilyVariantInfo, payload: Mapping[str, Any], whose: str) -> list[Problem]:
        family = payload.get("family")
        if family is None or family == fv.family:
            return []
        message = f'{whose} is of family "{fv.family}" (family variant "{fv.code}"), not "{family}"'
        return [problem("family", message, prop="family")]

    def _family_variant(
        self, code: str, column: str, unknown: list[str]
    ) -> tuple[FamilyVariantInfo | None, list[Problem]]:
        """The family variant ``code``; else the problem, and a note that a refresh might cure it."""
        fv = self._variants.get(code)
        if fv is not None:
            return fv, []
        message = f'family variant "{code}" does not exist'
        unknown.append(message)
        return None, [problem(column, message, prop=column)]

    # -- variant rows -----------------------------------------------------------------------------

    def variant(self, identifier: str, values: Mapping[str, Any], product: dict[str, Any],
                errors: list[Problem], unknown: list[str], models: ModelLookup | None) -> MapResult:
        """A product row with a parent: its own level's values on it, its ancestors' on them."""
        lookup = models or _nobody
        parent_code: str = product["parent"]
        parent = lookup(parent_code)
        if parent is None:
            return self._rejected(identifier, errors, unknown) or waiting(identifier, parent_code)
        fv, problems = self._family_variant(parent.family_variant, "parent", unknown)
        if fv is None:
            return MapResult(identifier, None, errors + problems, tuple(unknown))
        ancestors = [(ROOT, parent_code)]
        if parent.parent is not None:
            root = lookup(parent.parent)
            if root is None:
                return self._rejected(identifier, errors, unknown) or waiting(identifier, parent.parent)
            ancestors = [(ROOT, root.code), (1, parent_code)]
            if not root.is_root or root.family_variant != fv.code:
                errors.append(_parent(f'parent "{parent_code}" is a sub-model of "{root.code}", which is not '
                                      f'a root product model of "{fv.code}"'))
        if len(ancestors) != fv.levels:
            kind = "root product model" if parent.is_root else "sub-model"
            errors.append(_parent(f'"{parent_code}" is a {kind} of "{fv.code}" ({fv.levels} level(s)): a '
                                  f"variant product's parent is a model of level {fv.levels - 1}"))
        errors += self._family(fv, product, f'parent "{parent_code}"')
        out: dict[str, Any] = product["values"]
        columns = _Columns(self._mapper, values)
        errors += self._axes(fv, fv.levels, out, columns)
        own: dict[str, Any] = {}
        upward: dict[int, dict[str, Any]] = {}
        why = " (MODEL_VALUES=reject)" if self._reject else ""
        levels = self._levels_of(fv)
        for attribute, items in out.items():
            level = levels.get(attribute, ROOT)
            if level == fv.levels:
                own[attribute] = items
            elif level is None or self._reject:
                errors += self._misplaced(fv, columns, attribute, level, fv.levels, why)
            else:
                upward.setdefault(level, {})[attribute] = items
        if errors:
            return MapResult(identifier, None, errors, tuple(unknown))
        product["values"] = own
        writes = tuple(ModelWrite(code, {"code": code, "values": upward[level]})
                       for level, code in ancestors if level in upward)
        return MapResult(identifier, product, models=writes)

    # -- model rows -------------------------------------------------------------------------------

    def model(self, code: str, values: Mapping[str, Any], mapped: MapResult, family_variant: str | None,
              models: ModelLookup | None) -> MapResult:
        """A product model row, mapped as a product would be (``mapped``), checked for its level."""
        lookup = models or _nobody
        errors = list(mapped.errors)
        unknown = list(mapped.unknown)
        fields = mapped.payload or {}
        known = lookup(code)
        parent_code = fields.get("parent", known.parent if known else None)
        fv_code = family_variant or (known.family_variant if known else None)
        level = ROOT
        parent = None
        if parent_code is not None:
            level = 1
            parent = lookup(parent_code)
            if parent is None:
                return self._rejected(code, errors, unknown) or waiting(code, parent_code)
            if fv_code is None:
                fv_code = parent.family_variant  # as Akeneo: a sub-model's family variant is its parent's
            elif parent.family_variant != fv_code:
                errors.append(_parent(f'parent "{parent_code}" is of family variant '
                                      f'"{parent.family_variant}", not "{fv_code}"'))
            if not parent.is_root:
                errors.append(_parent(f'parent "{parent_code}" is a sub-model: a sub-model\'s parent is a '
                                      "root product model"))
        if fv_code is None:
            return self._rejected(code, errors, unknown) or waiting(code, code, "product model")
        fv, problems = self._family_variant(fv_code, "family_variant" if family_variant else "parent",
                                            unknown)
        if fv is None:
            return MapResult(code, None, errors + problems, tuple(unknown))
        if level > ROOT and fv.levels == 1:
            errors.append(_parent(f'"{fv.code}" has one level: its product models have no parent'))
        errors += self._family(fv, fields, f'family variant "{fv.code}"')
        out: dict[str, Any] = fields.get("values", {})
        columns = _Columns(self._mapper, values)
        levels = self._levels_of(fv)
        for attribute in out:
            at = levels.get(attribute, ROOT)
            if at != level:
                errors += self._misplaced(fv, columns, attribute, at, level, "")
        if level > ROOT:  # a known sub-model has its axis values already: it may leave them out
            errors += self._axes(fv, level, out, columns, required=known is None)
        if errors or mapped.payload is None:
            return MapResult(code, None, errors, tuple(unknown))
        payload = model_payload(code, family_variant, fields)
        return MapResult(code, payload, model=ModelInfo(code, fv.code, parent_code))

    @staticmethod
    def _rejected(identifier: str, errors: list[Problem], unknown: list[str]) -> MapResult | None:
        """The row's rejection, if it has problems already: a bad row waits for no parent."""
        return MapResult(identifier, None, errors, tuple(unknown)) if errors else None


def model_payload(code: str, family_variant: str | None, fields: Mapping[str, Any]) -> dict[str, Any]:
    """A product model in Akeneo's standard format from what a product row's mapping gave."""
    payload: dict[str, Any] = {"code": code}
    if family_variant is not None:
        payload["family_variant"] = family_variant
    payload.update((k, v) for k, v in fields.items() if k != "identifier")
    return payload
