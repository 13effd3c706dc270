"""`akeneo-consumer demo`: the whole stream on one machine, with nothing to set up.

A Tansu broker and the Akeneo simulator (sample icecat catalog, a little latency and a few
injected failures so retries show) are started; sample product rows, one in ten invalid, a few
clothing product models with their variants as flat rows (variants before their models, as
feeds often send them), and a few undecodable messages are produced; the real service consumes
them until every event has its feedback; then a summary is printed and everything is stopped.
"""

from __future__ import annotations

import collections
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from confluent_kafka import Consumer, Producer

from consumer.codec import ChangeEvent, FeedbackEvent, make_codec
from consumer.config import load_settings
from consumer.devstack.akeneo_sim import AkeneoSimulator
from consumer.devstack.kafka_broker import TansuBroker, create_topics, free_port
from consumer.devstack.sample_data import clothing_tree, sample_events

POISON = [b"\x00\x01 not an event", b'{"event_id": "no-identifier"}']
MODEL_TREES = 3  # root models of the two-level clothing family variant: 2 colours x 3 sizes each
TOPIC, RESULTS, DLQ = "product-changes", "product-feedback", "product-changes-dlq"


@dataclass
class DemoResult:
    events: int
    answered: dict[str, FeedbackEvent] = field(default_factory=dict)  # by event_id, poison included
    dlq: int = 0
    seconds: float = 0.0
    stored: int = 0
    models: int = 0
    variants: int = 0
    requests: int = 0
    retried: int = 0
    complete: bool = False

    def by_status(self) -> collections.Counter[str]:
        return collections.Counter(fb.status for fb in self.answered.values())


def run_demo(count: int = 2000, out: TextIO = sys.stdout, timeout_s: float = 300.0) -> DemoResult:
    with TansuBroker() as broker, AkeneoSimulator() as sim:
        sim.set_knobs(latency_base_s=0.02, latency_per_product_s=0.0005, error_rate=0.03, max_concurrency=4)
        create_topics(broker.bootstrap, {TOPIC: 4, RESULTS: 4, DLQ: 1})
        out.write(f"broker {broker.bootstrap}, Akeneo simulator {sim.base_url}\n")
        tree = clothing_tree(MODEL_TREES, "clothing_color_size", colors=2, sizes=3, seed=42)
        events = (
            list(sample_events(count, seed=42, updates_every=10))
            + tree.variants
            + tree.sub_models
            + tree.roots
        )
        _produce(broker.bootstrap, events)
        out.write(
            f"produced {count} product changes, {len(tree.roots) + len(tree.sub_models)} product models with "
            f"{len(tree.variants)} variants, and {len(POISON)} undecodable messages to {TOPIC}\n"
        )

        from consumer.service.runner import Service  # the real service, in this process

        settings = load_settings(
            env={
                "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
                "KAFKA_GROUP_ID": f"demo-{uuid.uuid4().hex[:6]}",
                "KAFKA_SESSION_TIMEOUT_MS": "6000",
                "EVENT_FORMAT": "avro",
                **sim.settings_env(),
                "METRICS_PORT": str(free_port()),
                "LOG_LEVEL": "ERROR",
            }
        )
        service = Service(settings)
        worker = threading.Thread(target=service.run, name="service", daemon=True)
        started = time.monotonic()
        worker.start()
        out.write(f"service running; metrics on http://127.0.0.1:{settings.metrics_port}/metrics\n")
        result = DemoResult(len(events))
        wanted = {e.event_id for e in events}
        _watch(broker.bootstrap, result, lambda: wanted <= result.answered.keys(), out, timeout_s)
        result.complete = wanted <= result.answered.keys()
        result.seconds = time.monotonic() - started
        service.request_stop()
        worker.join(60)
        stats = sim.stats()
        result.stored = stats["products_stored"]
        result.models = len(sim.product_models)
        result.variants = sum(1 for p in sim.products.values() if p.get("parent"))
        result.requests = sim.request_count("PATCH")
        result.retried = (
            sim.request_count(status=500) + sim.request_count(status=502) + sim.request_count(status=503)
        )
    _summary(result, out)
    return result


def _produce(bootstrap: str, events: list[ChangeEvent]) -> None:
    codec = make_codec("avro")
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 10})
    for event in events:
        producer.produce(TOPIC, key=event.identifier.encode(), value=codec.encode_change(event, TOPIC))
    for value in POISON:
        producer.produce(TOPIC, key=b"broken-row", value=value)
    producer.flush(30)


def _watch(
    bootstrap: str, result: DemoResult, done: Callable[[], bool], out: TextIO, timeout_s: float
) -> None:
    codec = make_codec("avro")
    reader = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"demo-watch-{uuid.uuid4().hex[:6]}",
            "auto.offset.reset": "earliest",
            "session.timeout.ms": 6000,
        }
    )
    reader.subscribe([RESULTS, DLQ])
    deadline = time.monotonic() + timeout_s
    shown = 0.0
    try:
        while (not done() or result.dlq < len(POISON)) and time.monotonic() < deadline:
            for msg in reader.consume(1000, 0.2):
                if msg.error() is not None:
                    continue
                if msg.topic() == DLQ:
                    result.dlq += 1
                    continue
                fb = codec.decode_feedback(msg.value(), RESULTS)
                result.answered[fb.event_id] = fb
            if out.isatty() and time.monotonic() - shown > 0.5:
                shown = time.monotonic()
                out.write(f"\r  feedback for {len(result.answered)} events ...")
                out.flush()
    finally:
        reader.close()
    if out.isatty():
        out.write("\n")


def _summary(result: DemoResult, out: TextIO) -> None:
    statuses = result.by_status()
    good = statuses["CREATED"] + statuses["UPDATED"]
    rate = len(result.answered) / result.seconds if result.seconds else 0.0
    out.write(
        f"\n{len(result.answered)} events answered in {result.seconds:.1f}s ({rate:.0f}/s incl. start-up):\n"
    )
    for status, n in sorted(statuses.items()):
        out.write(f"  {status:<9} {n}\n")
    out.write(f"  DLQ       {result.dlq} undecodable messages\n")
    out.write(
        f"Akeneo holds {result.stored} products ({result.variants} of them variants) and "
        f"{result.models} product models; {result.requests} collection requests, "
        f"{result.retried} injected failures retried\n"
    )
    rejected = [fb for fb in result.answered.values() if fb.status == "REJECTED" and fb.errors][:5]
    if rejected:
        out.write("Some rejections, as the feedback reports them:\n")
        for fb in rejected:
            out.write(f"  {fb.identifier}: {fb.errors[0]['message']}\n")
    ok = result.complete and good > 0 and result.dlq == len(POISON)
    out.write("demo OK\n" if ok else "demo INCOMPLETE: not every event was answered\n")
