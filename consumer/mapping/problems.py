"""Rejections in Akeneo's validation-error shape, and the signal converters raise to make one."""

from __future__ import annotations

from consumer.codec.events import ErrorDetail

# One error detail everywhere (mapping, Akeneo's answers, feedback): Akeneo's own shape.
Problem = ErrorDetail


class Invalid(Exception):
    """A cell (or column) that cannot be sent; ``unknown`` when the catalog did not know a code.

    Raised only on the failure path, so successful conversions pay nothing for it.
    """

    def __init__(self, message: str, unknown: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.unknown = unknown


def problem(
    column: str | None,
    message: str,
    prop: str = "values",
    attribute: str | None = None,
    locale: str | None = None,
    scope: str | None = None,
) -> Problem:
    text = f'Column "{column}": {message}' if column is not None else message
    return {"property": prop, "attribute": attribute, "locale": locale, "scope": scope, "message": text}


class Blank(Exception):
    """A cell with nothing in it after trimming (or a list with no items): left out like an empty cell."""
