"""Column names of the flat row -> what each column writes, decided once per (catalog, column).

Forms: ``code``, ``code~locale``, ``code~scope``, ``code~locale~scope``, each optionally with
``@currency`` / ``@CUR`` (price collections) or ``@unit`` / ``@UNIT`` (metrics); reserved columns
``family``, ``parent``, ``categories``, ``groups``, ``enabled`` and
``associations~TYPE~products|product_models|groups``.
A column that cannot be written becomes an INVALID plan carrying its reason; it is reported only
for rows that put something in it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from consumer.catalog.model import AttributeInfo, Catalog
from consumer.mapping import cells
from consumer.mapping.problems import Invalid
from consumer.mapping.units import UnitResolver


class Kind(IntEnum):
    VALUE = 0  # one value of an attribute
    PRICE = 1  # prices: several columns may add to one value
    FIELD = 2  # family, parent, categories, groups, enabled
    ASSOCIATION = 3
    IDENTIFIER = 4  # the identifier attribute: must agree with the event's identifier
    INVALID = 5


NO_NULL = object()  # null_data of columns that cannot be cleared
ASSOCIATION_KINDS = ("products", "product_models", "groups")
RESERVED = ("family", "parent", "categories", "groups", "enabled", "associations")


@dataclass(slots=True)
class ColumnPlan:
    kind: Kind
    column: str
    convert: cells.Converter | None = None
    attribute: str | None = None
    locale: str | None = None
    scope: str | None = None
    key: Any = None  # what the column writes: (attribute, locale, scope), a field name, (type, kind)
    prop: str = "values"  # the error `property`
    null_data: Any = None  # what an explicit null sends
    error: Invalid | None = None
    shared: bool = False  # another column writes the same key: rows must be checked for conflicts
    verbatim: int = -1  # a cell of at most this many characters is its own data (plain text): no call

    def invalid(self, reason: Invalid) -> ColumnPlan:
        self.kind, self.error, self.convert = Kind.INVALID, reason, None
        return self


def _known(codes: frozenset[str] | None, what: str, convert: cells.Converter) -> cells.Converter:
    """``convert``, then check every code against the catalog's list, when the catalog has one."""
    if codes is None:
        return convert

    def checked(cell: str) -> Any:
        data = convert(cell)
        missing = [c for c in (data if isinstance(data, list) else [data]) if c not in codes]
        if missing:
            raise Invalid(f'{what} "{missing[0]}" does not exist', unknown=True)
        return data

    return checked


def _field(name: str, catalog: Catalog, separator: str) -> ColumnPlan:
    plan = ColumnPlan(Kind.FIELD, name, key=name, prop=name)
    if name == "family":
        plan.convert = cells.memoized(_known(catalog.families, "family", cells.stripped))
    elif name == "parent":
        plan.convert = cells.stripped
    elif name == "enabled":
        plan.convert, plan.null_data = cells.boolean, NO_NULL
    else:  # categories, groups: lists, cleared by null
        codes = catalog.categories if name == "categories" else catalog.groups
        what = "category" if name == "categories" else "group"
        plan.convert = cells.memoized(_known(codes, what, cells.code_list(separator)))
        plan.null_data = []
    return plan


def _association(column: str, parts: list[str], catalog: Catalog, separator: str) -> ColumnPlan:
    plan = ColumnPlan(Kind.ASSOCIATION, column, prop="associations", null_data=[])
    if len(parts) != 3 or not parts[1] or parts[2] not in ASSOCIATION_KINDS:
        kinds = "|".join(ASSOCIATION_KINDS)
        return plan.invalid(Invalid(f"associations are written associations~TYPE~{kinds}"))
    kind_type, kind = parts[1], parts[2]
    if catalog.association_types is not None and kind_type not in catalog.association_types:
        return plan.invalid(Invalid(f'association type "{kind_type}" does not exist', unknown=True))
    plan.key = (kind_type, kind)
    plan.convert = cells.code_list(separator)
    if kind == "groups":
        plan.convert = _known(catalog.groups, "group", plan.convert)
    return plan


def _shape(attribute: AttributeInfo, given: list[str]) -> tuple[str | None, str | None]:
    """(locale, scope) from the column's qualifiers and the attribute's flags."""
    code, localizable, scopable = attribute.code, attribute.localizable, attribute.scopable
    if len(given) == 2 and localizable and scopable:
        return given[0], given[1]
    if len(given) == 1 and localizable != scopable:
        return (given[0], None) if localizable else (None, given[0])
    if given or localizable or scopable:
        expected = f"{code}~<locale>~<channel>" if localizable and scopable else (
            f"{code}~<locale>" if localizable else f"{code}~<channel>" if scopable else code)
        flags = " and ".join(f for f, on in (("localizable", localizable), ("scopable", scopable)) if on)
        what = f"is {flags}" if flags else "is neither localizable nor scopable"
        raise Invalid(f'attribute "{code}" {what}: name the column "{expected}"')
    return None, None


def _check_qualifiers(
    attribute: AttributeInfo, locale: str | None, scope: str | None, catalog: Catalog
) -> None:
    if scope is not None and scope not in catalog.channels:
        raise Invalid(f'channel "{scope}" does not exist', unknown=True)
    if locale is not None:
        if locale not in catalog.enabled_locales:
            state = "not enabled" if locale in catalog.locales else "unknown"
            raise Invalid(f'locale "{locale}" is {state}', unknown=True)
        if attribute.available_locales and locale not in attribute.available_locales:
            allowed = ", ".join(sorted(attribute.available_locales))
            raise Invalid(f'attribute "{attribute.code}" only has the locales {allowed}, not "{locale}"')
        if scope is not None and locale not in catalog.channels[scope].locales:
            raise Invalid(f'locale "{locale}" is not activated for channel "{scope}"')


@dataclass(frozen=True, slots=True)
class Context:
    """What converters are built from besides the attribute."""

    catalog: Catalog
    units: Callable[[str], UnitResolver | None]  # measurement family code -> its resolver
    separator: str

    def resolver(self, attribute: AttributeInfo) -> UnitResolver:
        units = self.units(attribute.metric_family or "")
        if units is None:
            raise Invalid(f'measurement family "{attribute.metric_family}" does not exist', unknown=True)
        return units


Factory = Callable[[AttributeInfo, Context], cells.Converter]


def _codes(attribute: AttributeInfo, ctx: Context) -> cells.Converter:
    return cells.code_list(ctx.separator)


def _code(attribute: AttributeInfo, ctx: Context) -> cells.Converter:
    return cells.stripped


TEXT_LIMITS = {"pim_catalog_text": cells.TEXT_LIMIT, "pim_catalog_textarea": cells.TEXTAREA_LIMIT}
FACTORIES: dict[str, Factory] = {
    "pim_catalog_text": lambda a, ctx: cells.text(a, cells.TEXT_LIMIT),
    "pim_catalog_textarea": lambda a, ctx: cells.text(a, cells.TEXTAREA_LIMIT),
    "pim_catalog_number": lambda a, ctx: cells.number(a),
    "pim_catalog_boolean": lambda a, ctx: cells.boolean,
    "pim_catalog_date": lambda a, ctx: cells.memoized(cells.date(a)),
    "pim_catalog_simpleselect": lambda a, ctx: cells.simple_select(a),
    "pim_catalog_multiselect": lambda a, ctx: cells.memoized(cells.multi_select(a, ctx.separator)),
    "pim_catalog_price_collection": lambda a, ctx: cells.price_collection(a, ctx.catalog, ctx.separator),
    "pim_catalog_metric": lambda a, ctx: cells.metric(a, ctx.resolver(a)),
    "pim_catalog_table": lambda a, ctx: cells.table(a),
    "pim_catalog_product_link": lambda a, ctx: cells.product_link,
    "pim_catalog_file": _code,  # a media file code, from POST /media-files
    "pim_catalog_image": _code,
    "pim_catalog_reference_data_simple_select": _code,
    "akeneo_reference_entity": _code,
    "pim_catalog_reference_data_multi_select": _codes,
    "akeneo_reference_entity_collection": _codes,
    "pim_catalog_asset_collection": _codes,
}


@dataclass(frozen=True, slots=True)
class Suffix:
    """What ``code@SUFFIX`` means for an attribute type that takes one."""

    kind: str  # the attribute type, in words
    word: str  # the export's literal suffix: the cell itself carries the currency or unit
    example: str
    named: Callable[[AttributeInfo, Context, str], cells.Converter]  # the suffix names them instead


SUFFIXES: dict[str, Suffix] = {
    "pim_catalog_price_collection": Suffix(
        "price collection", "currency", "a currency code such as @EUR",
        lambda a, ctx, cur: cells.price_in(a, ctx.catalog, cur)),
    "pim_catalog_metric": Suffix(
        "metric", "unit", "a unit such as @KILOGRAM, @KGM or @kg",
        lambda a, ctx, unit: cells.metric_in(a, ctx.resolver(a), unit)),
}
LITERAL_WORDS = frozenset(s.word for s in SUFFIXES.values())
SUFFIX_MISUSED = "@ is only for price collections (@currency) and metrics (@unit)"


def _suffixed(attribute: AttributeInfo, ctx: Context, suffix: str) -> cells.Converter:
    """``@currency`` / ``@unit`` (any case) read the cell as a plain column does; any other suffix
    names the currency or unit, and the cell is the amount (optionally followed by that same one)."""
    kind = SUFFIXES[attribute.type]
    word = suffix.casefold()
    if word == kind.word:
        return FACTORIES[attribute.type](attribute, ctx)
    if word in LITERAL_WORDS:
        raise Invalid(f"{kind.kind} columns end in @{kind.word} or {kind.example}, not @{suffix}")
    return kind.named(attribute, ctx, suffix)


def plan_column(column: str, ctx: Context) -> ColumnPlan:
    """What ``column`` writes. Never raises: problems become an INVALID plan."""
    name = column.strip()
    base, at, suffix = name.partition("@")
    suffix = suffix.strip()
    parts = base.split("~")
    code = parts[0]
    plan = ColumnPlan(Kind.VALUE, column, attribute=code)
    if code in RESERVED and not at:
        if code == "associations":
            return _association(column, parts, ctx.catalog, ctx.separator)
        if len(parts) == 1:
            return _field(code, ctx.catalog, ctx.separator)
    attribute = ctx.catalog.attributes.get(code)
    if attribute is None:
        hint = "; qualifiers are separated by ~" if "-" in code else ""
        return plan.invalid(Invalid(f'attribute "{code}" does not exist{hint}', unknown=True))
    try:
        plan.locale, plan.scope = _shape(attribute, parts[1:])
        _check_qualifiers(attribute, plan.locale, plan.scope, ctx.catalog)
        plan.key = (code, plan.locale, plan.scope)
        if at and (not suffix or attribute.type not in SUFFIXES):
            raise Invalid(SUFFIX_MISUSED)
        if attribute.type == "pim_catalog_identifier":
            plan.kind, plan.null_data = Kind.IDENTIFIER, NO_NULL
            return plan
        if attribute.type == "pim_catalog_price_collection":
            plan.kind = Kind.PRICE
        if at:
            plan.convert = _suffixed(attribute, ctx, suffix)
        elif attribute.type in FACTORIES:
            plan.convert = FACTORIES[attribute.type](attribute, ctx)
            if attribute.type in TEXT_LIMITS:
                plan.verbatim = cells.verbatim_limit(attribute, TEXT_LIMITS[attribute.type])
        else:
            raise Invalid(f'attribute type "{attribute.type}" is not supported')
    except Invalid as reason:
        return plan.invalid(reason)
    return plan
