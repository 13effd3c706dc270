"""Which build of the hot path a run tests: the compiled modules (setup.py) wherever a C compiler
is, the plain source with ``AKENEO_CONSUMER_PLAIN=1`` (make test runs the codec and mapping tests
both ways)."""

from __future__ import annotations

import importlib
import os
import shutil

from speedups_support import PLAIN

from consumer.speedups import HOT_MODULES, compiled


def test_the_run_tests_the_build_it_means_to() -> None:
    for name in HOT_MODULES:
        importlib.import_module(name)
    if PLAIN or not shutil.which(os.environ.get("CC", "cc")):
        assert compiled() == []
    else:
        assert compiled() == list(HOT_MODULES)
