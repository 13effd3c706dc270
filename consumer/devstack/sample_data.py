"""Realistic product-change events on the sample icecat catalog, for the demo, tests and benchmarks.

Rows look like what a feed manager's "Akeneo API export" produces: flat columns named
``code``, ``code~locale``, ``code~scope``, ``code~locale~scope``,
``price@currency`` = ``740.00 EUR<###>799.20 USD``, ``weight@unit`` = ``3.50 KGM``, multi
values joined by ``<###>``. One row in ``invalid_every`` carries exactly one mistake Akeneo
would reject (the ``INVALID_KINDS`` below, in turn), so a run shows both outcomes.
``clothing_tree`` gives product models of the clothing family variants with their variant
products, as flat rows. Deterministic for a given seed.
"""

from __future__ import annotations

import dataclasses
import random
import uuid
from collections.abc import Iterator

from consumer.codec import PRODUCT_MODEL, ChangeEvent

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


def sample_rounds(products: int, rounds: int, seed: int = 0, prefix: str = "RND") -> list[ChangeEvent]:
    """``rounds`` rounds of changes to the same ``products`` products, one round after the other (each
    row whole, a later version of its name): what an upstream system sends when it re-publishes its
    catalog several times in a row. Applied in order, the last round is what Akeneo should hold."""
    rng = random.Random(seed)
    events: list[ChangeEvent] = []
    for version in range(rounds):
        for n in range(products):
            event_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            identifier, values = f"{prefix}-{n:07d}", product_row(rng, version)
            events.append(ChangeEvent(event_id, BASE_TIME_MS + len(events), "UPSERT", identifier, values))
    return events


# -- product models and their variants (the sample catalog's clothing family) ---------------------

_GARMENTS = ["parka", "blazer", "hoodie", "chino", "polo", "cardigan", "anorak", "jumper", "tunic", "vest"]
_CLOTHING_COLORS = ["black", "blue", "brown", "green", "grey", "pink", "orange", "red", "yellow", "white"]
_CLOTHING_SIZES = ["xxs", "xs", "s", "m", "l", "xl", "xxl", "xxxl"]
_MATERIALS = ["cotton", "polyester", "wool", "leather"]
_COLLECTIONS = ["summer_2016", "winter_2016", "autumn_2016", "summer_2017"]
_WASH = ["400", "600", "hand"]


@dataclasses.dataclass(frozen=True)
class ClothingTree:
    """Events of one family variant's trees: root models, sub-models (two levels only), variants.

    Model events are ``PRODUCT_MODEL`` rows of their own level's values; every variant row is a
    flat product row carrying all its values (its models' too), as a feed writes it. ``events()``
    gives them in that order (what a producer would publish); a test may shuffle partitions.
    """

    family_variant: str
    roots: list[ChangeEvent]
    sub_models: list[ChangeEvent]
    variants: list[ChangeEvent]

    def events(self) -> list[ChangeEvent]:
        return [*self.roots, *self.sub_models, *self.variants]


def _common(rng: random.Random, garment: str, number: int, version: int) -> dict[str, str | None]:
    name = f"{garment.capitalize()} {number:03d}" + (f" v{version}" if version else "")
    price = rng.randint(1900, 29900)
    return {
        "name": name,
        "erp_name~en_US": name.upper(),
        "description~en_US~ecommerce": f"The {name}, a {rng.choice(_WORDS)} {garment}.",
        "price@currency": f"{price / 100:.2f} EUR{SEP}{price * 1.08 / 100:.2f} USD",
        "brand": "akeneo",
        "collection": SEP.join(sorted(rng.sample(_COLLECTIONS, 2))),
        "care_instructions": "Wash inside out.",
        "wash_temperature": rng.choice(_WASH),
    }


def _level_1(rng: random.Random, name: str, color: str) -> dict[str, str | None]:
    material = rng.choice(_MATERIALS)
    return {"color": color, "material": material, "variation_name~en_US": f"{name} {color}",
            "composition": f"100% {material}"}


def _event(rng: random.Random, n: int, identifier: str, values: dict[str, str | None],
           entity: str) -> ChangeEvent:
    return ChangeEvent(str(uuid.UUID(int=rng.getrandbits(128), version=4)), BASE_TIME_MS + n, "UPSERT",
                       identifier, values, entity)


def clothing_tree(models: int, family_variant: str = "clothing_color_size", colors: int = 2, sizes: int = 3,
                  seed: int = 0, prefix: str = "CL", version: int = 0) -> ClothingTree:
    """``models`` root models of ``family_variant`` (``clothing_color_size``: ``colors`` sub-models
    each, ``sizes`` variants per sub-model; ``clothing_size``: ``sizes`` variants per root).

    Deterministic for a seed; ``version`` changes every model's name (a common value), nothing
    else: a second round of the same trees."""
    if family_variant not in ("clothing_color_size", "clothing_size"):
        raise ValueError(f"no sample trees for family variant {family_variant!r}")
    two_levels = family_variant == "clothing_color_size"
    if not 1 <= sizes <= len(_CLOTHING_SIZES) or not 1 <= colors <= len(_CLOTHING_COLORS):
        raise ValueError(f"sizes must be 1..{len(_CLOTHING_SIZES)} and colors 1..{len(_CLOTHING_COLORS)}")
    rng = random.Random(seed)
    tree = ClothingTree(family_variant, [], [], [])
    count = 0

    def add(into: list[ChangeEvent], identifier: str, values: dict[str, str | None], entity: str) -> None:
        nonlocal count
        into.append(_event(rng, count, identifier, values, entity))
        count += 1

    for number in range(models):
        garment = _GARMENTS[number % len(_GARMENTS)]
        root = f"{prefix}-{garment}-{number:03d}"
        common = _common(rng, garment, number, version)
        fixed = {"categories": "clothing", "family_variant": family_variant}
        palette = rng.sample(_CLOTHING_COLORS, colors if two_levels else 1)
        if not two_levels:  # one level: everything but the variant's own is common
            common.update(_level_1(rng, common["name"] or root, palette[0]))
        add(tree.roots, root, {**fixed, **common}, PRODUCT_MODEL)
        for color in palette:
            parent, level_1 = root, {}
            if two_levels:
                parent, level_1 = f"{root}-{color}", _level_1(rng, common["name"] or root, color)
                add(tree.sub_models, parent, {"family_variant": family_variant, "parent": root, **level_1},
                    PRODUCT_MODEL)
            for size in _CLOTHING_SIZES[:sizes]:
                sku = f"{parent}-{size}"
                own = {"sku": sku, "size": size, "ean": f"{rng.randint(10**12, 10**13 - 1)}",
                       "weight@unit": f"{rng.randint(20, 300) / 100:.2f} KGM"}
                add(tree.variants, sku, {"parent": parent, "family": "clothing", **common, **level_1, **own},
                    "PRODUCT")
    return tree
