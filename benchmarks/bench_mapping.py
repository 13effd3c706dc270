"""Rows per second per core through decode -> map -> NDJSON encode, for 30-column rows.

    python -m benchmarks.bench_mapping [--rows 20000] [--repeat 3]

Paths, measured side by side in one run on the same rows (CPU time of this single thread, best
of ``--repeat``):

* ``json``   JSON event bytes -> consumer.codec JsonCodec -> cached Mapper -> orjson line
* ``avro``   Avro event bytes (schemaless, schemas/product_change.avsc) -> consumer.codec AvroCodec -> ...
* ``naive``  the same JSON bytes -> stdlib ``json.loads`` -> a fresh Mapper per row (no column cache)
             -> stdlib ``json.dumps(ensure_ascii=False)``: the reference the ratios are given against.

Lines are held per request of BATCH_LIMIT (100), as the service's Akeneo client holds them, then
dropped; not gathered for the whole run (20,000 lines, 58 MB), whose fresh memory alone cost about
3 µs a row in page faults on this machine.

Rows use the sample icecat catalog and mix text, localized and scoped text, selects, numbers,
booleans, dates, metrics, prices and reserved columns, about 1.5 KB each, every row distinct.

Variant rows (``consumer.devstack.sample_data.clothing_tree``: flat rows of variants of the
two-level ``clothing_color_size``, each carrying its models' values) are measured the same JSON
way twice: routed (parent looked up in a ModelDirectory, values split over the variant and its two
models, three lines encoded) and as plain products (the catalog without family variants: one
line with every value), so the difference is what routing costs a row.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable

import orjson

from consumer.catalog import Catalog, ModelDirectory, ModelLookup
from consumer.codec import ChangeEvent, Codec
from consumer.codec.avro_codec import AvroCodec
from consumer.codec.json_codec import JsonCodec
from consumer.devstack.sample_data import clothing_tree
from consumer.devstack.sim_catalog import load_sample_catalog
from consumer.mapping import Mapper, MappingOptions

TOPIC = "product-changes"
COLUMNS = 30
BATCH_LIMIT = 100  # lines per Akeneo request, the service's default
_WORDS = ("compact", "camera", "sensor", "zoom", "optical", "digital", "premium", "kit", "lens", "travel",
          "studio", "wireless", "battery", "pro", "ultra", "bright", "silent", "rugged", "classic", "smart")


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize()


def make_row(rng: random.Random, n: int) -> dict[str, str | None]:
    """One 30-column row, valid against the sample catalog."""
    row: dict[str, str | None] = {
        "sku": f"bench-{n}",
        "family": rng.choice(["camcorders", "digital_cameras", "scanners", "printers"]),
        "categories": "cameras<###>digital_cameras",
        "enabled": rng.choice(["true", "false", "1", "yes"]),
        "name": _text(rng, 4),
        "erp_name~en_US": _text(rng, 3),
        "erp_name~de_DE": _text(rng, 3),
        "meta_title~en_US": _text(rng, 6),
        "meta_title~fr_FR": _text(rng, 6),
        "description~en_US~ecommerce": _text(rng, 40),
        "description~fr_FR~ecommerce": _text(rng, 40),
        "description~de_DE~print": _text(rng, 30),
        "short_description~en_US~mobile": _text(rng, 12),
        "seo_title~en_US~ecommerce": _text(rng, 5),
        "weight": f"{rng.randint(1, 9000)}.{rng.randint(0, 99):02d} GRM",
        "maximum_scan_size": f"{rng.randint(100, 400)} mm",
        "display_diagonal": f"{rng.randint(2, 30)} INH",
        "shipping_weight~ecommerce@KGM": f"{rng.randint(1, 20)}.{rng.randint(0, 9)}",
        "price": f"{rng.randint(10, 2000)}.{rng.randint(0, 99):02d} EUR<###>{rng.randint(10, 2000)}.00 USD",
        "special_price~ecommerce@EUR": f"{rng.randint(5, 1500)}.99",
        "optical_zoom": str(rng.randint(1, 60)),
        "operating_temperature_min": f"-{rng.randint(0, 40)}.5",
        "color_scanning": rng.choice(["true", "false"]),
        "image_stabilizer": rng.choice(["yes", "no", "1", "0"]),
        "release_date~ecommerce": f"20{rng.randint(10, 24)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
        "sensor_type": rng.choice(["ccd", "CMOS"]),
        "camera_type": rng.choice(["compact", "bridge", "slr_kit"]),
        "multifunctional_functions": "copy<###>fax<###>print",
        "ean": f"{rng.randint(10**12, 10**13 - 1)}",
        "packshots": f"shot_{n}_front<###>shot_{n}_back",
    }
    assert len(row) == COLUMNS
    return row


def make_events(rows: int, seed: int = 7) -> list[ChangeEvent]:
    rng = random.Random(seed)
    return [ChangeEvent(f"ev-{n}", 1_700_000_000_000 + n, "UPSERT", f"bench-{n}", make_row(rng, n))
            for n in range(rows)]


def _cpu_seconds(run: Callable[[], int], repeat: int) -> tuple[float, int]:
    best, lines = float("inf"), 0
    for _ in range(repeat):
        start = time.process_time()
        lines = run()
        best = min(best, time.process_time() - start)
    return best, lines


def codec_path(codec: Codec, messages: list[bytes], mapper: Mapper) -> Callable[[], int]:
    """The service's way: the configured codec, the snapshot's cached Mapper, one orjson NDJSON line
    per row, lines held per request (BATCH_LIMIT of them, as the Akeneo client holds them) and dropped."""

    def run() -> int:
        sent, lines = 0, []
        for value in messages:
            event = codec.decode_change(value, TOPIC)
            result = mapper.map(event.identifier, event.values)
            lines.append(orjson.dumps(result.payload if result.payload is not None else result.errors))
            if len(lines) == BATCH_LIMIT:
                sent, lines = sent + len(lines), []
        return sent + len(lines)

    return run


def variant_path(messages: list[bytes], mapper: Mapper, models: ModelLookup | None) -> Callable[[], int]:
    """As ``codec_path`` for JSON, each row's model writes encoded too (one line each)."""
    codec = JsonCodec()

    def run() -> int:
        sent, lines = 0, []
        for value in messages:
            event = codec.decode_change(value, TOPIC)
            result = mapper.map(event.identifier, event.values, models)
            lines.append(orjson.dumps(result.payload if result.payload is not None else result.errors))
            lines += [orjson.dumps(write.payload) for write in result.models]
            if len(lines) >= BATCH_LIMIT:
                sent, lines = sent + len(lines), []
        return sent + len(lines)

    return run


def variant_stages(rows: int, repeat: int) -> tuple[dict[str, tuple[float, int]], int, int]:
    """(CPU seconds and lines of each variant path, rows, columns per row)."""
    data = load_sample_catalog()
    tree = clothing_tree(max(1, rows // 6), seed=7)
    known = ModelDirectory()
    routed = Mapper(Catalog.from_json(data))
    for event in (*tree.roots, *tree.sub_models):
        result = routed.map_model(event.identifier, event.values, known.get)
        assert result.model is not None, result.errors
        known.put(result.model)
    plain = Mapper(Catalog.from_json({k: v for k, v in data.items() if k != "family_variants"}))
    messages = [JsonCodec().encode_change(e, TOPIC) for e in tree.variants]
    for mapper, models in ((routed, known.get), (plain, None)):
        bad = [r for r in (mapper.map(e.identifier, e.values, models) for e in tree.variants) if not r.ok]
        if bad:
            raise SystemExit(f"variant rows must all map: {bad[0].errors}")
    stages = {
        "variant rows, routed (3 lines a row)": _cpu_seconds(
            variant_path(messages, routed, known.get), repeat),
        "same rows as plain products (1 line)": _cpu_seconds(variant_path(messages, plain, None), repeat),
    }
    return stages, len(messages), len(tree.variants[0].values)


def naive_path(messages: list[bytes], catalog: Catalog, options: MappingOptions) -> Callable[[], int]:
    def run() -> int:
        sent, lines = 0, []
        for value in messages:
            event = json.loads(value)
            result = Mapper(catalog, options).map(event["identifier"], event["values"])  # nothing cached
            lines.append(json.dumps(result.payload if result.ok else result.errors, ensure_ascii=False))
            if len(lines) == BATCH_LIMIT:
                sent, lines = sent + len(lines), []
        return sent + len(lines)

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--naive-rows", type=int, default=2_000, help="the baseline is slow: fewer rows")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    catalog = Catalog.from_json(load_sample_catalog())
    options = MappingOptions()
    mapper = Mapper(catalog, options)
    events = make_events(args.rows)
    json_messages = [JsonCodec().encode_change(e, TOPIC) for e in events]
    avro_messages = [AvroCodec().encode_change(e, TOPIC) for e in events]
    bad = [r for r in (mapper.map(e.identifier, e.values) for e in events) if not r.ok]
    if bad:
        raise SystemExit(f"benchmark rows must all map: {bad[0].errors}")

    sample = events[:200]
    payload_bytes = sum(len(orjson.dumps(mapper.map(e.identifier, e.values).payload)) for e in sample) / 200
    stages: dict[str, tuple[float, int]] = {
        "json": _cpu_seconds(codec_path(JsonCodec(), json_messages, mapper), args.repeat),
        "avro": _cpu_seconds(codec_path(AvroCodec(), avro_messages, mapper), args.repeat),
        "naive": _cpu_seconds(naive_path(json_messages[: args.naive_rows], catalog, options), args.repeat),
    }
    map_only = _cpu_seconds(lambda: sum(mapper.map(e.identifier, e.values).ok for e in events), args.repeat)

    def per_s(stage: tuple[float, int]) -> float:
        return stage[1] / stage[0]

    json_size, avro_size = (sum(map(len, m)) / len(m) for m in (json_messages, avro_messages))
    print(f"rows: {args.rows} x {COLUMNS} columns; JSON event {json_size:.0f} B, "
          f"Avro event {avro_size:.0f} B, payload {payload_bytes:.0f} B; "
          f"best of {args.repeat}, CPU time of one thread")
    print()
    print("| path | rows/s per core | µs per row | vs naive |")
    print("|---|---:|---:|---:|")
    naive = per_s(stages["naive"])
    for name, stage in stages.items():
        rate = per_s(stage)
        print(f"| {name} | {rate:,.0f} | {1e6 / rate:.1f} | {rate / naive:.1f}x |")
    print(f"| map only (cached Mapper) | {per_s(map_only):,.0f} | {1e6 / per_s(map_only):.1f} | |")

    variants, count, columns = variant_stages(args.rows, args.repeat)
    print()
    print(f"variant rows: {count} x {columns} columns (JSON path)")
    print()
    print("| path | rows/s per core | µs per row |")
    print("|---|---:|---:|")
    micros = []
    for name, (seconds, _lines) in variants.items():
        micros.append(1e6 * seconds / count)
        print(f"| {name} | {count / seconds:,.0f} | {micros[-1]:.1f} |")
    print(f"| routing's extra cost | | {micros[0] - micros[1]:+.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
