"""The suite runs on the compiled hot modules (setup.py), never on a stale build of them, and with
``AKENEO_CONSUMER_PLAIN=1`` on their plain Python source (what an install without a C compiler
runs)."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

import pytest

from consumer.speedups import HOT_MODULES

PLAIN = os.environ.get("AKENEO_CONSUMER_PLAIN") == "1"


def _spec(name: str) -> ModuleSpec | None:
    parent = name.rpartition(".")[0]
    path = importlib.util.find_spec(parent).submodule_search_locations  # type: ignore[union-attr]
    return importlib.machinery.PathFinder.find_spec(name, path)


def _source(spec: ModuleSpec) -> str:
    assert spec.origin is not None
    return os.path.join(os.path.dirname(spec.origin), spec.name.rpartition(".")[2] + ".py")


class _PlainSource(importlib.abc.MetaPathFinder):
    """Loads a hot module from its .py even where a compiled one sits beside it (which the import
    system would otherwise prefer)."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname not in HOT_MODULES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not isinstance(spec.loader, importlib.machinery.ExtensionFileLoader):
            return None
        return importlib.util.spec_from_file_location(fullname, _source(spec))


def check_compiled_build() -> None:
    if any(name in sys.modules for name in HOT_MODULES):
        pytest.exit("a hot module was imported before the suite could check its build", 2)
    if PLAIN:
        sys.meta_path.insert(0, _PlainSource())
        return
    for name in HOT_MODULES:
        spec = _spec(name)
        if spec is None or not isinstance(spec.loader, importlib.machinery.ExtensionFileLoader):
            continue  # plain Python: nothing to go stale
        assert spec.origin is not None
        if os.path.getmtime(_source(spec)) > os.path.getmtime(spec.origin):
            pytest.exit(f"{name}: the compiled module is older than its source; run `make test`, "
                        "or `make .venv/.compiled`", 2)
