"""Events from dicts (parsed JSON, or fastavro's output for an evolved writer schema), field by field.

A change event's ``entity`` follows ``events.entity_of``: a row with a ``family_variant`` column is
a product model whatever the field says.

Every problem raises DecodeError naming the field; once the identifier is known it rides on the
error so the product still gets feedback. Fields the contract gives a default may be missing;
unknown fields are ignored, as an Avro reader ignores a newer writer's extra fields.
"""

from __future__ import annotations

import datetime
from typing import Any

from consumer.codec.errors import DecodeError, member
from consumer.codec.events import (
    ENTITIES,
    OPERATIONS,
    PRODUCT,
    STATUSES,
    UPSERT,
    ChangeEvent,
    ErrorDetail,
    FeedbackEvent,
    Values,
    entity_of,
)

_MISSING = object()
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1
_ERROR_KEYS = ("property", "attribute", "locale", "scope")
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MILLISECOND = datetime.timedelta(milliseconds=1)
_CELL_TYPES = {str, type(None)}


def _kind(value: object) -> str:
    names = {bool: "boolean", int: "number", float: "number", str: "string", list: "array", dict: "object"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


class _Record:
    """One dict being read; ``identifier``/``event_id`` are attached to any later error."""

    def __init__(self, data: object, what: str) -> None:
        if not isinstance(data, dict):
            raise DecodeError(f"{what} must be an object, got {_kind(data)}")
        self.data: dict[str, Any] = data
        self.identifier: str | None = None
        self.event_id: str | None = None

    def fail(self, reason: str) -> DecodeError:
        return DecodeError(reason, identifier=self.identifier, event_id=self.event_id)

    def get(self, name: str, default: Any = _MISSING) -> Any:
        value = self.data.get(name, _MISSING)
        if value is _MISSING:
            if default is _MISSING:
                raise self.fail(f"{name} is missing")
            return default
        return value

    def text(self, name: str, default: Any = _MISSING, non_empty: bool = False) -> str:
        value = self.get(name, default)
        if type(value) is not str:
            raise self.fail(f"{name} must be a string, got {_kind(value)}")
        if non_empty and not value:
            raise self.fail(f"{name} must not be empty")
        return value

    def optional_text(self, name: str) -> str | None:
        value = self.get(name, None)
        if value is not None and type(value) is not str:
            raise self.fail(f"{name} must be a string or null, got {_kind(value)}")
        return value

    def integer(self, name: str, default: Any = _MISSING, low: int = _LONG_MIN, high: int = _LONG_MAX) -> int:
        value = self.get(name, default)
        if type(value) is not int:
            raise self.fail(f"{name} must be an integer, got {_kind(value)}")
        if not low <= value <= high:
            raise self.fail(f"{name} is out of range: {value}")
        return value

    def boolean(self, name: str, default: bool) -> bool:
        value = self.get(name, default)
        if type(value) is not bool:
            raise self.fail(f"{name} must be true or false, got {_kind(value)}")
        return value

    def symbol(self, name: str, symbols: tuple[str, ...], default: Any = _MISSING) -> str:
        value = self.get(name, default)
        if value is None and default is not _MISSING:
            return str(default)
        if type(value) is str and value.upper() in symbols:
            return value.upper()
        raise self.fail(f"{name} must be one of {', '.join(symbols)}, got {value!r}")

    def timestamp(self, name: str) -> int:
        """Milliseconds since the epoch: an integer, a datetime (fastavro), or ISO-8601 text (JSON)."""
        value = self.get(name)
        if isinstance(value, datetime.datetime):
            return _millis(value)
        if type(value) is str:
            try:
                return _millis(datetime.datetime.fromisoformat(value))
            except ValueError:
                raise self.fail(f"{name} is not an ISO-8601 time: {value!r}") from None
        return self.integer(name)

    def values(self, name: str = "values") -> Values:
        value = self.get(name, None)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(f"{name} must be an object of strings, got {_kind(value)}")
        for key, cell in value.items():
            if cell is not None and type(cell) is not str:
                raise self.fail(f"{member(name, key)} must be a string or null, got {_kind(cell)}")
        return value

    def errors(self, name: str = "errors") -> list[ErrorDetail]:
        value = self.get(name, None)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(f"{name} must be an array, got {_kind(value)}")
        return [self._error(item, f"{name}[{i}]") for i, item in enumerate(value)]

    def _error(self, item: object, where: str) -> ErrorDetail:
        if not isinstance(item, dict):
            raise self.fail(f"{where} must be an object, got {_kind(item)}")
        detail = ErrorDetail(property=None, attribute=None, locale=None, scope=None, message="")
        for key in _ERROR_KEYS:
            text = item.get(key)
            if text is not None and type(text) is not str:
                raise self.fail(f"{where}.{key} must be a string or null, got {_kind(text)}")
            detail[key] = text  # type: ignore[literal-required]
        message = item.get("message", "")
        if type(message) is not str:
            raise self.fail(f"{where}.message must be a string, got {_kind(message)}")
        detail["message"] = message
        return detail


def _millis(moment: datetime.datetime) -> int:
    if moment.tzinfo is None:  # a naive time is taken as UTC
        moment = moment.replace(tzinfo=datetime.UTC)
    return (moment - _EPOCH) // _MILLISECOND


def _identify(rec: _Record) -> None:
    """Read the identifier first, then the event_id: every later error names the product."""
    raw = rec.data.get("event_id")
    rec.event_id = raw if type(raw) is str and raw else None
    rec.identifier = rec.text("identifier", non_empty=True)
    rec.event_id = rec.text("event_id", non_empty=True)


def change_from_dict(data: object) -> ChangeEvent:
    # A well-formed event passes a few type checks at once (the hot path for JSON); anything
    # else goes field by field, to name what is wrong.
    if type(data) is dict:
        identifier, event_id = data.get("identifier"), data.get("event_id")
        occurred_at, operation = data.get("occurred_at"), data.get("operation", UPSERT)
        values, entity = data.get("values"), data.get("entity", PRODUCT)
        if (
            type(identifier) is str
            and identifier
            and type(event_id) is str
            and event_id
            and type(occurred_at) is int
            and _LONG_MIN <= occurred_at <= _LONG_MAX
            and operation in OPERATIONS
            and entity in ENTITIES
            and (values is None or (type(values) is dict and set(map(type, values.values())) <= _CELL_TYPES))
        ):
            row = {} if values is None else values
            return ChangeEvent(event_id, occurred_at, operation, identifier, row, entity_of(entity, row))
    return _change_field_by_field(data)


def _change_field_by_field(data: object) -> ChangeEvent:
    rec = _Record(data, "the event")
    _identify(rec)
    occurred_at = rec.timestamp("occurred_at")
    operation = rec.symbol("operation", OPERATIONS, UPSERT)
    values = rec.values()
    return ChangeEvent(
        event_id=rec.event_id or "",
        occurred_at=occurred_at,
        operation=operation,
        identifier=rec.identifier or "",
        values=values,
        entity=entity_of(rec.symbol("entity", ENTITIES, PRODUCT), values),
    )


def feedback_from_dict(data: object) -> FeedbackEvent:
    rec = _Record(data, "the feedback")
    rec.identifier = rec.text("identifier", non_empty=True)
    rec.event_id = rec.text("event_id")  # empty when the event itself was unreadable
    return FeedbackEvent(
        event_id=rec.event_id,
        identifier=rec.identifier,
        operation=rec.symbol("operation", OPERATIONS, UPSERT),
        status=rec.symbol("status", STATUSES),
        status_code=rec.integer("status_code", 0, -(2**31), 2**31 - 1),
        topic=rec.text("topic"),
        partition=rec.integer("partition", low=-(2**31), high=2**31 - 1),
        offset=rec.integer("offset"),
        occurred_at=rec.timestamp("occurred_at"),
        processed_at=rec.timestamp("processed_at"),
        message=rec.optional_text("message"),
        errors=rec.errors(),
        attempts=rec.integer("attempts", 0, -(2**31), 2**31 - 1),
        dry_run=rec.boolean("dry_run", False),
        values=rec.values(),
        entity=rec.symbol("entity", ENTITIES, PRODUCT),
    )
