"""What the mapping needs to know of existing product models: their family variant and parent.

A catalog can hold millions of product models, so they are never loaded at start-up: the service
learns a model's facts from the model events it maps (``MapResult.model``) and, when a row names a
model it has not met, from Akeneo (``look_up_model``: one GET, HTTP, off the consumer's thread).
``ModelDirectory`` keeps the facts, bounded (least recently used ones go first); the mapping only
reads it, through a ``ModelLookup`` callable (``directory.get``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

DEFAULT_CAPACITY = 10_000  # about 2 MB of facts


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """One product model's place in its tree: a root model has no parent."""

    code: str
    family_variant: str
    parent: str | None = None

    @property
    def is_root(self) -> bool:
        return self.parent is None

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> ModelInfo | None:
        """From Akeneo's standard format (GET /product-models/{code}); None if it lacks the facts."""
        code, family_variant, parent = item.get("code"), item.get("family_variant"), item.get("parent")
        if not isinstance(code, str) or not code or not isinstance(family_variant, str) or not family_variant:
            return None
        return cls(code, family_variant, parent if isinstance(parent, str) and parent else None)


ModelLookup = Callable[[str], "ModelInfo | None"]  # model code -> its facts if known (never I/O)


class ModelDirectory:
    """Known product models by code, at most ``capacity`` of them. Thread-safe."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._capacity = capacity
        self._facts: OrderedDict[str, ModelInfo] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, code: str) -> ModelInfo | None:
        with self._lock:
            info = self._facts.get(code)
            if info is not None:
                self._facts.move_to_end(code)
            return info

    def put(self, info: ModelInfo) -> None:
        with self._lock:
            self._facts[info.code] = info
            self._facts.move_to_end(info.code)
            while len(self._facts) > self._capacity:
                self._facts.popitem(last=False)

    def forget(self, code: str) -> None:
        """Drop what is known of ``code`` (Akeneo said it is unknown, or it was deleted)."""
        with self._lock:
            self._facts.pop(code, None)

    def __len__(self) -> int:
        return len(self._facts)


class ModelSource(Protocol):
    """The part of ``consumer.akeneo.AkeneoClient`` the lookup uses."""

    def get_product_model(self, code: str) -> dict[str, Any]: ...


def look_up_model(
    source: ModelSource, code: str, directory: ModelDirectory | None = None
) -> ModelInfo | None:
    """Akeneo's facts of model ``code``, or None when Akeneo has no such model (404).

    One HTTP request: call it off the consumer's thread. With ``directory``, the answer is
    recorded there (found: put; absent: forgotten). Other errors are the client's, raised.
    """
    try:
        item = source.get_product_model(code)
    except Exception as exc:  # the client's AkeneoApiError; duck-typed so this module needs no HTTP import
        if getattr(exc, "status", None) != 404:
            raise
        info = None
    else:
        info = ModelInfo.from_item(item)
    if directory is not None:
        if info is None:
            directory.forget(code)
        else:
            directory.put(info)
    return info
