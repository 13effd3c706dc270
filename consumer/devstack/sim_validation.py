"""Product validation the way Akeneo does it, worded the way Akeneo words it.

Akeneo answers a bad product in one of two shapes, and so does the simulator:

* a *structure* error (Akeneo's updater refuses the payload: unknown property or attribute, locale or
  scope against the attribute's flags, wrong data shape, unknown family or category): the first one
  found, as ``message`` with ``_links.documentation`` and no ``errors``;
* *violations* (Akeneo's validator: locale, channel, currency, unit, option, number and text rules):
  every one found, as ``message: "Validation failed."`` with ``errors`` items
  ``{property: "values", message, attribute, locale, scope}``.

Pure functions of (payload, catalog); option codes are canonicalised in place (Akeneo matches them
case-insensitively and stores its own spelling). The rules of product model trees (parents, levels,
axes) need the stored models: the caller passes them in as a ``FamilyCheck`` (sim_family.py), run
after the values are checked.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from consumer.devstack.sim_catalog import AttributeRule, Catalog

DOCUMENTATION_URL = "http://api.akeneo.com/api-reference.html#"

# Read-only or ignored on write, as in Akeneo's standard format.
_TOP_LEVEL = frozenset({
    "identifier", "uuid", "enabled", "family", "categories", "groups", "parent", "values",
    "associations", "quantified_associations", "created", "updated", "metadata",
})
_MODEL_TOP_LEVEL = frozenset({
    "code", "family", "family_variant", "parent", "categories", "values", "associations",
    "quantified_associations", "created", "updated", "metadata",
})
Violation = dict[str, Any]
# The tree rules of one entity (sim_family.py): violations, or StructureError at the first structure error.
FamilyCheck = Callable[[dict[str, Any]], list[Violation]]
_VALUE_KEYS = ("locale", "scope", "data")
# What PHP's is_numeric() accepts, which is what Akeneo's number check uses.
_NUMERIC = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:?\d{2}|Z)?)?$")
# Types whose data is one code, or a list of codes, checked for shape only (no media or records here).
_CODE_TYPES = frozenset({
    "pim_catalog_file", "pim_catalog_image", "pim_reference_data_simpleselect",
    "pim_catalog_reference_data_simple_select", "akeneo_reference_entity",
})
_CODE_LIST_TYPES = frozenset({
    "pim_reference_data_multiselect", "pim_catalog_reference_data_multi_select",
    "pim_catalog_asset_collection", "akeneo_reference_entity_collection",
})
# The identifier: Akeneo's /^(?!\s)[^,;]+(?<!\s)$/ (PCRE: \s is ASCII whitespace, and Akeneo refuses a
# no-break space as well), no line break, at most 255 characters.
_IDENTIFIER_PATTERN = re.compile(r"^(?![\s\u00a0])[^,;]+(?<![\s\u00a0])\Z")
_LINE_BREAK = re.compile(r"[\r\n\f\v]")
_IDENTIFIER_MAX = 255
# Akeneo's text attributes hold at most 255 characters unless max_characters says less.
_TEXT_LIMITS = {"pim_catalog_text": 255, "pim_catalog_textarea": 65535}


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why Akeneo answers 422 for one product."""

    message: str
    errors: list[dict[str, Any]] = field(default_factory=list)
    documentation: str | None = None

    def body(self) -> dict[str, Any]:
        """The keys Akeneo puts next to ``code`` / ``status_code`` in its answer."""
        if self.documentation is not None:
            return {"message": self.message, "_links": {"documentation": {"href": self.documentation}}}
        return {"message": self.message, "errors": self.errors}


class StructureError(Exception):
    """Akeneo's updater refused the payload: the first such problem is the whole answer."""


def php_type(value: Any) -> str:
    """The type name PHP's gettype() gives, which Akeneo quotes in its messages."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "string"
    return "array"


def structure_rejection(message: str, doc_anchor: str) -> Rejection:
    return Rejection(f"{message} Check the expected format on the API documentation.",
                     documentation=DOCUMENTATION_URL + doc_anchor)


def validate_product(product: dict[str, Any], catalog: Catalog, doc_anchor: str,
                     family: FamilyCheck | None = None) -> Rejection | None:
    """None if Akeneo would accept ``product`` (a standard-format payload); else why not.

    Without ``family`` (no product models known) every ``parent`` is unknown."""
    return _validate(product, catalog, doc_anchor, _TOP_LEVEL, family)


def validate_product_model(model: dict[str, Any], catalog: Catalog, doc_anchor: str,
                           family: FamilyCheck) -> Rejection | None:
    """None if Akeneo would accept ``model`` (a product model in the standard format); else why not."""
    return _validate(model, catalog, doc_anchor, _MODEL_TOP_LEVEL, family)


def _validate(entity: dict[str, Any], catalog: Catalog, doc_anchor: str, keys: frozenset[str],
              family: FamilyCheck | None) -> Rejection | None:
    try:
        violations = _check_entity(entity, catalog, keys)
        if family is not None:
            violations += family(entity)
        elif entity.get("parent") is not None:
            raise parent_missing(entity["parent"])
    except StructureError as exc:
        return structure_rejection(str(exc), doc_anchor)
    if violations:
        return Rejection("Validation failed.", errors=violations)
    return None


def parent_missing(code: Any) -> StructureError:
    return StructureError(f'Property "parent" expects a valid parent code. '
                          f'The parent product model does not exist, "{code}" given.')


def _expect_list_of_codes(prop: str, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise StructureError(f'Property "{prop}" expects an array as data, "{php_type(value)}" given.')
    for item in value:
        if not isinstance(item, str):
            raise StructureError(f'Property "{prop}" expects an array of strings as data, '
                                  f'"{php_type(item)}" given.')
    return value


def _entity_missing(prop: str, entity: str, code: str) -> StructureError:
    return StructureError(f'Property "{prop}" expects a valid {entity} code. '
                           f'The {entity} does not exist, "{code}" given.')


def _check_entity(product: Mapping[str, Any], catalog: Catalog, keys: frozenset[str]) -> list[Violation]:
    """Violations of ``product`` (or a product model: other ``keys``), parents aside; raises
    StructureError at the first structure error."""
    for key in product:
        if key not in keys:
            raise StructureError(f'Property "{key}" does not exist.')
    if "enabled" in product and not isinstance(product["enabled"], bool):
        given = php_type(product["enabled"])
        raise StructureError(f'Property "enabled" expects a boolean as data, "{given}" given.')
    family = product.get("family")
    if family is not None:
        if not isinstance(family, str):
            raise StructureError(f'Property "family" expects a scalar as data, "{php_type(family)}" given.')
        if family not in catalog.family_by_code:
            raise _entity_missing("family", "family", family)
    if "categories" in product:
        for code in _expect_list_of_codes("categories", product["categories"]):
            if code not in catalog.category_by_code:
                raise _entity_missing("categories", "category", code)
    if "groups" in product:
        for code in _expect_list_of_codes("groups", product["groups"]):
            if code not in catalog.group_codes:
                raise _entity_missing("groups", "group", code)
    _check_associations(product.get("associations"), catalog)
    violations = _identifier_violations(product.get("identifier"))
    values = product.get("values")
    if values is None:
        return violations
    if not isinstance(values, dict):
        raise StructureError(f'Property "values" expects an array as data, "{php_type(values)}" given.')
    for code, items in values.items():
        rule = catalog.rules.get(code)
        if rule is None:
            raise StructureError(f'Property "{code}" does not exist.')
        if not isinstance(items, list):
            raise StructureError(f'Property "{code}" expects an array as data, "{php_type(items)}" given.')
        for item in items:
            _check_value(rule, item, catalog, violations)
    return violations


def _identifier_violations(identifier: Any) -> list[dict[str, Any]]:
    """Akeneo's rules for the identifier (its product.yml): a pattern, no line break, 255 characters."""
    if not isinstance(identifier, str) or not identifier:
        return []
    found = []
    if not _IDENTIFIER_PATTERN.match(identifier):
        found.append("This field should not contain any comma or semicolon or leading/trailing space")
    if _LINE_BREAK.search(identifier):
        found.append("This field should not contain any line break")
    if len(identifier) > _IDENTIFIER_MAX:
        found.append(f"This value is too long. It should have {_IDENTIFIER_MAX} characters or less.")
    return [{"property": "identifier", "message": message} for message in found]


def _check_associations(associations: Any, catalog: Catalog) -> None:
    if associations is None:
        return
    if not isinstance(associations, dict):
        raise StructureError(f'Property "associations" expects an array as data, '
                              f'"{php_type(associations)}" given.')
    for association_type, kinds in associations.items():
        if association_type not in catalog.association_type_by_code:
            raise _entity_missing("associations", "association type", association_type)
        if not isinstance(kinds, dict):
            raise StructureError(f'Property "associations" expects an array as data, '
                                  f'"{php_type(kinds)}" given.')
        for kind, codes in kinds.items():
            if kind not in ("products", "product_models", "groups", "product_uuids"):
                raise StructureError(f'Property "associations" expects a valid association format, '
                                      f'"{kind}" given.')
            _expect_list_of_codes("associations", codes)


def _check_value(rule: AttributeRule, item: Any, catalog: Catalog, violations: list[dict[str, Any]]) -> None:
    code = rule.code
    if not isinstance(item, dict):
        raise StructureError(f'Property "{code}" expects an array as data, "{php_type(item)}" given.')
    for key in _VALUE_KEYS:
        if key not in item:
            raise StructureError(f'Property "{code}" expects an array with the key "{key}" as data.')
    locale, scope, data = item["locale"], item["scope"], item["data"]
    if rule.localizable and locale is None:
        raise StructureError(f'Attribute "{code}" expects a locale, none given.')
    if not rule.localizable and locale is not None:
        raise StructureError(f'Attribute "{code}" does not expect a locale, "{locale}" given.')
    if rule.scopable and scope is None:
        raise StructureError(f'Attribute "{code}" expects a scope, none given.')
    if not rule.scopable and scope is not None:
        raise StructureError(f'Attribute "{code}" does not expect a scope, "{scope}" given.')

    messages: list[str] = []
    if scope is not None and scope not in catalog.channel_by_code:
        messages.append(f'Value "{code}" expects an existing channel, "{scope}" given')
    if locale is not None:
        if locale not in catalog.enabled_locales:
            messages.append(f'Attribute "{code}" expects an existing and activated locale, "{locale}" given.')
        elif scope in catalog.channel_locales and locale not in catalog.channel_locales[scope]:
            messages.append(f'Attribute "{code}" expects a valid locale, "{locale}" is not bound to '
                            f'channel "{scope}".')
        if rule.available_locales and locale not in rule.available_locales:
            messages.append(f"The {locale} locale is not available on the {code} attribute.")
    if data is not None:  # null clears the value: nothing more to check
        _check_data(rule, item, data, catalog, messages)
    violations.extend({"property": "values", "message": message, "attribute": code, "locale": locale,
                       "scope": scope} for message in messages)


def _check_data(rule: AttributeRule, item: dict[str, Any], data: Any, catalog: Catalog,
                out: list[str]) -> None:
    """Appends violation messages for ``data`` to ``out``; raises StructureError for a wrong shape."""
    code, kind = rule.code, rule.type
    if kind in ("pim_catalog_text", "pim_catalog_textarea", "pim_catalog_identifier"):
        if isinstance(data, list | dict):
            raise StructureError(f'Property "{code}" expects a scalar as data, "{php_type(data)}" given.')
        if not isinstance(data, str):
            out.append(f"The {code} attribute requires a string, a {php_type(data)} was detected.")
            return
        limit = rule.max_characters or _TEXT_LIMITS.get(kind)
        if limit is not None and len(data) > limit:
            out.append(f"The {code} attribute must not contain more than {limit} characters. "
                       "The submitted value is too long.")
    elif kind == "pim_catalog_boolean":
        if not isinstance(data, bool):
            raise StructureError(f'Property "{code}" expects a boolean as data, "{php_type(data)}" given.')
    elif kind == "pim_catalog_date":
        if not isinstance(data, str) or not _is_date(data):
            shown = data if isinstance(data, str) else php_type(data)
            raise StructureError(f'Property "{code}" expects a string with the format "yyyy-mm-dd" as data, '
                                  f'"{shown}" given.')
    elif kind == "pim_catalog_number":
        if isinstance(data, list | dict):
            raise StructureError(f'Property "{code}" expects a scalar as data, "{php_type(data)}" given.')
        _number_violations(rule, data, out)
    elif kind == "pim_catalog_metric":
        _metric_violations(rule, data, catalog, out)
    elif kind == "pim_catalog_price_collection":
        _price_violations(rule, data, catalog, out)
    elif kind == "pim_catalog_simpleselect":
        if not isinstance(data, str):
            raise StructureError(f'Property "{code}" expects a string as data, "{php_type(data)}" given.')
        canonical = rule.options.get(data.lower())
        if canonical is None:
            out.append(f"The {data} value is not in the {code} attribute option list.")
        else:
            item["data"] = canonical
    elif kind == "pim_catalog_multiselect":
        codes = _expect_list_of_codes(code, data)
        unknown = [c for c in codes if c.lower() not in rule.options]
        if len(unknown) == 1:
            out.append(f"The {unknown[0]} value is not in the {code} attribute option list.")
        elif unknown:
            out.append(f"The {', '.join(unknown)} values are not in the {code} attribute option list.")
        else:
            item["data"] = [rule.options[c.lower()] for c in codes]
    elif kind in _CODE_TYPES:
        if not isinstance(data, str):
            raise StructureError(f'Property "{code}" expects a string as data, "{php_type(data)}" given.')
    elif kind in _CODE_LIST_TYPES:
        _expect_list_of_codes(code, data)
    # Other types (table, product link, ...) are stored as given.


def _is_date(text: str) -> bool:
    match = _DATE.match(text)
    if match is None:
        return False
    try:
        date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return False
    return True


def _shown(value: Any) -> str:
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    return str(value)


def _number_violations(rule: AttributeRule, amount: Any, out: list[str]) -> None:
    code = rule.code
    if isinstance(amount, bool) or not isinstance(amount, int | float | str):
        numeric = False
    elif isinstance(amount, str):
        numeric = _NUMERIC.match(amount) is not None
    else:
        numeric = math.isfinite(amount)
    if not numeric:
        out.append(f"The {code} attribute requires a number, and the submitted {_shown(amount)} value "
                   "is not.")
        return
    if rule.unconstrained:
        return
    number = Decimal(amount.strip() if isinstance(amount, str) else repr(amount))
    if not rule.decimals_allowed and number != number.to_integral_value():
        out.append(f"The {code} attribute requires a non-decimal value, and {_shown(amount)} is not "
                   "a valid value.")
    if not rule.negative_allowed and number < 0:
        out.append(f"The {code} attribute requires an equal or greater than 0 value.")
    if rule.number_min is not None and number < rule.number_min:
        out.append(f"The {code} attribute requires an equal or greater than {_shown(rule.number_min)} value.")
    if rule.number_max is not None and number > rule.number_max:
        out.append(f"The {code} attribute requires an equal or lesser than {_shown(rule.number_max)} value.")


def _expect_keys(code: str, data: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise StructureError(f'Property "{code}" expects an array as data, "{php_type(data)}" given.')
    for key in keys:
        if key not in data:
            raise StructureError(f'Property "{code}" expects an array with the key "{key}" as data.')
    return data


def _metric_violations(rule: AttributeRule, data: Any, catalog: Catalog, out: list[str]) -> None:
    metric = _expect_keys(rule.code, data, ("amount", "unit"))
    unit = metric["unit"]
    units = catalog.units_by_family.get(rule.metric_family or "", frozenset())
    if not isinstance(unit, str) or unit not in units:
        out.append("Please specify a valid metric unit")
    _number_violations(rule, metric["amount"], out)


def _price_violations(rule: AttributeRule, data: Any, catalog: Catalog, out: list[str]) -> None:
    if not isinstance(data, list):
        raise StructureError(f'Property "{rule.code}" expects an array as data, "{php_type(data)}" given.')
    for entry in data:
        price = _expect_keys(rule.code, entry, ("amount", "currency"))
        currency = price["currency"]
        if currency not in catalog.enabled_currencies:
            out.append(f"Please specify a valid currency for the {rule.code} attribute, "
                       f"the {currency} code was sent.")
        if price["amount"] is not None:
            _number_violations(rule, price["amount"], out)
