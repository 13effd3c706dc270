"""Change events read straight from Avro bytes, by a plan compiled once per writer schema.

The plan reads our fields with the hand-written primitives and skips the writer's other
fields, so a writer that added, dropped or reordered fields reads as fast as ours does
(fastavro's generic resolution costs about 2.5 times as much; benchmarks/CODEC_RESULTS.md).
Only shapes whose resolution is plain are compiled: our field types exactly, a record of our
name, enum symbols mapped to ours (unknown ones read as the enum default, UPSERT or PRODUCT). For
anything else ``compile_change_reader`` returns None and fastavro applies Avro's full rules.
A writer with exactly our fields in our order (every ``avro`` event, and ``confluent-avro``
with our schema) is read by one straight function instead of steps: the hot path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from consumer.codec.avro_binary import SHORT_LENGTH, read_enum, read_long, read_string, read_values
from consumer.codec.errors import DecodeError
from consumer.codec.events import ENTITIES, OPERATIONS, PRODUCT, UPSERT, ChangeEvent, entity_of
from consumer.errors import invalid_utf8

Slots = dict[str, Any]
Step = Callable[[bytes, int, Slots], int]
Reader = Callable[[bytes], ChangeEvent]

RECORD_NAME = "ProductChange"
_REQUIRED = ("event_id", "occurred_at", "identifier")  # fields without a default in our schema
_NULLABLE_STRING = ["null", "string"]
_FIXED_WIDTH = {"null": 0, "boolean": 1, "float": 4, "double": 8}
_PRIMITIVES = {*_FIXED_WIDTH, "int", "long", "bytes", "string"}
_OUR_ORDER = ("event_id", "occurred_at", "operation", "identifier", "values", "entity")  # as in our schema
_PREVIOUS_ORDER = _OUR_ORDER[:-1]  # our layout before ``entity``: what producers not yet upgraded write
_OURS = set(_OUR_ORDER)
# Our enum fields: (the enum's name, our symbols, the enum default unknown symbols read as).
_ENUMS = {"operation": ("Operation", OPERATIONS, UPSERT), "entity": ("Entity", ENTITIES, PRODUCT)}


def _base(schema: Any) -> Any:
    """'long' for both "long" and {"type": "long", "logicalType": ...}."""
    if isinstance(schema, dict) and schema.get("type") in _PRIMITIVES:
        return schema["type"]
    return schema


def _skip_long(buf: bytes, pos: int, slots: Slots) -> int:
    return read_long(buf, pos)[1]


def _skip_sized(buf: bytes, pos: int, slots: Slots) -> int:
    size, pos = read_long(buf, pos)
    if size < 0:
        raise DecodeError("negative length in Avro data")
    return pos + size


def _skip_width(width: int) -> Step:
    return lambda buf, pos, slots: pos + width


def _skip_blocks(item: Step | None) -> Step:
    """Skips an array or map; ``item`` None means items of zero width (e.g. null), nothing to read."""

    def skip(buf: bytes, pos: int, slots: Slots) -> int:
        while True:
            count, pos = read_long(buf, pos)
            if count == 0:
                return pos
            if count < 0:  # the block's byte size follows: jump over it
                size, pos = read_long(buf, pos)
                if size < 0:
                    raise DecodeError("negative block size in Avro data")
                pos += size
            elif item is not None:
                if count > len(buf) - pos:  # each item takes a byte at least: fail now, not after a long loop
                    raise DecodeError("truncated Avro data")
                for _ in range(count):
                    pos = item(buf, pos, slots)

    return skip


def _skip_union(branches: list[Step]) -> Step:
    def skip(buf: bytes, pos: int, slots: Slots) -> int:
        index, pos = read_long(buf, pos)
        if not 0 <= index < len(branches):
            raise DecodeError(f"unknown union branch {index}")
        return branches[index](buf, pos, slots)

    return skip


def _skip_all(steps: list[Step]) -> Step:
    def skip(buf: bytes, pos: int, slots: Slots) -> int:
        for step in steps:
            pos = step(buf, pos, slots)
        return pos

    return skip


def _skip_enum(size: int) -> Step:
    def skip(buf: bytes, pos: int, slots: Slots) -> int:
        index, pos = read_long(buf, pos)
        if not 0 <= index < size:
            raise DecodeError(f"unknown enum index {index}")
        return pos

    return skip


def _late(seen: dict[str, Step], name: str) -> Step:
    """Stands in for a named type while it is compiled, so a type may contain itself."""
    return lambda buf, pos, slots: seen[name](buf, pos, slots)


def _zero_width(schema: Any, named: dict[str, Any], visiting: set[str]) -> bool:
    """True for types whose values take no bytes at all: null, fixed(0), records of such."""
    schema = _base(schema)
    if isinstance(schema, str):
        if schema in named and schema not in visiting:
            return _zero_width(named[schema], named, visiting | {schema})
        return schema == "null"
    if isinstance(schema, dict) and schema.get("type") == "fixed":
        return int(schema["size"]) == 0
    if isinstance(schema, dict) and schema.get("type") in ("record", "error"):
        return all(_zero_width(f["type"], named, visiting | {schema["name"]}) for f in schema["fields"])
    return False


def _skipper(schema: Any, named: dict[str, Any], seen: dict[str, Step]) -> Step:
    """Skips one value of ``schema``; each named type is compiled once."""
    schema = _base(schema)
    if isinstance(schema, list):
        return _skip_union([_skipper(branch, named, seen) for branch in schema])
    if isinstance(schema, str):
        if schema in _FIXED_WIDTH:
            return _skip_width(_FIXED_WIDTH[schema])
        if schema in ("int", "long"):
            return _skip_long
        if schema in ("bytes", "string"):
            return _skip_sized
        if schema not in seen:
            seen[schema] = _late(seen, schema)
            seen[schema] = _skipper(named[schema], named, seen)
        return seen[schema]
    kind = schema["type"]
    if kind in ("record", "error"):
        return _skip_all([_skipper(f["type"], named, seen) for f in schema["fields"]])
    if kind == "enum":
        return _skip_enum(len(schema["symbols"]))
    if kind == "fixed":
        return _skip_width(int(schema["size"]))
    if kind == "array":
        items = schema["items"]
        return _skip_blocks(None if _zero_width(items, named, set()) else _skipper(items, named, seen))
    if kind == "map":
        return _skip_blocks(_skip_all([_skip_sized, _skipper(schema["values"], named, seen)]))
    raise ValueError(f"unknown Avro type {kind!r}")


def _read_string(name: str) -> Step:
    def step(buf: bytes, pos: int, slots: Slots) -> int:
        slots[name], pos = read_string(buf, pos, name)
        return pos

    return step


def _read_time(buf: bytes, pos: int, slots: Slots) -> int:
    slots["occurred_at"], pos = read_long(buf, pos)
    return pos


def _symbols(writer_symbols: list[str], ours: tuple[str, ...], default: str) -> tuple[str, ...]:
    """The writer's enum symbols as ours; a symbol we do not know reads as the enum default (Avro's rule)."""
    return tuple(s if s in ours else default for s in writer_symbols)


def _read_enum_field(name: str, symbols: tuple[str, ...]) -> Step:
    def step(buf: bytes, pos: int, slots: Slots) -> int:
        slots[name], pos = read_enum(buf, pos, symbols, name)
        return pos

    return step


def _read_values(buf: bytes, pos: int, slots: Slots) -> int:
    slots["values"], pos = read_values(buf, pos)
    return pos


def _our_field(name: str, schema: Any) -> Step | None:
    """A step that reads one of our fields, or None if its writer type needs fastavro."""
    logical = schema.get("logicalType") if isinstance(schema, dict) else None
    schema = _base(schema)
    if name in ("event_id", "identifier"):
        return _read_string(name) if schema == "string" and logical is None else None
    if name == "occurred_at":
        return _read_time if schema in ("int", "long") and logical in (None, "timestamp-millis") else None
    if name in _ENUMS:
        enum_name, ours, default = _ENUMS[name]
        is_enum = isinstance(schema, dict) and schema.get("type") == "enum"
        if not is_enum or _short(schema["name"]) != enum_name:
            return None
        return _read_enum_field(name, _symbols(schema["symbols"], ours, default))
    if name == "values":
        is_map = isinstance(schema, dict) and schema.get("type") == "map"
        return _read_values if is_map and schema["values"] == _NULLABLE_STRING else None
    return None


def _short(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def compile_change_reader(writer: Any) -> Reader | None:
    """A reader for bytes written with ``writer`` (as fastavro parses it), or None."""
    is_record = isinstance(writer, dict) and writer.get("type") == "record"
    if not is_record or _short(writer["name"]) != RECORD_NAME:
        return None
    named: dict[str, Any] = writer.get("__named_schemas", {})
    seen: dict[str, Step] = {}
    steps: list[Step] = []
    for field in writer["fields"]:
        if field["name"] in _OURS:
            step = _our_field(field["name"], field["type"])
            if step is None:
                return None
        else:
            step = _skipper(field["type"], named, seen)
        steps.append(step)
    names = tuple(f["name"] for f in writer["fields"])
    if not set(_REQUIRED) <= set(names):
        return None  # fastavro says which field has no default
    if names in (_OUR_ORDER, _PREVIOUS_ORDER):  # our own layout (every `avro` message): read straight through
        fields = writer["fields"]
        operations = _symbols(fields[2]["type"]["symbols"], OPERATIONS, UPSERT)
        entities = _symbols(fields[5]["type"]["symbols"], ENTITIES, PRODUCT) if len(fields) > 5 else None
        return _direct_reader(operations, entities)
    return _reader(steps)


def _complete(buf: bytes, pos: int, event_id: str, identifier: str) -> None:
    """The checks every record passes once read: it spans the bytes exactly, its ids are not empty."""
    if pos != len(buf):
        extra = len(buf) - pos
        reason = f"{extra} unexpected bytes after the Avro record" if extra > 0 else "truncated Avro data"
        raise DecodeError(reason)
    if not identifier:
        raise DecodeError("identifier must not be empty")
    if not event_id:
        raise DecodeError("event_id must not be empty")


def _direct_reader(operations: tuple[str, ...], entities: tuple[str, ...] | None) -> Reader:
    """Our fields in our order, read one after the other with the usual one-byte lengths and enum
    index inline: no steps, no slots, one frame besides the values (the hot path of every event).

    ``entities`` None: the writer's layout ends with ``values`` (our schema before ``entity``). With
    ``entities``, bytes that end right after ``values`` read as PRODUCT too: a schemaless producer
    still on the previous schema writes exactly those, and keeps working."""
    short = SHORT_LENGTH
    symbols = len(operations)
    kinds = len(entities) if entities is not None else 0

    def read(buf: bytes) -> ChangeEvent:
        event_id = identifier = ""
        size = len(buf)
        start = 0
        try:
            n = short[buf[0]]
            if n < 0:
                event_id, pos = read_string(buf, 0, "event_id")
            else:
                pos = n + 1
                if pos > size:
                    raise DecodeError("truncated Avro data in event_id")
                event_id = buf[1:pos].decode()
            occurred_at, pos = read_long(buf, pos)
            index = short[buf[pos]]  # a small enum index is a one-byte varint too
            if 0 <= index < symbols:
                operation = operations[index]
                pos += 1
            else:
                operation, pos = read_enum(buf, pos, operations, "operation")
            n = short[buf[pos]]
            if n < 0:
                identifier, pos = read_string(buf, pos, "identifier")
            else:
                start, pos = pos + 1, pos + 1 + n
                if pos > size:
                    raise DecodeError("truncated Avro data in identifier")
                identifier = buf[start:pos].decode()
            values, pos = read_values(buf, pos)
            entity = PRODUCT
            if entities is not None and pos < size:
                index = short[buf[pos]]
                if 0 <= index < kinds:
                    entity = entities[index]
                    pos += 1
                else:
                    entity, pos = read_enum(buf, pos, entities, "entity")
            _complete(buf, pos, event_id, identifier)
        except DecodeError as exc:
            raise DecodeError(exc.reason, identifier or None, event_id or None) from None
        except IndexError:
            raise DecodeError("truncated Avro data", identifier or None, event_id or None) from None
        except UnicodeDecodeError as exc:
            field, offset = ("identifier", start) if event_id else ("event_id", 1)
            raise DecodeError(f"{field} is {invalid_utf8(exc, offset)}", None, event_id or None) from None
        return ChangeEvent(event_id, occurred_at, operation, identifier, values, entity_of(entity, values))

    return read


def _reader(steps: list[Step]) -> Reader:
    def read(buf: bytes) -> ChangeEvent:
        slots: Slots = {"operation": UPSERT, "entity": PRODUCT}
        pos = 0
        try:
            for step in steps:
                pos = step(buf, pos, slots)
            _complete(buf, pos, slots["event_id"], slots["identifier"])
        except DecodeError as exc:
            raise DecodeError(
                exc.reason, slots.get("identifier") or None, slots.get("event_id") or None
            ) from None
        values = slots.get("values")
        values = {} if values is None else values
        return ChangeEvent(
            slots["event_id"],
            slots["occurred_at"],
            slots["operation"],
            slots["identifier"],
            values,
            entity_of(slots["entity"], values),
        )

    return read
