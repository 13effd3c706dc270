"""Whether an identifier can be sent to Akeneo at all: one pure check for every operation and entity.

The same rules hold for a product's identifier and a product model's code (Akeneo validates both
with one pattern, ``/^(?!\\s)[^,;]+(?<!\\s)$/``, no line breaks, at most 255 characters), and for
UPSERT and DELETE alike: an identifier that Akeneo would refuse to store can name no product to
delete either. Beyond Akeneo's own rules, ``.`` and ``..`` are refused because as a URL path
segment they are dot segments, which the HTTP stack resolves away (``DELETE /products/..`` would
go to ``/api/rest/v1/``), and non-printable characters (controls, line breaks, unusual spaces
such as U+00A0, which Akeneo refuses too) because no user can see what they are asked to fix.
"""

from __future__ import annotations

import unicodedata

MAX_LENGTH = 255  # Akeneo's limit for the identifier attribute and for product model codes
PRODUCT = "PRODUCT"
PRODUCT_MODEL = "PRODUCT_MODEL"
_NAMES = {PRODUCT: "product identifier", PRODUCT_MODEL: "product model code"}
_DOT_SEGMENTS = (".", "..")


def identifier_problem(identifier: object, entity: str = PRODUCT) -> str | None:
    """Why ``identifier`` cannot be sent to Akeneo as an ``entity`` (``PRODUCT``, ``PRODUCT_MODEL``),
    in one short sentence; None when it can. Cheap for a usable identifier (the hot path)."""
    name = _NAMES.get(entity, "identifier")
    if type(identifier) is not str or not identifier:
        return f"the event has no {name}"
    if len(identifier) > MAX_LENGTH:
        return f"the {name} is {len(identifier):,} characters long, over Akeneo's {MAX_LENGTH}"
    if identifier.isprintable() and identifier[0] != " " and identifier[-1] != " ":
        if "," in identifier or ";" in identifier:
            return f"the {name} contains a comma or a semicolon, which Akeneo does not accept"
        if identifier in _DOT_SEGMENTS:
            return f'the {name} "{identifier}" cannot be used in a URL path: it is a dot segment'
        return None
    if identifier.isspace():
        return f"the {name} is only whitespace"
    for char in identifier:
        if not char.isprintable() and char != " ":
            return f"the {name} contains {_describe(char)}, which Akeneo does not accept"
    return f"the {name} starts or ends with a space, which Akeneo does not accept"


_UNNAMED = {"Cc": "a control character", "Cs": "a surrogate", "Co": "a private-use character"}


def _describe(char: str) -> str:
    """``U+0009 (a control character)``, ``U+00A0 NO-BREAK SPACE``: a character a user cannot see."""
    code = f"U+{ord(char):04X}"
    named = unicodedata.name(char, "")
    if named:
        return f"{code} {named}"
    return f"{code} ({_UNNAMED.get(unicodedata.category(char), 'an unassigned character')})"
