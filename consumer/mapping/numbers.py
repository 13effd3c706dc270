"""Decimal numbers from text, by an attribute's rules, without ever going through a float.

Amounts leave as strings in plain notation (Akeneo accepts decimal strings everywhere) and whole
numbers of attributes without decimals as ints, so nothing is rounded on the way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from consumer.catalog.model import AttributeInfo
from consumer.mapping.problems import Blank, Invalid

# ASCII digits only: \d would also take other scripts' digits, which Akeneo does not read as numbers.
PLAIN = r"-?[0-9]+(?:\.[0-9]+)?"  # the common spelling, checked without building a Decimal
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# Exponents beyond this would expand to absurdly long digit strings; Akeneo stores far less.
_MAX_MAGNITUDE = 40
_INT64 = 2**63
_INT64_DIGITS = 18  # a plain whole number of at most this many digits fits in 64 bits


def _format(number: Decimal) -> str:
    text = format(number, "f")
    return "0" if text == "-0" else text


class NumberRule:
    """Parses and checks one attribute's numbers: decimals, sign, minimum and maximum.

    The hot path never builds a Decimal: ``plain`` is the plain spelling of exactly the numbers
    that pass the sign and decimal rules (a regex match is the whole check), and ``within`` tests
    the bounds in floats. Anything else goes through ``decimal()``, which gives the reasons.
    """

    __slots__ = ("_decimals", "_high", "_low", "_max", "_min", "_negative", "_plain", "plain", "within")

    def __init__(self, attribute: AttributeInfo) -> None:
        # As Akeneo's constraint guessers read the flags: decimals need an explicit true
        # (NotDecimalGuesser: `!isDecimalsAllowed()`), only an explicit false forbids negatives
        # (RangeGuesser: `false === isNegativeAllowed()`; prices leave it null).
        self._decimals = attribute.decimals_allowed is True
        self._negative = attribute.negative_allowed is not False
        self._min = attribute.number_min
        self._max = attribute.number_max
        self._low = float(self._min) if self._min is not None else None
        self._high = float(self._max) if self._max is not None else None
        # A regex (without groups) of the plain numbers that pass the sign and decimal rules.
        digits = r"[0-9]+(?:\.[0-9]+)?" if self._decimals else "[0-9]+"
        self.plain = ("-?" if self._negative else "") + digits
        self._plain = re.compile(self.plain).fullmatch
        # For text matching ``plain``: None when there are no bounds, else True only when the
        # value is certainly within them (False: ask decimal()).
        unbounded = self._min is None and self._max is None
        self.within: Callable[[str], bool] | None = None if unbounded else self._within

    def _within(self, plain: str) -> bool:
        """Bounds compared in floats. Sound because rounding to the nearest double is monotonic
        (``float`` of a string or a Decimal is correctly rounded): a double strictly above the
        bound's double means a value strictly above the bound. Equal doubles go to decimal()."""
        x, low, high = float(plain), self._low, self._high
        return (low is None or x > low) and (high is None or x < high)

    def fine(self, text: str) -> bool:
        """True when ``text`` is a plain number that passes every rule (no Decimal built)."""
        return self._plain(text) is not None and (self.within is None or self.within(text))

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
        if self.fine(text):
            return text
        return _format(self.decimal(text))

    def number(self, text: str) -> int | str:
        """For number attributes: an int when decimals are not allowed, else a decimal string."""
        if self._plain(text) is not None and (self.within is None or self.within(text)):
            if self._decimals:
                return text
            if len(text) <= _INT64_DIGITS:
                return int(text)
            value = int(text)
        elif self._decimals:
            return _format(self.decimal(text))
        else:
            value = int(self.decimal(text))
        return value if -_INT64 < value < _INT64 else str(value)  # JSON encoders stop at 64 bits
