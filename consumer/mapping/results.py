"""What mapping one row gives: a payload, or the row's problems, and what a product model tree implies."""

from __future__ import annotations

from typing import Any, NamedTuple

from consumer.catalog.product_models import ModelInfo
from consumer.mapping.problems import Problem


class ModelWrite(NamedTuple):
    """A write to a product model that a variant row implies: ``payload`` is ``code`` and ``values``
    only (PATCH merges, so the model's other values and fields stay as they are)."""

    code: str
    payload: dict[str, Any]


class MapResult(NamedTuple):
    """Either ``payload`` (what to send) or ``errors`` (why not), never both.

    A NamedTuple because one is made per row and tuples are the cheapest immutable objects.
    """

    identifier: str  # the product's identifier, or the product model's code
    payload: dict[str, Any] | None  # a product, or a product model for a model row
    errors: list[Problem] = []
    # Problems caused by codes the catalog did not know: a refresh might cure them.
    unknown: tuple[str, ...] = ()
    # A variant row's writes to its ancestors, root model first; sent before the product's.
    models: tuple[ModelWrite, ...] = ()
    # A model the row needs facts of and the lookup did not have: look it up, then map again.
    # Not a rejection (``errors`` says "parent not known yet: <code>" for whoever gives up waiting).
    waiting_for: str | None = None
    # A model row's facts once written (its family variant and parent), for the ModelDirectory.
    model: ModelInfo | None = None

    @property
    def ok(self) -> bool:
        return self.payload is not None
