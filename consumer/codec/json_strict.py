"""JSON read strictly where orjson is lenient: a key given twice, and bytes that are not UTF-8.

orjson keeps the last of two equal keys. An event naming ``identifier`` or a column twice is
ambiguous, so it is refused, naming the key. Finding out costs next to nothing for the usual
event: every key is followed by exactly one ``:`` outside strings, so if the parsed event has
as many keys (its own and those of ``values``) as the bytes have colons, no key can have been
given twice. Colons inside strings (a URL, a time in a text) make the count differ; the parsed
event is then written back by orjson, whose colons are exactly those of the keys and strings that
were kept. Only when the bytes still have more (a key twice) is the document parsed again, key by
key, to name it.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from consumer.codec.errors import DecodeError, member
from consumer.errors import invalid_utf8

# `\u003a` is a colon in a parsed string but no colon byte: it could make up for a repeated key.
_ESCAPED_COLON = b"\\u003"


def loads(value: bytes) -> Any:
    """The parsed document; DecodeError for bytes that are not JSON, not UTF-8, or repeat a key."""
    try:
        data = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise DecodeError(not_json(value, exc)) from None
    if type(data) is dict:
        values = data.get("values")
        keys = len(data) + (len(values) if type(values) is dict else 0)
        colons = value.count(b":")
        # The hot path: as many keys as colons, so no key was given twice (inlined: it runs per event).
        if keys != colons and not _colons_explained(value, data, colons):
            repeated = _repeated_key(value)
            if repeated is not None:
                raise DecodeError(f"{repeated} appears twice", *_ids(data, repeated))
    return data


def _ids(data: dict[str, Any], repeated: str) -> tuple[str | None, str | None]:
    """The event's identifier and event_id for its feedback, each unless it is the ambiguous key."""
    found = [data.get(name) if repeated != name else None for name in ("identifier", "event_id")]
    identifier, event_id = (value if type(value) is str and value else None for value in found)
    return identifier, event_id


def not_json(value: bytes, exc: orjson.JSONDecodeError) -> str:
    """orjson says "str is not valid UTF-8: surrogates not allowed"; a user needs the byte and where."""
    try:
        value.decode("utf-8")
    except UnicodeDecodeError as bad:
        return invalid_utf8(bad)
    return f"not JSON: {exc}"


def _colons_explained(value: bytes, data: dict[str, Any], colons: int) -> bool:
    """True when every colon of ``value`` is a key's or lies in a string of the parsed ``data``.

    orjson writes one colon a key and never escapes one inside a string, so its rendering of what
    was parsed has exactly the colons the bytes would have without a key given twice; an escaped
    colon (`\\u003a`) in the bytes would make up for a repeat, so such bytes are looked at closely.
    """
    if b"\\" in value and _ESCAPED_COLON in value:  # the first test is a memchr: cheap when absent
        return False
    try:
        return orjson.dumps(data).count(b":") == colons
    except orjson.JSONEncodeError:  # nested deeper than orjson writes: let the exact path decide
        return False


class _Pairs(list[tuple[str, Any]]):
    """An object as its key/value pairs in order, duplicates kept."""


def _repeated_key(value: bytes) -> str | None:
    """The first key given twice, as ``identifier`` or ``values.color``; None if there is none."""
    try:
        return _first_repeat(json.loads(value, object_pairs_hook=_Pairs), "")
    except RecursionError:  # nested deeper than the stdlib parser goes: not an event anyway
        return None


def _first_repeat(node: Any, path: str) -> str | None:
    if isinstance(node, _Pairs):
        seen: set[str] = set()
        for key, item in node:
            where = member(path, key) if path else _top_level(key)
            if key in seen:
                return where
            seen.add(key)
            found = _first_repeat(item, where)
            if found is not None:
                return found
    elif isinstance(node, list):
        for index, item in enumerate(node):
            found = _first_repeat(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


def _top_level(key: str) -> str:
    return key if key and key.isprintable() else json.dumps(key, ensure_ascii=False)
