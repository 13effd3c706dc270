"""Bad input as a user's producer writes it (issue 9): the oversized-event test and the soak share it.

Each maker returns what goes to the input topic: an event (the harness encodes it) or raw
(key, value) bytes for what no encoder would write (malformed JSON, duplicate keys, bad UTF-8).
"""

from __future__ import annotations

from consumer.codec import ChangeEvent, make_codec

from .harness import Raw

# Identifiers Akeneo refuses or the HTTP stack would rewrite (dot segments), each REJECTED before sending.
BAD_IDENTIFIERS = [".", "..", "   ", "x" * 300, "cap\tred", " cap"]
OCCURRED_AT_MS = 1_790_000_000_000
HEAD = b'{"event_id":"%s","occurred_at":1790000000000,'

# The sizes of issue 9: each fits the input topic's producer (librdkafka's default message.max.bytes,
# 1,000,000), while its feedback (which echoes the row) or its DLQ copy (its value plus the headers
# saying why) does not.
UNKNOWN_COLUMNS = 6000  # with 114 characters each: an 840 KB row
VALID_ROW_BYTES = 999_850
UNDECODABLE_BYTES = 999_809

# Akeneo counts a textarea's characters (65,535 at most), the size limit counts bytes: text of 3-byte
# characters gets a valid row near 1 MB with few values, so its line to Akeneo stays under 1,000,000
# bytes (Akeneo's longest line) too.
_TEXTAREAS = [f"description~{locale}~ecommerce" for locale in ("en_US", "fr_FR", "de_DE")] + [
    f"short_description~{locale}~ecommerce" for locale in ("en_US", "fr_FR", "de_DE")
]
_TEXTAREA_CHARS = 65_535


def unknown_columns_row(event_id: str, identifier: str, columns: int = UNKNOWN_COLUMNS) -> ChangeEvent:
    """A row naming ``columns`` attributes Akeneo does not have: REJECTED naming each of them."""
    values: dict[str, str | None] = {f"no_such_column_{n:05d}": "v" * 114 for n in range(columns)}
    return ChangeEvent(event_id, OCCURRED_AT_MS, "UPSERT", identifier, values)


def valid_row_of(event_id: str, identifier: str, size: int = VALID_ROW_BYTES) -> ChangeEvent:
    """A valid row whose JSON event is exactly ``size`` bytes (long descriptions)."""
    values: dict[str, str | None] = {"name": f"Huge {identifier}", **dict.fromkeys(_TEXTAREAS, "")}
    room = size - len(_json(ChangeEvent(event_id, OCCURRED_AT_MS, "UPSERT", identifier, values)))
    for column in _TEXTAREAS:
        chars = min(_TEXTAREA_CHARS, room // 3)
        values[column] = "\u2014" * chars  # an em dash: 3 bytes of UTF-8
        room -= 3 * chars
    values["name"] = f"{values['name']}{'.' * room}"  # the last bytes (a name holds 255 characters)
    event = ChangeEvent(event_id, OCCURRED_AT_MS, "UPSERT", identifier, values)
    assert len(_json(event)) == size and room < 200, "the descriptions cannot hold that many bytes"
    return event


def undecodable_of(key: bytes, size: int = UNDECODABLE_BYTES) -> Raw:
    """A JSON event of ``size`` bytes cut short before its closing braces: undecodable."""
    start = HEAD % b"cut-short" + b'"identifier":"' + key + b'","values":{"name":"'
    return key, start + b"y" * (size - len(start))


def malformed() -> list[Raw]:
    """Messages no JSON decoder reads as an event: each REJECTED (by its key) with a DLQ copy."""
    return [
        (b"garbage", b"\x00\xffnot json at all"),
        (b"half", b'{"event_id": "half", "identifier": "half", "values": {"name": '),
        (b"array", b"[1, 2, 3]"),
        (b"no-id", b'{"event_id": "no-id", "operation": "UPSERT", "values": {}}'),
        (b"bad-types", b'{"event_id": "bad-types", "identifier": 42, "values": {"name": 1}}'),
        (None, b'{"event_id": "no-key"'),
    ]


def ambiguous() -> list[Raw]:
    """Duplicate keys and invalid UTF-8: refused, naming the key or the byte offset."""
    return [
        (b"twice-a", HEAD % b"dup-id" + b'"identifier":"twice-a","identifier":"twice-b","values":{}}'),
        (b"dup-col", HEAD % b"dup-col" + b'"identifier":"dup-col","values":{"name":"A","name":"B"}}'),
        (b"latin1", HEAD % b"latin1" + b'"identifier":"latin1","values":{"name":"caf\xe9"}}'),
    ]


def bad_identifier_events(tag: str) -> list[ChangeEvent]:
    """An upsert and a delete of every identifier in ``BAD_IDENTIFIERS``: REJECTED, nothing sent."""
    row: dict[str, str | None] = {"name": "Printer"}
    return [
        ChangeEvent(f"{tag}-{operation}-{n}", OCCURRED_AT_MS, operation, identifier, values)
        for n, identifier in enumerate(BAD_IDENTIFIERS)
        for operation, values in (("UPSERT", row), ("DELETE", {}))
    ]


def _json(event: ChangeEvent) -> bytes:
    return make_codec("json").encode_change(event, "")
