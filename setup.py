"""Builds the package; compiles the per-event hot path with mypyc when it can.

Decoding an Avro event and mapping its row are most of the service's CPU per event; compiled to C
by mypyc (it comes with mypy) they take about half the time (benchmarks/RESULTS.md). The compiled
modules are the same source files: where there is no C compiler, or with
``AKENEO_CONSUMER_COMPILE=0``, the package installs as plain Python and behaves the same, only
slower. ``make`` rebuilds them in place when a source changes (the tests refuse to run over a stale
build) and runs the codec and mapping tests on the plain Python too.
"""

from __future__ import annotations

import os
import runpy
import sys

from setuptools import setup
from setuptools.command.build_ext import build_ext

# consumer/speedups.py names the modules; it needs only the standard library, so it can be read
# before the package's dependencies are installed.
_SPEEDUPS = runpy.run_path(os.path.join("consumer", "speedups.py"))
COMPILED = [name.replace(".", "/") + ".py" for name in _SPEEDUPS["HOT_MODULES"]]
GROUP = _SPEEDUPS["GROUP"]


class OptionalBuildExt(build_ext):
    """A failed compile leaves the plain Python modules in place instead of failing the install."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # no compiler, missing headers...: the package still works
            self._give_up(exc)

    def _give_up(self, exc: Exception) -> None:
        # All or nothing: a module compiled without the shared runtime would not import.
        for ext in self.extensions:
            path = self.get_ext_fullpath(ext.name)
            if os.path.exists(path):
                os.remove(path)
        self.extensions = []
        print(f"akeneo-consumer: not compiled ({exc}); installing plain Python", file=sys.stderr)


def ext_modules() -> list:  # type: ignore[type-arg]
    if os.environ.get("AKENEO_CONSUMER_COMPILE", "1") == "0":
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        print("akeneo-consumer: mypyc not available; installing plain Python", file=sys.stderr)
        return []
    try:
        return mypycify(["--ignore-missing-imports", *COMPILED], group_name=GROUP, opt_level="3")
    except (Exception, SystemExit) as exc:  # mypy's errors end in SystemExit
        print(f"akeneo-consumer: not compiled ({exc!r}); installing plain Python", file=sys.stderr)
        return []


setup(ext_modules=ext_modules(), cmdclass={"build_ext": OptionalBuildExt})
