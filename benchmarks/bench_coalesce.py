"""What coalescing saves Akeneo: 3 rounds of changes to 3,000 products waiting in the topic.

    python -m benchmarks.bench_coalesce [--products 3000] [--rounds 3]

The real service process against the simulator in its own process (50 ms + 2 ms a product, a 5th
concurrent request refused with 429, as in ``bench_service``), Avro events on 4 partitions, all of
them produced before the service starts. Side by side in one run, each on fresh topics and an empty
PIM:

* ``COALESCE=false``, ``MAX_BUFFERED_EVENTS=2000``: each event a line of its own, reading as far
  ahead as before (the behaviour before coalescing);
* ``COALESCE=true`` with ``MAX_BUFFERED_EVENTS=2000``: reading ahead less than one round;
* ``COALESCE=true``, the defaults (``MAX_BUFFERED_EVENTS=10000``, more than the backlog here), so a
  product's later rounds are read while its first waits.

For each: product lines Akeneo received (per product), collection requests, and the time to drain
the backlog, from the first feedback to the last (plus one request's latency, as ``bench_service``
counts it). Compare within a run; these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks.bench_service import (
    PROFILES,
    ServiceRun,
    SimProcess,
    print_table,
    produce_events,
    watch_feedback,
)
from consumer.devstack.kafka_broker import TansuBroker
from consumer.devstack.sample_data import sample_rounds

PROFILE = PROFILES["medium"]
PRODUCTS_ROUTE = "/api/rest/v1/products"


@dataclass(frozen=True)
class Result:
    label: str
    answered: int
    lines: int
    requests: int
    drain_s: float


def run(
    broker: TansuBroker,
    sim: SimProcess,
    label: str,
    tag: str,
    settings: dict[str, str],
    products: int,
    rounds: int,
    logdir: Path,
) -> Result:
    sim.clear()
    service = ServiceRun(broker, sim, tag, logdir / f"{tag}.log", settings)
    produce_events(broker.bootstrap, service.topic, sample_rounds(products, rounds, seed=11, prefix=tag))
    events = products * rounds
    service.start()
    try:
        watched = watch_feedback(broker.bootstrap, service.results, events, 600, service)
    finally:
        service.stop()
    stats = sim.stats()
    requests = sum(
        r["count"] for r in stats["requests"] if (r["method"], r["route"]) == ("PATCH", PRODUCTS_ROUTE)
    )
    drain_s = (watched.last_ms - watched.first_ms) / 1000 + PROFILE.latency_s
    return Result(label, watched.answered, sum(stats["product_lines"].values()), requests, drain_s)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--products", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    events = args.products * args.rounds
    before = {"MAX_BUFFERED_EVENTS": "2000"}  # the read-ahead before coalescing came
    variants = [
        ("COALESCE=false, read-ahead 2,000", "off", {"COALESCE": "false", **before}),
        ("COALESCE=true, read-ahead 2,000", "short", {"COALESCE": "true", **before}),
        ("COALESCE=true, defaults (read-ahead 10,000)", "on", {}),
    ]
    logdir = Path(tempfile.mkdtemp(prefix="bench-coalesce-"))
    sim = SimProcess()
    sim.use(PROFILE)
    results = []
    try:
        with TansuBroker() as broker:
            for label, tag, settings in variants:
                result = run(
                    broker, sim, label, f"coalesce-{tag}", settings, args.products, args.rounds, logdir
                )
                results.append(result)
                print(
                    f"{label:>34}: {result.lines} lines ({result.lines / args.products:.2f} a product), "
                    f"{result.requests} requests, drained in {result.drain_s:.1f} s; "
                    f"{result.answered}/{events} fed back",
                    flush=True,
                )
    finally:
        sim.stop()
    base = results[0]
    print()
    print(
        f"{args.rounds} rounds of changes to {args.products:,} products waiting in the topic, Akeneo at "
        f"{PROFILE.label}:"
    )
    print()
    print_table(
        ["service", "lines to Akeneo", "lines a product", "requests", "time to drain", "feedback events"],
        [
            [
                r.label,
                f"{r.lines:,}",
                f"{r.lines / args.products:.2f}",
                str(r.requests),
                f"{r.drain_s:.1f} s ({r.drain_s / base.drain_s:.2f})",
                f"{r.answered:,}",
            ]
            for r in results
        ],
    )
    print(f"(service logs in {logdir})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
