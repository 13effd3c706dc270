"""Realistic product-change events on the sample icecat catalog, for the demo, tests and benchmarks.

Rows look like what a feed manager's "Akeneo API export" produces: flat columns named
``code``, ``code~locale``, ``code~scope``, ``code~locale~scope``,
``price@currency`` = ``740.00 EUR<###>799.20 USD``, ``weight@unit`` = ``3.50 KGM``, multi
values joined by ``<###>``. One row in ``invalid_every`` carries exactly one mistake Akeneo
would reject (the ``INVALID_KINDS`` below, in turn), so a run shows both outcomes.
Deterministic for a given seed.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator

from consumer.codec import ChangeEvent

SEP = "<###>"
_PRINT_SIZES = ["210_x_1219_mm", "215_x_355_mm", "a3_297_x_420_mm_", "a4_210_x_297_mm_"]
_FUNCTIONS = ["copy", "fax", "print", "scan"]
_COLORS = ["white", "black", "grey", "blue", "purple", "orange"]
_WORDS = ["compact", "fast", "silent", "duplex", "wireless", "colour", "laser", "inkjet", "office", "eco"]
_CATEGORIES = ["printers", "scanners", "office"]
BASE_TIME_MS = 1_790_000_000_000

# (column, bad value, what is wrong): each breaks one rule of the catalog
INVALID_KINDS: list[tuple[str, str, str]] = [
    ("maximum_print_size", "a0_841_x_1189_mm", "option not of the attribute"),
    ("unknown_attribute", "x", "attribute that does not exist"),
    ("optical_zoom", "twelve", "not a number"),
    ("price@currency", "12.00 GBP", "currency not enabled"),
    ("weight@unit", "3.5 MTR", "unit not of the attribute's family"),
    ("release_date~ecommerce", "31/12/2024", "date not ISO-8601"),
    ("description~xx_XX~ecommerce", "Hallo", "unknown locale"),
    ("optical_zoom", "-3", "negative number not allowed"),
]


def _date(rng: random.Random) -> str:
    return f"{rng.randint(2018, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def product_row(rng: random.Random, version: int = 0) -> dict[str, str | None]:
    words = rng.sample(_WORDS, 3)
    name = " ".join(w.capitalize() for w in words) + f" {rng.randint(100, 999)}"
    price = rng.randint(4900, 99900)
    return {
        "family": "printers",
        "categories": SEP.join(rng.sample(_CATEGORIES, 2)),
        "enabled": rng.choice(["true", "false", "1", "yes"]),
        "name": f"{name} v{version}" if version else name,
        "description~en_US~ecommerce": f"The {name} is a {' and '.join(words)} printer.",
        "description~fr_FR~ecommerce": f"L'imprimante {name}, {words[0]}.",
        "description~de_DE~print": f"Der Drucker {name}.",
        "price@currency": f"{price / 100:.2f} EUR{SEP}{price * 1.08 / 100:.2f} USD",
        "weight@unit": f"{rng.randint(100, 9000) / 100:.2f} KGM",
        "release_date~ecommerce": _date(rng),
        "color_scanning": rng.choice(["true", "false"]),
        "maximum_print_size": rng.choice(_PRINT_SIZES),
        "multifunctional_functions": SEP.join(sorted(rng.sample(_FUNCTIONS, 2))),
        "meta_title~en_US": f"Buy the {name}",
        "erp_name~de_DE": name.upper(),
        "ean": f"{rng.randint(10**12, 10**13 - 1)}",
        "optical_zoom": str(rng.randint(1, 30)),
        "main_color": rng.choice(_COLORS),
    }


def sample_events(
    count: int,
    seed: int = 0,
    invalid_every: int = 10,
    updates_every: int = 0,
    prefix: str = "SKU",
) -> Iterator[ChangeEvent]:
    """``count`` events; with ``updates_every`` = k, every k-th event updates an earlier product
    again (a later version of its name), so ordering per product matters."""
    rng = random.Random(seed)
    made: list[str] = []
    versions: dict[str, int] = {}
    for n in range(count):
        if updates_every and made and n % updates_every == 0:
            identifier = rng.choice(made)
        else:
            identifier = f"{prefix}-{n:07d}"
            made.append(identifier)
        versions[identifier] = versions.get(identifier, -1) + 1
        values = product_row(rng, versions[identifier])
        if invalid_every and n % invalid_every == invalid_every - 1:
            column, bad, _ = INVALID_KINDS[(n // invalid_every) % len(INVALID_KINDS)]
            values[column] = bad
        yield ChangeEvent(
            event_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            occurred_at=BASE_TIME_MS + n,
            operation="UPSERT",
            identifier=identifier,
            values=values,
        )
