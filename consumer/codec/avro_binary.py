"""Avro binary encoding primitives, hand-written for the hot path.

fastavro's generic reader spends most of its time dispatching per value; reading our fixed
layout directly is about twice as fast for a 30-column row (benchmarks/CODEC_RESULTS.md).
Every read checks its bounds and raises DecodeError, so no input can loop or escape as
another exception. Positions only move forward: lengths are checked to be non-negative.
"""

from __future__ import annotations

from consumer.codec.errors import DecodeError, member
from consumer.codec.events import Values
from consumer.errors import invalid_utf8

_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
# Zig-zag varints of 0..63 are one byte; lengths and enum indexes almost always are.
_ONE_BYTE = [bytes((i,)) for i in range(128)]
NULL_BRANCH = b"\x00"
STRING_BRANCH = b"\x02"
EMPTY = b"\x00"  # an empty map or array: a zero block count


def read_long(buf: bytes, pos: int) -> tuple[int, int]:
    """Zig-zag varint at ``pos``: (value, next position). At most 10 bytes, as Java's reader demands;
    bits of the 10th byte past 64 are dropped, as Java's and fastavro's readers do."""
    try:
        b = buf[pos]
        pos += 1
        n = b & 0x7F
        shift = 7
        while b & 0x80:
            if shift > 63:
                raise DecodeError("malformed Avro number (more than 10 bytes)")
            b = buf[pos]
            pos += 1
            n |= (b & 0x7F) << shift
            shift += 7
    except IndexError:
        raise DecodeError("truncated Avro data") from None
    if shift > 63:
        n &= 0xFFFF_FFFF_FFFF_FFFF
    return (n >> 1) ^ -(n & 1), pos


def read_string(buf: bytes, pos: int, field: str) -> tuple[str, int]:
    size, pos = read_long(buf, pos)
    end = pos + size
    if size < 0 or end > len(buf):
        raise DecodeError(f"truncated Avro data in {field}" if size >= 0 else f"negative length in {field}")
    try:
        return buf[pos:end].decode(), end
    except UnicodeDecodeError as exc:
        raise DecodeError(f"{field} is {invalid_utf8(exc, pos)}") from None


def read_enum(buf: bytes, pos: int, symbols: tuple[str, ...], field: str) -> tuple[str, int]:
    index, pos = read_long(buf, pos)
    if not 0 <= index < len(symbols):
        raise DecodeError(f"{field} has unknown enum index {index}")
    return symbols[index], pos


# Byte -> the length it encodes as a one-byte zig-zag varint (0..63), or -1 when it is not one:
# one tuple lookup instead of two tests; almost every length in a row is one byte.
SHORT_LENGTH = tuple((b >> 1) if b < 0x80 and not b & 1 else -1 for b in range(256))


class EncodedValues(dict[str, str | None]):
    """A row read from Avro that remembers its own encoding, so echoing it in feedback (the same
    map type) copies those bytes instead of writing every column again. Rows are never changed in
    place; anything built from one is a plain dict and is written column by column."""

    __slots__ = ("encoded",)
    encoded: bytes


def read_values(buf: bytes, pos: int) -> tuple[Values, int]:
    """A map of string to null-or-string: the hot loop of every Avro event, kept flat.

    A length running past the end is not checked here: the slice comes out short, the position
    lands past the end, and the next read (or the caller's end-of-record check) fails, i.e.
    "truncated". Positions only move forward, so no input can loop.
    """
    values = EncodedValues()
    short = SHORT_LENGTH
    start = pos
    end = 0
    start = pos
    entries = 0
    try:
        while True:
            count = short[buf[pos]]  # up to 63 columns: one byte
            if count >= 0:
                pos += 1
            else:
                count, pos = read_long(buf, pos)
            if count == 0:
                if len(values) != entries:  # a column given twice: the event is ambiguous
                    raise DecodeError(f"{member('values', repeated_key(buf, start))} appears twice")
                values.encoded = buf[start:pos]
                return values, pos
            if count < 0:  # a block that also gives its byte size, which we do not need
                count = -count
                _, pos = read_long(buf, pos)
            entries += count
            for _ in range(count):
                n = short[buf[pos]]
                if n >= 0:
                    pos += 1
                else:
                    n, pos = read_long(buf, pos)
                    if n < 0:
                        raise DecodeError("negative length of a column name in values")
                end = pos + n
                key = buf[pos:end].decode()
                branch = buf[end]
                if branch == 2:  # string
                    b = buf[end + 1]
                    n = short[b]
                    if n >= 0:
                        pos = end + 2
                    elif b & 0x81 == 0x80 and buf[end + 2] < 0x80:  # two bytes, 64..8191: long text
                        n = ((b & 0x7F) | (buf[end + 2] << 7)) >> 1
                        pos = end + 3
                    else:
                        n, pos = read_long(buf, end + 1)
                        if n < 0:
                            raise DecodeError(f"negative length of {member('values', key)}")
                    end = pos + n
                    values[key] = buf[pos:end].decode()
                    pos = end
                elif branch == 0:  # null
                    values[key] = None
                    pos = end + 1
                else:
                    raise DecodeError(f"{member('values', key)} has unknown union branch {branch}")
    except IndexError:
        raise DecodeError("truncated Avro data in values") from None
    except UnicodeDecodeError as exc:
        if end > len(buf):  # cut inside a character
            raise DecodeError("truncated Avro data in values") from None
        raise DecodeError(f"text in values is {invalid_utf8(exc, pos)}") from None


def repeated_key(buf: bytes, pos: int) -> str:
    """The first column name given twice in the values map at ``pos`` (a map already read once)."""
    seen: set[str] = set()
    while True:
        count, pos = read_long(buf, pos)
        if count == 0:
            return ""
        if count < 0:
            count = -count
            _, pos = read_long(buf, pos)
        for _ in range(count):
            key, pos = read_string(buf, pos, "values")
            if key in seen:
                return key
            seen.add(key)
            branch, pos = read_long(buf, pos)
            if branch:
                _, pos = read_string(buf, pos, "values")


def write_long(n: int) -> bytes:
    if -64 <= n < 64:
        return _ONE_BYTE[(n << 1) ^ (n >> 63)]
    if not _LONG_MIN <= n <= _LONG_MAX:
        raise OverflowError(f"{n} does not fit in an Avro long")
    z = (n << 1) ^ (n >> 63)
    out = bytearray()
    while z >= 0x80:
        out.append((z & 0x7F) | 0x80)
        z >>= 7
    out.append(z)
    return bytes(out)


def write_int(n: int) -> bytes:
    if not _INT_MIN <= n <= _INT_MAX:
        raise OverflowError(f"{n} does not fit in an Avro int")
    return write_long(n)


# Length prefixes looked up rather than computed: halves the cost of writing a row.
_TABLE = 4096
_LENGTH = [write_long(n) for n in range(_TABLE)]
_STRING_BRANCH_LENGTH = [STRING_BRANCH + prefix for prefix in _LENGTH]


def write_small_int(n: int) -> bytes:
    """An Avro int that is usually small and not negative (a status code, a partition): looked up."""
    return _LENGTH[n] if 0 <= n < _TABLE else write_int(n)


def write_string(out: bytearray, text: str) -> None:
    data = text.encode()
    n = len(data)
    out += _LENGTH[n] if n < _TABLE else write_long(n)
    out += data


def write_optional_string(out: bytearray, text: str | None) -> None:
    if text is None:
        out += NULL_BRANCH
    else:
        data = text.encode()
        n = len(data)
        out += _STRING_BRANCH_LENGTH[n] if n < _TABLE else STRING_BRANCH + write_long(n)
        out += data


def write_values(out: bytearray, values: Values) -> None:
    """The map as one block, as fastavro writes it: count, entries, zero. Inlined: it runs per column."""
    if type(values) is EncodedValues:
        out += values.encoded
        return
    if values:
        out += write_long(len(values))
        for key, value in values.items():
            data = key.encode()
            n = len(data)
            out += _LENGTH[n] if n < _TABLE else write_long(n)
            out += data
            if value is None:
                out += NULL_BRANCH
            else:
                data = value.encode()
                n = len(data)
                out += _STRING_BRANCH_LENGTH[n] if n < _TABLE else STRING_BRANCH + write_long(n)
                out += data
    out += EMPTY
