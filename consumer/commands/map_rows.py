"""`akeneo-consumer map --catalog FILE`: events (JSON form, one per line) in, one result line out each.

Result lines, in input order:
``{"identifier", "event_id", "status": "OK", "payload": {...}}`` (payload: exactly what the service
would PATCH; ``null`` for a DELETE, which has no body) or
``{"identifier", "event_id", "status": "REJECTED", "errors": [...]}``. A line that is not a readable
event gives a REJECTED line naming the line and why; it never stops the run. Blank lines are skipped.

Product models: a model's line says ``"entity": "PRODUCT_MODEL"`` (its payload is the model's); a
variant row's line lists the model writes it implies, root first, under ``"models"`` (each
``{"code", "payload"}``), sent before its own payload. Offline, the models known are those mapped
on earlier lines: a variant whose parent is not among them is REJECTED with ``"waiting_for"``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from consumer.catalog import Catalog, CatalogError, ModelDirectory
from consumer.codec.errors import DecodeError
from consumer.codec.events import DELETE, PRODUCT_MODEL, ChangeEvent, ErrorDetail
from consumer.codec.json_codec import JsonCodec
from consumer.codec.json_strict import not_json
from consumer.config import load_settings
from consumer.errors import ConsumerError
from consumer.mapping import Mapper, MappingOptions, MapResult

READ_CHUNK = 1 << 16


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--catalog", required=True, metavar="FILE",
                        help="catalog JSON, as `akeneo-consumer catalog dump` writes it")
    parser.add_argument("--config", metavar="FILE",
                        help="TOML settings (VALUE_SEPARATOR); the environment wins")


def read_catalog(path: str) -> Catalog:
    try:
        raw = Path(path).read_bytes()
        data = orjson.loads(raw)
    except FileNotFoundError:
        raise ConsumerError(f"catalog file {path} does not exist") from None
    except OSError as exc:
        raise ConsumerError(f"catalog file {path} cannot be read: {exc.strerror}") from None
    except orjson.JSONDecodeError as exc:
        raise ConsumerError(f"catalog file {path} is {not_json(raw, exc)}") from None
    try:
        return Catalog.from_json(data)
    except CatalogError as exc:
        raise ConsumerError(f"catalog file {path}: {exc}") from None


def _rejected(identifier: str | None, event_id: str | None, errors: list[ErrorDetail]) -> dict[str, Any]:
    return {"identifier": identifier, "event_id": event_id, "status": "REJECTED", "errors": errors}


def _ok(identifier: str, event_id: str, payload: dict[str, Any] | None) -> dict[str, Any]:
    return {"identifier": identifier, "event_id": event_id, "status": "OK", "payload": payload}


def _unreadable(number: int, exc: DecodeError) -> dict[str, Any]:
    error: ErrorDetail = {"property": None, "attribute": None, "locale": None, "scope": None,
                          "message": f"line {number}: {exc.reason}"}
    return _rejected(exc.identifier, exc.event_id, [error])


def result_line(event_id: str, result: MapResult) -> dict[str, Any]:
    if not result.ok:
        out = _rejected(result.identifier, event_id, result.errors)
        if result.waiting_for is not None:
            out["waiting_for"] = result.waiting_for
        return out
    out = _ok(result.identifier, event_id, result.payload)
    if result.models:
        out["models"] = [{"code": write.code, "payload": write.payload} for write in result.models]
    return out


def event_line(event: ChangeEvent, mapper: Mapper, directory: ModelDirectory) -> dict[str, Any]:
    """The result line of one event; the models it writes join ``directory`` (a delete leaves it)."""
    if event.operation == DELETE:
        if event.entity == PRODUCT_MODEL:
            directory.forget(event.identifier)
        out = _ok(event.identifier, event.event_id, None)  # a DELETE has no body
    else:
        result = mapper.map_entity(event.entity, event.identifier, event.values, directory.get)
        if result.model is not None:
            directory.put(result.model)
        out = result_line(event.event_id, result)
    if event.entity == PRODUCT_MODEL:
        out = {**out, "entity": PRODUCT_MODEL}
    return out


def map_lines(
    lines: Iterable[bytes], mapper: Mapper, first_line: int = 1, directory: ModelDirectory | None = None
) -> Iterator[bytes]:
    """One encoded result line (with its newline) per input line."""
    codec = JsonCodec()
    directory = directory if directory is not None else ModelDirectory()
    for number, line in enumerate(lines, first_line):
        if not line.strip():
            continue  # blank lines (a trailing one, say) are not events
        try:
            event = codec.decode_change(line, "map")
        except DecodeError as exc:
            out = _unreadable(number, exc)
        else:
            out = event_line(event, mapper, directory)
        yield orjson.dumps(out) + b"\n"


def _input_lines(stream: BinaryIO) -> Iterator[list[bytes]]:
    """Complete lines in batches, as soon as they arrive (so a pipe gets answers without waiting for EOF)."""
    read = getattr(stream, "read1", stream.read)
    rest = b""
    while chunk := read(READ_CHUNK):
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop()
        yield [line.removesuffix(b"\r") for line in lines]
    if rest.strip():
        yield [rest.removesuffix(b"\r")]


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    mapper = Mapper(read_catalog(args.catalog), MappingOptions.from_settings(settings))
    directory = ModelDirectory()  # the product models of earlier lines, as the service learns them
    out = sys.stdout.buffer
    number = 1
    for batch in _input_lines(sys.stdin.buffer):
        out.writelines(map_lines(batch, mapper, number, directory))
        out.flush()
        number += len(batch)
    return 0
