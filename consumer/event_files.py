"""Change events read from a file, for `akeneo-consumer produce`: flat CSV rows or NDJSON events.

``open_events(path)`` checks what makes the whole file unusable (missing, unknown kind, a CSV
header without an identifier column) at once; iterating it then gives, row by row, a Row with
its line and either its event or why it is skipped: a bad row is reported, never fatal.
Rules (docs/commands.md):

- CSV: UTF-8 (a BOM is ignored); the delimiter is ``;`` or ``,``, whichever the header holds
  more of; the identifier comes from the ``identifier`` column, else from ``sku``; optional
  ``operation``, ``entity``, ``event_id``, ``occurred_at`` columns; every other column is a value. An empty
  cell is left out; a cell that is exactly the null marker (``<NULL>``) is an explicit null.
- NDJSON: one event per line, in the JSON form `map` reads.
- Both: a missing ``event_id`` gets a new UUID4, a missing ``occurred_at`` the current time; a row
  with a ``family_variant`` value is a product model (``consumer.codec.entity_of``), as is one whose
  ``entity`` says PRODUCT_MODEL.
"""

from __future__ import annotations

import csv
import dataclasses
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from consumer.codec import ChangeEvent, DecodeError
from consumer.codec.fields import change_from_dict
from consumer.codec.json_strict import loads as strict_loads
from consumer.errors import ConsumerError

NULL_MARKER = "<NULL>"
IDENTIFIER_COLUMNS = ("identifier", "sku")  # in order of preference
EVENT_COLUMNS = ("operation", "entity", "event_id", "occurred_at")  # event fields, not values
CSV_SUFFIXES = (".csv",)
NDJSON_SUFFIXES = (".ndjson", ".jsonl")
# Akeneo takes product lines of up to 1,000,000 characters; the csv module's default cell limit is 128 KiB.
_CELL_LIMIT = 4_000_000
_NOT_UTF8 = "not valid UTF-8"


class EventFileError(ConsumerError):
    """The file as a whole cannot be read as events."""


@dataclasses.dataclass(frozen=True)
class Row:
    line: int  # where the row starts, 1-based
    event: ChangeEvent | None = None
    problem: str | None = None  # why the row is skipped (then ``event`` is None)


@dataclasses.dataclass(frozen=True)
class Defaults:
    """Where generated event ids and times come from (tests pin them)."""

    new_id: Callable[[], str] = lambda: str(uuid.uuid4())
    now_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000


class EventFile:
    """An open file of events: iterate it once for its rows, in file order; close it (or use ``with``)."""

    def __init__(self, stream: TextIO, rows: Iterator[Row]) -> None:
        self._stream = stream
        self._rows = rows

    def __iter__(self) -> Iterator[Row]:
        return self._rows

    def close(self) -> None:
        self._stream.close()

    def __enter__(self) -> EventFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_events(path: Path, null_marker: str = NULL_MARKER, defaults: Defaults | None = None) -> EventFile:
    """The file, ready to read; raises EventFileError at once if it is unusable as a whole."""
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES + NDJSON_SUFFIXES:
        kinds = ", ".join(CSV_SUFFIXES + NDJSON_SUFFIXES)
        raise EventFileError(f"{path}: unknown kind of file (expected {kinds})")
    try:
        # surrogateescape: bad bytes spoil only their own row, which is then skipped
        stream = path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")
    except FileNotFoundError:
        raise EventFileError(f"{path} does not exist") from None
    except OSError as exc:
        raise EventFileError(f"{path} cannot be read: {exc.strerror}") from None
    defaults = defaults or Defaults()
    try:
        if suffix in CSV_SUFFIXES:
            return EventFile(stream, _CsvEvents(stream, str(path), null_marker, defaults).rows())
        return EventFile(stream, _ndjson_rows(stream, defaults))
    except BaseException:
        stream.close()
        raise


def event_from_fields(fields: dict[str, Any], defaults: Defaults) -> ChangeEvent:
    """The event of these JSON fields, a missing event_id/occurred_at generated; DecodeError if bad."""
    if fields.get("event_id") in (None, ""):
        fields["event_id"] = defaults.new_id()
    if fields.get("occurred_at") in (None, ""):
        fields["occurred_at"] = defaults.now_ms()
    return change_from_dict(fields)


def _has_bad_bytes(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def _ndjson_rows(stream: TextIO, defaults: Defaults) -> Iterator[Row]:
    for number, line in enumerate(stream, 1):
        if line.strip():
            yield _ndjson_row(number, line, defaults)


def _ndjson_row(number: int, line: str, defaults: Defaults) -> Row:
    if _has_bad_bytes(line):
        return Row(number, problem=_NOT_UTF8)
    try:
        fields = strict_loads(line.encode())  # a key given twice is refused here, as the service would
    except DecodeError as exc:
        return Row(number, problem=exc.reason)
    if not isinstance(fields, dict):
        return Row(number, problem="not a JSON object")
    return _event_row(number, fields, defaults)


def _event_row(number: int, fields: dict[str, Any], defaults: Defaults) -> Row:
    try:
        return Row(number, event=event_from_fields(fields, defaults))
    except DecodeError as exc:
        return Row(number, problem=exc.reason)


def sniff_delimiter(header_line: str) -> str:
    """``;`` or ``,``: whichever the header holds more of (``;``, Akeneo's own, on a tie)."""
    return "," if header_line.count(",") > header_line.count(";") else ";"


class _CsvEvents:
    def __init__(self, stream: TextIO, name: str, null_marker: str, defaults: Defaults) -> None:
        self._stream = stream
        self._null = null_marker
        self._defaults = defaults
        first = stream.readline()
        if not first.strip():
            raise EventFileError(f"{name}: no header line (the first line names the columns)")
        stream.seek(0)
        csv.field_size_limit(max(csv.field_size_limit(), _CELL_LIMIT))
        self._reader = csv.reader(stream, delimiter=sniff_delimiter(first), strict=False)
        self._header = [cell.strip() for cell in next(self._reader)]
        self._check_header(name)
        self._id_column = next(c for c in IDENTIFIER_COLUMNS if c in self._header)
        self._value_columns = [
            (i, c) for i, c in enumerate(self._header) if c != self._id_column and c not in EVENT_COLUMNS
        ]

    def _check_header(self, name: str) -> None:
        seen: set[str] = set()
        for position, column in enumerate(self._header, 1):
            if not column:
                raise EventFileError(f"{name}: header column {position} has no name")
            if _has_bad_bytes(column):
                raise EventFileError(f"{name}: the header is {_NOT_UTF8}")
            if column in seen:
                raise EventFileError(f"{name}: column {column!r} appears twice in the header")
            seen.add(column)
        if not any(c in seen for c in IDENTIFIER_COLUMNS):
            names = " or ".join(IDENTIFIER_COLUMNS)
            raise EventFileError(f"{name}: the header has no identifier column ({names})")

    def rows(self) -> Iterator[Row]:
        line = self._reader.line_num + 1
        while True:
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield Row(line, problem=f"unreadable CSV: {exc}")
                line = self._reader.line_num + 1
                continue
            start, line = line, self._reader.line_num + 1
            if any(cells):  # blank lines are not rows
                yield self._row(start, cells)

    def _row(self, line: int, cells: list[str]) -> Row:
        if len(cells) != len(self._header):
            return Row(line, problem=f"the row has {len(cells)} cells, the header has {len(self._header)}")
        if any(_has_bad_bytes(cell) for cell in cells):
            return Row(line, problem=_NOT_UTF8)
        by_name = dict(zip(self._header, cells, strict=True))
        identifier = by_name[self._id_column].strip()
        if not identifier:
            return Row(line, problem=f"the {self._id_column} cell is empty")
        fields: dict[str, Any] = {"identifier": identifier}
        for column in EVENT_COLUMNS:
            cell = by_name.get(column, "").strip()
            if cell:  # occurred_at: epoch milliseconds or ISO-8601 text
                millis = column == "occurred_at" and cell.isascii() and cell.isdigit()
                fields[column] = int(cell) if millis else cell
        values: dict[str, str | None] = {}
        for position, column in self._value_columns:
            cell = cells[position]
            if cell == self._null:
                values[column] = None
            elif cell:
                values[column] = cell
        fields["values"] = values
        return _event_row(line, fields, self._defaults)
