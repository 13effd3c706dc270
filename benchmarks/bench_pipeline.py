"""CPU per event of the pipeline itself: the service's loop and steps in this process, Kafka in memory.

    python -m benchmarks.bench_pipeline [--events 40000] [--format avro] [--profile]

The real loop, pipeline and Akeneo client, against the simulator in a process of its own
(answering at once, validation off), with the in-memory Kafka of ``consumer.devstack.memory_kafka``
instead of librdkafka: what the service's own Python costs per event, from the read message to
the committed offset, without the broker's or the network's share. ``--profile`` runs it under
cProfile and prints where that time goes (cProfile's own overhead inflates the total, not the
proportions much). Compare runs of one machine state, side by side: these machines are noisy.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from collections.abc import Sequence
from typing import Any

from benchmarks.bench_service import SimProcess
from consumer.akeneo import AkeneoClient, LineResult
from consumer.catalog import Catalog
from consumer.codec import make_codec
from consumer.devstack.akeneo_sim import load_sample_catalog
from consumer.devstack.memory_kafka import MemoryBroker, MemoryConsumer, MemoryProducer
from consumer.devstack.sample_data import sample_events
from consumer.health_server import Health
from consumer.mapping import mapper_for
from consumer.metrics import Metrics
from consumer.service.loop import ConsumerLoop, LoopSettings
from consumer.service.pipeline import Pipeline, PipelineSettings
from consumer.service.runner import tune_runtime


class NullClient:
    """Akeneo answering every product 201 at once, without HTTP: the pipeline's cost alone."""

    def upsert_products(self, products: Sequence[Any], cancel: Any = None) -> list[LineResult]:
        return [LineResult(n, p["identifier"], 201, attempts=1) for n, p in enumerate(products, 1)]

    def delete_product_result(self, identifier: str, cancel: Any = None) -> LineResult:
        return LineResult(1, identifier, 204, attempts=1)

    def upsert_product_models(self, models: Sequence[Any], cancel: Any = None) -> list[LineResult]:
        return [LineResult(n, m["code"], 201, attempts=1) for n, m in enumerate(models, 1)]

    def delete_product_model_result(self, code: str, cancel: Any = None) -> LineResult:
        return LineResult(1, code, 204, attempts=1)

    def close(self) -> None:
        pass


def run(events: int, event_format: str, sim: SimProcess | None) -> tuple[float, float, int]:
    """(CPU seconds, wall seconds, events committed) for ``events`` events through the pipeline;
    against ``sim``, or the NullClient without it."""
    codec = make_codec(event_format)
    broker = MemoryBroker()
    broker.create_topic("in", 4)
    broker.create_topic("feedback", 4)
    broker.create_topic("dlq", 1)
    for event in sample_events(events, seed=7, invalid_every=0, prefix="P"):
        broker.produce("in", event.identifier.encode(), codec.encode_change(event, "in"))
    client: AkeneoClient | NullClient = NullClient()
    if sim is not None:
        client = sim.client()
    mapper = mapper_for(Catalog.from_json(load_sample_catalog()))
    metrics = Metrics()
    producer = MemoryProducer(broker)
    pipeline = Pipeline(
        codec.decode_change,
        lambda event: mapper.map(event.identifier, event.values),
        client,
        producer,  # type: ignore[arg-type]
        codec,
        PipelineSettings(results_topic="feedback", dlq_topic="dlq"),
        metrics,
    )
    consumer = MemoryConsumer(broker, on_commit=pipeline.commit.confirmed)
    pipeline.commit.bind(consumer)
    loop = ConsumerLoop(consumer, "in", pipeline, LoopSettings(), metrics, Health())  # type: ignore[arg-type]
    loop.subscribe()
    tune_runtime()  # as the service does before its loop starts
    consumer.assign(("in", p) for p in range(4))
    started_cpu, started = time.process_time(), time.perf_counter()
    target = {("in", p): len(broker.topics["in"][p]) for p in range(4)}
    while any(broker.committed.get(tp, 0) < end for tp, end in target.items()):
        loop.turn()
    cpu, wall = time.process_time() - started_cpu, time.perf_counter() - started
    pipeline.shutdown(1.0)
    client.close()
    return cpu, wall, sum(target.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=40000)
    parser.add_argument("--format", default="avro", choices=("avro", "json"))
    parser.add_argument(
        "--client",
        default="sim",
        choices=("sim", "null"),
        help="sim: the real client against the simulator; null: instant answers, no HTTP (deterministic: "
        "run it under valgrind --tool=callgrind to count instructions)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="run under cProfile and print the top functions"
    )
    args = parser.parse_args(argv)
    sim = SimProcess() if args.client == "sim" else None
    try:
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            cpu, wall, n = run(args.events, args.format, sim)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(35)
        else:
            cpu, wall, n = run(args.events, args.format, sim)
    finally:
        if sim is not None:
            sim.stop()
    print(
        f"{n} events ({args.format}): {cpu / n * 1e6:.1f} µs CPU per event (this process, all threads), "
        f"{n / wall:,.0f} events/s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
