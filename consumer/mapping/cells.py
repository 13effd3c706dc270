"""Cell text -> Akeneo ``data``, one converter per attribute type, built once per column.

A converter takes a non-empty cell and returns the value's ``data``, or raises Invalid with the
reason. Converters close over everything they need (the attribute's rules, its options, its unit
resolver), so converting a cell is a call and a few checks.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from typing import Any

import orjson

from consumer.catalog.model import AttributeInfo, Catalog
from consumer.mapping.numbers import NumberRule
from consumer.mapping.problems import Blank, Invalid
from consumer.mapping.units import UnitResolver

Converter = Callable[[str], Any]

TEXT_LIMIT = 255  # Akeneo's own cap for text attributes
TEXTAREA_LIMIT = 65535
BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
_DATE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"  # a date, optionally a time with an optional zone
    r"(?:T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)
_AMOUNT = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_AMOUNT_FIRST = re.compile(rf"({_AMOUNT})\s*(\S.*?)?")
_CURRENCY_FIRST = re.compile(rf"([A-Za-z]{{3}})\s*({_AMOUNT})")
_BARE_AMOUNT = re.compile(_AMOUNT)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#]+[^\s]*")
_PHP_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE, "u": 0}
LINK_TYPES = ("product", "product_model")


def code_list(separator: str) -> Callable[[str], list[str]]:
    """Items of a multi-value cell: trimmed, blanks dropped, duplicates dropped, order kept."""

    def split(cell: str) -> list[str]:
        items = list(map(str.strip, cell.split(separator)))
        if "" in items:
            items = [item for item in items if item]
            if not items:
                raise Blank
        if len(items) > 1 and len(set(items)) < len(items):
            items = list(dict.fromkeys(items))
        return items

    return split


def memoized(convert: Converter, size: int = 2048) -> Converter:
    """``convert`` with its results kept per cell text, for columns whose cells repeat (options,
    categories, families). Lists are copied on the way out: a payload may be changed downstream."""
    results: dict[str, Any] = {}

    def cached(cell: str) -> Any:
        data = results.get(cell)
        if data is None:
            data = convert(cell)  # Blank and Invalid propagate and are not kept
            if len(results) < size:
                results[cell] = data
        return data.copy() if type(data) is list else data

    return cached


def stripped(cell: str) -> str:
    value = cell.strip()
    if not value:
        raise Blank
    return value


def boolean(cell: str) -> bool:
    value = BOOLEANS.get(cell)  # the usual spellings, as they are
    if value is not None:
        return value
    value = BOOLEANS.get(stripped(cell).lower())
    if value is None:
        raise Invalid(f'"{cell}" is not a boolean (true/false, 1/0, yes/no)')
    return value


def _php_regex(pattern: str) -> re.Pattern[str] | None:
    """Akeneo stores PHP (PCRE) patterns with delimiters and flags, e.g. ``/^[0-9]+$/i``."""
    if len(pattern) < 2 or pattern[0].isalnum() or pattern[0] == "\\":
        return None
    end = pattern.rfind(pattern[0])
    if end <= 0 or any(f not in _PHP_FLAGS for f in pattern[end + 1:]):
        return None
    flags = 0
    for f in pattern[end + 1:]:
        flags |= _PHP_FLAGS[f]
    try:
        return re.compile(pattern[1:end], flags)
    except re.error:
        return None  # a PCRE-only construct: leave the judgement to Akeneo


def _text_rule(attribute: AttributeInfo, limit: int) -> tuple[int, Callable[[str], object] | None]:
    """(longest cell allowed, the validation rule's test or None)."""
    maximum = min(attribute.max_characters or limit, limit)
    rule = attribute.validation_rule
    if rule == "email":
        return maximum, _EMAIL.fullmatch
    if rule == "url":
        return maximum, _URL.fullmatch
    if rule == "regexp" and attribute.validation_regexp:
        compiled = _php_regex(attribute.validation_regexp)
        return maximum, compiled.search if compiled is not None else None
    return maximum, None


def verbatim_limit(attribute: AttributeInfo, limit: int) -> int:
    """The longest cell of this text attribute that is its own data (no rule to test), or -1."""
    maximum, check = _text_rule(attribute, limit)
    return maximum if check is None else -1


def text(attribute: AttributeInfo, limit: int) -> Converter:
    maximum, check = _text_rule(attribute, limit)
    rule = attribute.validation_rule

    def convert(cell: str) -> str:
        if len(cell) > maximum:
            raise Invalid(f"{len(cell)} characters, the attribute allows at most {maximum}")
        if check is not None and not check(cell):
            raise Invalid(f'"{cell}" does not match the attribute\'s {rule} rule')
        return cell

    return convert


def date(attribute: AttributeInfo) -> Converter:
    low, high = attribute.date_min, attribute.date_max

    def convert(cell: str) -> str:
        value = stripped(cell)
        if not _DATE.fullmatch(value):
            raise Invalid(f'"{value}" is not an ISO-8601 date (YYYY-MM-DD or YYYY-MM-DDThh:mm:ss[zone])')
        try:
            day = dt.datetime.fromisoformat(value).date() if "T" in value else dt.date.fromisoformat(value)
        except ValueError:
            raise Invalid(f'"{value}" is not a valid date') from None
        if low is not None and day < low:
            raise Invalid(f'"{value}" is before the earliest date {low.isoformat()}')
        if high is not None and day > high:
            raise Invalid(f'"{value}" is after the latest date {high.isoformat()}')
        return value

    return convert


def _not_options(attribute: AttributeInfo, items: list[str], found: list[str | None]) -> Invalid:
    missing = [item for item, code in zip(items, found, strict=True) if code is None]
    names = ", ".join(f'"{m}"' for m in missing)
    verb = "is not an option" if len(missing) == 1 else "are not options"
    return Invalid(f'{names} {verb} of attribute "{attribute.code}"', unknown=True)


def simple_select(attribute: AttributeInfo) -> Converter:
    options = attribute.options or {}

    def convert(cell: str) -> str:
        code = options.get(cell.casefold())
        if code is None:
            item = stripped(cell)
            code = options.get(item.casefold())
            if code is None:
                raise _not_options(attribute, [item], [None])
        return code

    return convert


def multi_select(attribute: AttributeInfo, separator: str) -> Converter:
    options = attribute.options or {}
    split = code_list(separator)

    def convert(cell: str) -> list[str]:
        items = split(cell)
        found = [options.get(item.casefold()) for item in items]
        if None in found:
            raise _not_options(attribute, items, found)
        return items if found == items else list(dict.fromkeys(found))  # type: ignore[arg-type]

    return convert


def number(attribute: AttributeInfo) -> Converter:
    return NumberRule(attribute).number


def _currency(catalog: Catalog, given: str) -> str:
    currency = given.upper()
    if currency not in catalog.enabled_currencies:
        state = "not enabled" if currency in catalog.currencies else "unknown"
        raise Invalid(f'currency "{given}" is {state}', unknown=True)
    return currency


def _price_parts(item: str) -> tuple[str, str] | None:
    """(amount, currency) as written in ``740.00 EUR``, ``EUR 740.00`` or ``740EUR``; None otherwise."""
    match = _AMOUNT_FIRST.fullmatch(item)
    if match is not None and match[2]:
        return match[1], match[2]
    match = _CURRENCY_FIRST.fullmatch(item)
    return (match[2], match[1]) if match is not None else None


def price_collection(attribute: AttributeInfo, catalog: Catalog, separator: str) -> Converter:
    """``740.00 EUR`` (or ``EUR 740.00``, ``740EUR``), several joined by the separator."""
    rule = NumberRule(attribute)
    amount, within = rule.text, rule.within
    enabled = catalog.enabled_currencies
    split = code_list(separator)
    # The usual cell, one or two prices "740.00 EUR<###>799.20 USD" with amounts passing the sign
    # and decimal rules, in one regex call.
    price = rf"({rule.plain}) ([A-Z]{{3}})"
    usual = re.compile(rf"{price}(?:{re.escape(separator)}{price})?").fullmatch

    def one(item: str) -> dict[str, str]:
        parts = _price_parts(item)
        if parts is None:
            raise Invalid(f'"{item}" is not a price such as "740.00 EUR"')
        return {"amount": amount(parts[0]), "currency": _currency(catalog, parts[1])}

    def convert(cell: str) -> list[dict[str, str]]:
        match = usual(cell)
        if match is not None:
            first, currency, second, other = match.groups()
            if currency in enabled and (within is None or within(first)):
                if second is None:
                    return [{"amount": first, "currency": currency}]
                if other in enabled and other != currency and (within is None or within(second)):
                    return [{"amount": first, "currency": currency}, {"amount": second, "currency": other}]
        # Anything else: more prices, trimmed items, other spellings, blanks, repeats, and refusals.
        prices = [one(item) for item in split(cell)]
        if len(prices) > 1 and len({p["currency"] for p in prices}) < len(prices):
            currencies = [p["currency"] for p in prices]
            twice = next(c for c in currencies if currencies.count(c) > 1)
            raise Invalid(f"currency {twice} is given twice")
        return prices

    return convert


def price_in(attribute: AttributeInfo, catalog: Catalog, currency: str) -> Converter:
    """A ``code@CUR`` column: the cell is the amount, or the amount with that same currency."""
    checked = _currency(catalog, currency.strip())
    rule = NumberRule(attribute)
    amount, fine = rule.text, rule.fine

    def same_currency(value: str) -> str:
        parts = _price_parts(value)
        if parts is None:
            raise Invalid(f'"{value}" is not an amount such as "740.00" (or "740.00 {checked}")')
        given = parts[1].upper()
        if given != checked:
            if given not in catalog.currencies:
                raise Invalid(f'currency "{parts[1]}" is unknown', unknown=True)
            raise Invalid(f'"{value}" is a price in {given}, the column is for {checked}')
        return parts[0]

    def convert(cell: str) -> list[dict[str, str]]:
        if fine(cell):
            return [{"amount": cell, "currency": checked}]
        value = stripped(cell)
        if _BARE_AMOUNT.fullmatch(value) is None:  # "740.00 EUR": the column's currency repeated
            value = same_currency(value)
        return [{"amount": amount(value), "currency": checked}]

    return convert


def metric(attribute: AttributeInfo, resolver: UnitResolver) -> Converter:
    """``3000.00 MMT`` (unit as Akeneo code, symbol or UN/CEFACT code); a bare number takes the
    attribute's default unit."""
    rule = NumberRule(attribute)
    amount, within = rule.text, rule.within
    default = attribute.default_metric_unit if attribute.default_metric_unit in resolver.units else None
    exact = resolver.exact
    # The usual "3000.00 MMT", amount passing the sign and decimal rules: one regex call, one lookup.
    plain_metric = re.compile(rf"({rule.plain}) (\S.*)").fullmatch

    def convert(cell: str) -> dict[str, str]:
        match = plain_metric(cell)
        if match is not None:
            number, token = match.groups()
            unit = exact.get(token)
            if unit and (within is None or within(number)):
                return {"amount": number, "unit": unit}
        value = stripped(cell)
        match = _AMOUNT_FIRST.fullmatch(value)
        if match is None:
            raise Invalid(f'"{value}" is not an amount with a unit such as "3000.00 MMT"')
        token = match.group(2)
        if token:
            unit = resolver.resolve(token)
        elif default is not None:
            unit = default
        else:
            raise Invalid(f'"{value}" has no unit and the attribute has no default unit')
        return {"amount": amount(match.group(1)), "unit": unit}

    return convert


def metric_in(attribute: AttributeInfo, resolver: UnitResolver, token: str) -> Converter:
    """A ``code@UNIT`` column: the cell is the amount, or the amount with a unit naming that same unit."""
    unit = resolver.resolve(token)
    rule = NumberRule(attribute)
    amount, fine = rule.text, rule.fine

    def convert(cell: str) -> dict[str, str]:
        if fine(cell):
            return {"amount": cell, "unit": unit}
        value = stripped(cell)
        match = _AMOUNT_FIRST.fullmatch(value)
        if match is None:
            raise Invalid(f'"{value}" is not an amount such as "3000.00" (or "3000.00 {token.strip()}")')
        given = match[2]
        if given and given != token and resolver.resolve(given) != unit:
            raise Invalid(f'"{value}" is in {resolver.resolve(given)}, the column is for {unit}')
        return {"amount": amount(match[1]), "unit": unit}

    return convert


def table(attribute: AttributeInfo) -> Converter:
    """JSON rows in the cell: objects keyed by the table's column codes, the first column in every row."""
    columns = frozenset(attribute.table_columns)
    first = attribute.table_columns[0] if attribute.table_columns else None

    def convert(cell: str) -> list[dict[str, Any]]:
        try:
            rows = orjson.loads(stripped(cell))
        except orjson.JSONDecodeError:
            raise Invalid("a table value must be a JSON array of rows") from None
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise Invalid("a table value must be a JSON array of objects (one per row)")
        for index, row in enumerate(rows, 1):
            unknown = [k for k in row if k not in columns] if columns else []
            if unknown:
                message = f'row {index}: "{unknown[0]}" is not a column of table "{attribute.code}"'
                raise Invalid(message, unknown=True)
            if first is not None and row.get(first) in (None, ""):
                raise Invalid(f'row {index}: the first column "{first}" is required')
        return rows

    return convert


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return len(value) == 36


def product_link(cell: str) -> dict[str, str]:
    """``product:<uuid>``, ``product_model:<code>``, a bare product UUID, or the JSON object itself."""
    value = stripped(cell)
    if value.startswith("{"):
        try:
            link = orjson.loads(value)
        except orjson.JSONDecodeError:
            raise Invalid(f'"{value}" is not valid JSON') from None
        if not isinstance(link, dict) or set(link) != {"type", "id"}:
            raise Invalid('a product link object has exactly "type" and "id"')
        kind, target = link["type"], link["id"]
    else:
        kind, sep, target = value.partition(":")
        if not sep:
            kind, target = "product", value
    if kind not in LINK_TYPES or not isinstance(target, str) or not target.strip():
        raise Invalid(f'"{value}" is not a product link (product:<uuid> or product_model:<code>)')
    if kind == "product" and not _is_uuid(target.strip()):
        raise Invalid(f'"{target}" is not a product UUID')
    return {"type": kind, "id": target.strip()}
