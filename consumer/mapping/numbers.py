"""Decimal numbers from text, by an attribute's rules, without ever going through a float.

Amounts leave as strings in plain notation (Akeneo accepts decimal strings everywhere) and whole
numbers of attributes without decimals as ints, so nothing is rounded on the way.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from consumer.catalog.model import AttributeInfo
from consumer.mapping.problems import Blank, Invalid

# ASCII digits only: \d would also take other scripts' digits, which Akeneo does not read as numbers.
PLAIN = r"-?[0-9]+(?:\.[0-9]+)?"  # the common spelling, checked without building a Decimal
_PLAIN = re.compile(PLAIN)
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# Exponents beyond this would expand to absurdly long digit strings; Akeneo stores far less.
_MAX_MAGNITUDE = 40
_INT64 = 2**63


def _format(number: Decimal) -> str:
    text = format(number, "f")
    return "0" if text == "-0" else text


class NumberRule:
    """Parses and checks one attribute's numbers: decimals, sign, minimum and maximum."""

    __slots__ = ("_decimals", "_max", "_min", "_negative", "_unbounded")

    def __init__(self, attribute: AttributeInfo) -> None:
        # As Akeneo's constraint guessers read the flags: decimals need an explicit true
        # (NotDecimalGuesser: `!isDecimalsAllowed()`), only an explicit false forbids negatives
        # (RangeGuesser: `false === isNegativeAllowed()`; prices leave it null).
        self._decimals = attribute.decimals_allowed is True
        self._negative = attribute.negative_allowed is not False
        self._min = attribute.number_min
        self._max = attribute.number_max
        self._unbounded = self._min is None and self._max is None

    def plain_ok(self, plain: str) -> bool:
        """For text already known to be plain notation: True when it passes every rule without
        building a Decimal (the common case, and the hot path)."""
        return (self._unbounded and (self._negative or plain[0] != "-")
                and (self._decimals or "." not in plain))

    def _plain_and_fine(self, text: str) -> bool:
        return _PLAIN.fullmatch(text) is not None and self.plain_ok(text)

    def decimal(self, text: str) -> Decimal:
        """The checked value of ``text``; raises Invalid with the reason."""
        text = text.strip()
        if not text:
            raise Blank
        if not _NUMBER.fullmatch(text):
            raise Invalid(f'"{text}" is not a number')
        try:
            number = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
            raise Invalid(f'"{text}" is not a number') from None
        if number and abs(number.adjusted()) > _MAX_MAGNITUDE:
            raise Invalid(f'"{text}" is out of range')
        if not self._decimals and number != number.to_integral_value():
            raise Invalid(f'"{text}" has decimals, the attribute does not allow them')
        if not self._negative and number < 0:
            raise Invalid(f'"{text}" is negative, the attribute does not allow it')
        if self._min is not None and number < self._min:
            raise Invalid(f'"{text}" is below the minimum {_format(self._min)}')
        if self._max is not None and number > self._max:
            raise Invalid(f'"{text}" is above the maximum {_format(self._max)}')
        return number

    def text(self, text: str) -> str:
        """The value as a plain decimal string, as given where it already is one."""
        if self._plain_and_fine(text):
            return text
        return _format(self.decimal(text))

    def number(self, text: str) -> int | str:
        """For number attributes: an int when decimals are not allowed, else a decimal string."""
        if self._decimals:
            return self.text(text)
        value = int(text) if self._plain_and_fine(text) else int(self.decimal(text))
        return value if -_INT64 < value < _INT64 else str(value)  # JSON encoders stop at 64 bits
