"""The modules compiled with mypyc when the package is built (setup.py), and whether they are.

Decoding an Avro event and mapping its row are most of the loop's CPU per event; compiled, the same
source files run about twice as fast (benchmarks/RESULTS.md). Without a C compiler the package is
plain Python and behaves the same. Only the standard library here: setup.py reads this file
before the package's dependencies are installed.
"""

import sys

# What one event goes through in the loop's thread. Compiled code checks declared types at run
# time, so these modules type untrusted input as Any where it enters and never reuse a variable
# for two types; the codec and mapping tests run against both builds (make test).
HOT_MODULES = (
    "consumer.codec.avro_binary",
    "consumer.codec.avro_plan",
    "consumer.mapping.cells",
    "consumer.mapping.mapper",
)
# Their shared runtime, inside the package (consumer/_compiled__mypyc.*.so), not top-level.
GROUP = "consumer._compiled"


def compiled() -> list[str]:
    """The hot modules that were loaded compiled (an empty list: plain Python)."""
    names = []
    for name in HOT_MODULES:
        module = sys.modules.get(name)
        if module is not None and not (module.__file__ or "").endswith(".py"):
            names.append(name)
    return names
