"""Product model trees the way Akeneo validates them: family variants, parents, levels and axes.

A family variant splits its family's attributes into levels: the common ones (level 0) on the root
product model, its level-1 attribute set on the sub-models (two-level variants) or the variant
products (one level), its level-2 set on the variant products. Each entity may only set the values
of its own level, must have a value for its level's axes, and no two children of one model may
share their axis values. Akeneo also puts the identifier attribute on the variant products itself.

Messages are Akeneo's (its API's integration tests and validators). Structure errors (unknown
parent or family variant, a parent or family variant that cannot change) raise StructureError;
the rest are violations, all reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from consumer.devstack.sim_catalog import Catalog
from consumer.devstack.sim_validation import FamilyCheck, StructureError, Violation, parent_missing

Entity = dict[str, Any]


class Tree(Protocol):
    """The stored product models, and every stored child (sub-model or variant product) of a model."""

    def model(self, code: str) -> Entity | None: ...

    def children(self, code: str) -> list[Entity]: ...


@dataclass(frozen=True, slots=True)
class VariantRule:
    """One family variant: which attributes each level's entities hold, and their axes."""

    code: str
    family: str
    levels: int
    axes: Mapping[int, tuple[str, ...]]
    attributes: Mapping[int, frozenset[str]]  # the attribute sets by level (1, 2), axes included
    common: frozenset[str] | None  # level 0: the family's attributes in no set (None: list unknown)

    @classmethod
    def from_item(cls, family: str, item: Mapping[str, Any], catalog: Catalog) -> VariantRule:
        axes: dict[int, tuple[str, ...]] = {}
        attributes: dict[int, frozenset[str]] = {}
        for entry in item.get("variant_attribute_sets") or ():
            level = int(entry["level"])
            axes[level] = tuple(entry.get("axes") or ())
            attributes[level] = frozenset(entry.get("attributes") or ()) | set(axes[level])
        levels = max(attributes, default=1)
        if catalog.identifier_attribute is not None:
            attributes[levels] = attributes.get(levels, frozenset()) | {catalog.identifier_attribute}
        in_sets = frozenset().union(*attributes.values())
        family_attributes = (catalog.family_by_code.get(family) or {}).get("attributes")
        common = frozenset(family_attributes) - in_sets if family_attributes is not None else None
        return cls(str(item["code"]), family, levels, axes, attributes, common)

    def holds(self, level: int, attribute: str) -> bool:
        """Whether entities of ``level`` may set ``attribute`` (the root: the family's common ones)."""
        if level > 0:
            return attribute in self.attributes.get(level, frozenset())
        if self.common is None:  # a family without its attribute list: everything in no set is common
            return all(attribute not in attributes for attributes in self.attributes.values())
        return attribute in self.common


def _violation(prop: str, message: str) -> Violation:
    """Akeneo's violations of tree rules name a property only (``attribute`` for values and axes)."""
    return {"property": prop, "message": message}


def _not_in_set(attribute: str) -> Violation:
    return _violation("attribute", f'Cannot set the property "{attribute}" to this entity as it is not in '
                                   "the attribute set")


def _merged_values(existing: Entity | None, payload: Entity) -> dict[str, Any]:
    values = dict((existing or {}).get("values") or {})
    for attribute, items in (payload.get("values") or {}).items():
        kept = [i for i in values.get(attribute, []) if not any(
            i["locale"] == n.get("locale") and i["scope"] == n.get("scope") for n in items)]
        values[attribute] = kept + [n for n in items if n.get("data") is not None]
    return values


def _axis_data(values: Mapping[str, Any], axis: str) -> Any:
    """The data of a (neither localizable nor scopable) axis value, or None."""
    items = values.get(axis) or []
    return items[0].get("data") if items else None


def _key(entity: Entity) -> Any:
    """A product's identifier or a model's code."""
    return entity.get("identifier", entity.get("code"))


def _shown(data: Any) -> str:
    return f"[{','.join(map(str, data))}]" if isinstance(data, list) else f"[{data}]"


class Family:
    """Akeneo's tree rules over a catalog and the stored entities."""

    def __init__(self, catalog: Catalog, tree: Tree) -> None:
        self._catalog = catalog
        self._tree = tree
        self._rules = {code: VariantRule.from_item(family, item, catalog)
                       for code, (family, item) in catalog.family_variant_by_code.items()}

    def rule(self, code: Any) -> VariantRule | None:
        return self._rules.get(code) if isinstance(code, str) else None

    def product_check(self, identifier: str, existing: Entity | None) -> FamilyCheck:
        return lambda payload: self._check_product(identifier, existing, payload)

    def model_check(self, code: str, existing: Entity | None) -> FamilyCheck:
        return lambda payload: self._check_model(code, existing, payload)

    def family_variant_of(self, entity: Entity) -> VariantRule | None:
        """The family variant an entity belongs to: a model's own, a variant product's parent's."""
        if "family_variant" in entity:
            return self.rule(entity.get("family_variant"))
        parent = self._tree.model(entity["parent"]) if entity.get("parent") else None
        return self.rule(parent.get("family_variant")) if parent is not None else None

    # -- variant products -------------------------------------------------------------------------

    def _check_product(self, identifier: str, existing: Entity | None, payload: Entity) -> list[Violation]:
        parent_code = payload["parent"] if "parent" in payload else (existing or {}).get("parent")
        if parent_code is None:
            return []  # a simple product
        parent = self._tree.model(parent_code)
        rule = self.rule(parent.get("family_variant")) if parent is not None else None
        if parent is None or rule is None:
            raise parent_missing(parent_code)
        violations: list[Violation] = []
        level = 1 if parent.get("parent") is None else 2
        if level != rule.levels:
            violations.append(_violation("parent", (
                f'The variant product "{identifier}" cannot have product model "{parent_code}" as parent, '
                "(this product model can only have other product models as children)")))
        family = payload.get("family")
        if family is not None and family != rule.family:
            violations.append(_violation("family", "The variant product family must be the same than its "
                                                   "parent"))
        violations += [_not_in_set(a) for a in payload.get("values") or {} if not rule.holds(rule.levels, a)]
        violations += self._axes(identifier, existing, payload, parent_code, rule, rule.levels)
        return violations

    # -- product models ---------------------------------------------------------------------------

    def _check_model(self, code: str, existing: Entity | None, payload: Entity) -> list[Violation]:
        given = payload.get("family_variant", _ABSENT)
        if given is None or given == "":
            raise StructureError('Property "family_variant" does not expect an empty value.')
        if given is not _ABSENT:
            if existing is not None and given != existing["family_variant"]:
                raise StructureError(f'Property "family_variant" cannot be modified, "{given}" given.')
            if self.rule(given) is None:
                raise StructureError(f'Property "family_variant" expects a valid family variant code. '
                                     f'The family variant does not exist, "{given}" given.')
        parent_code = self._model_parent(existing, payload)
        parent = None
        if parent_code is not None:
            parent = self._tree.model(parent_code)
            if parent is None:
                raise parent_missing(parent_code)
            if given is not _ABSENT and given != parent["family_variant"]:
                raise StructureError(f'The parent is not a product model of the family variant "{given}" '
                                     f'but belongs to the family "{parent["family_variant"]}".')
        fv = given if given is not _ABSENT else (existing or parent or {}).get("family_variant")
        rule = self.rule(fv)
        if rule is None:
            return [_violation("family_variant", "The product model family variant must not be empty.")]
        violations: list[Violation] = []
        if payload.get("family") is not None and payload["family"] != rule.family:
            violations.append(_violation("family", "The product model family must be its family variant's"))
        level = 0
        if parent is not None:
            level = 1
            if rule.levels == 1:
                violations.append(_violation("parent", f'The product model "{code}" cannot have a parent'))
            elif parent.get("parent") is not None:
                violations.append(_violation("parent", (
                    f'The product model "{code}" cannot have the product model "{parent_code}" as parent')))
        violations += [_not_in_set(a) for a in payload.get("values") or {} if not rule.holds(level, a)]
        if parent_code is not None:
            violations += self._axes(code, existing, payload, parent_code, rule, level)
        return violations

    @staticmethod
    def _model_parent(existing: Entity | None, payload: Entity) -> Any:
        """The parent after this PATCH; a root model cannot get one, a sub-model cannot lose its own."""
        if "parent" not in payload:
            return (existing or {}).get("parent")
        parent = payload["parent"]
        if existing is not None and existing.get("parent") is None and parent is not None:
            raise StructureError(f'Property "parent" cannot be modified, "{parent}" given.')
        if existing is not None and existing.get("parent") is not None and parent is None:
            raise StructureError('Property "parent" cannot be modified, "NULL" given.')
        return parent

    # -- axes -------------------------------------------------------------------------------------

    def _axes(self, key: str, existing: Entity | None, payload: Entity, parent_code: str, rule: VariantRule,
              level: int) -> list[Violation]:
        axes = rule.axes.get(level, ())
        if not axes:
            return []
        values = _merged_values(existing, payload)
        given = {axis: _axis_data(values, axis) for axis in axes}
        empty = 'Attribute "{}" cannot be empty, as it is defined as an axis for this entity'
        violations = [_violation("attribute", empty.format(a)) for a, data in given.items() if data is None]
        if violations:
            return violations
        before = existing.get("values") or {} if existing is not None and existing.get("parent") else {}
        for axis in axes:
            old = _axis_data(before, axis)
            if old is not None and old != given[axis]:
                violations.append(_violation("attribute", (
                    f'Variant axis "{axis}" cannot be modified, "{_shown(given[axis])}" given')))
        mine = tuple(given[axis] for axis in axes)
        for sibling in self._tree.children(parent_code):
            values_of = sibling.get("values") or {}
            if _key(sibling) != key and tuple(_axis_data(values_of, a) for a in axes) == mine:
                shown = ",".join(_shown(data) for data in mine)
                violations.append(_violation("attribute", (
                    f'Cannot set value "{shown}" for the attribute axis "{",".join(axes)}", '
                    "as another sibling entity already has this value")))
                break
        return violations


_ABSENT: Any = object()
