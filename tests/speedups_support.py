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


def _compiled_spec(name: str, path: Sequence[str] | None) -> ModuleSpec | None:
    """The spec the import system would take for ``name`` if it is a compiled module, else None."""
    spec = importlib.machinery.PathFinder.find_spec(name, path)
    if spec is None or not isinstance(spec.loader, importlib.machinery.ExtensionFileLoader):
        return None
    return spec


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
        spec = _compiled_spec(fullname, path)
        return None if spec is None else importlib.util.spec_from_file_location(fullname, _source(spec))


def check_compiled_build() -> None:
    if any(name in sys.modules for name in HOT_MODULES):
        pytest.exit("a hot module was imported before the suite could check its build", 2)
    if PLAIN:
        sys.meta_path.insert(0, _PlainSource())
        return
    for name in HOT_MODULES:
        package = importlib.util.find_spec(name.rpartition(".")[0])  # imports consumer, not the module
        assert package is not None
        spec = _compiled_spec(name, package.submodule_search_locations)
        if spec is None:
            continue  # plain Python: nothing to go stale
        assert spec.origin is not None
        if os.path.getmtime(_source(spec)) > os.path.getmtime(spec.origin):
            pytest.exit(f"{name}: the compiled module is older than its source; run `make test`, "
                        "or `make .venv/.compiled`", 2)
