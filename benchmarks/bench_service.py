"""End-to-end throughput and memory of `akeneo-consumer run` against the simulator.

    python -m benchmarks.bench_service [--events 20000] [--backlog 200000]

The simulator answers each collection request after 50 ms + 2 ms per product and refuses more
than 4 concurrent requests with 429, like a SaaS PIM under fair use.
The simulator runs in a process of its own, like a real PIM. Side by side:

* ceiling: 4 requests x 100 products / (0.05 + 100 x 0.002) s = 1600 products/s;
* hand-written: 4 threads, each PATCHing pre-mapped batches of 100 in a loop (no Kafka, no
  mapping, no feedback): what a bare client achieves against the same simulator;
* service: events produced to Kafka (Avro), consumed, mapped, batched, upserted, fed back and
  committed by the real service process; its rate is measured between the first and the last
  feedback's ``processed_at``;
* backlog: the service's resident memory, sampled every second while it works through a
  backlog of ``--backlog`` events.

Ratios, not absolute times, are what to compare across machines.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import orjson
import requests
from confluent_kafka import Consumer, Producer

from consumer.catalog import Catalog
from consumer.codec import make_codec
from consumer.devstack.akeneo_sim import DEFAULT_CREDENTIALS, load_sample_catalog
from consumer.devstack.kafka_broker import TansuBroker, create_topics, free_port
from consumer.devstack.sample_data import sample_events
from consumer.mapping import map_row

BASE_S, PER_PRODUCT_S, CONCURRENCY, BATCH = 0.05, 0.002, 4, 100
CEILING = CONCURRENCY * BATCH / (BASE_S + BATCH * PER_PRODUCT_S)


class SimProcess:
    """The simulator in a process of its own (as a real PIM would be: it must not share our GIL),
    driven through its /_sim/ inspection API."""

    def __init__(self) -> None:
        self.port = free_port()
        args = [sys.executable, "-m", "consumer.devstack.akeneo_sim", "--port", str(self.port)]
        args += ["--latency-base", str(BASE_S), "--latency-per-product", str(PER_PRODUCT_S)]
        args += ["--max-concurrency", str(CONCURRENCY)]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert self.proc.stdout is not None
        banner = self.proc.stdout.readline().decode()
        assert "listening" in banner, banner
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.credentials = DEFAULT_CREDENTIALS[0]

    def settings_env(self) -> dict[str, str]:
        c = self.credentials
        return {
            "AKENEO_HOST": self.base_url,
            "AKENEO_CLIENT_ID": c.client_id,
            "AKENEO_CLIENT_SECRET": c.secret,
            "AKENEO_USERNAME": c.username,
            "AKENEO_PASSWORD": c.password,
        }

    def stats(self) -> dict[str, Any]:
        return dict(requests.get(f"{self.base_url}/_sim/stats", timeout=10).json())

    def clear(self) -> None:
        requests.post(f"{self.base_url}/_sim/clear-products", timeout=10).raise_for_status()
        requests.post(f"{self.base_url}/_sim/reset", timeout=10).raise_for_status()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def hand_written(sim: SimProcess, payloads: list[dict[str, Any]]) -> float:
    """Products/s of 4 threads sending batches of 100 with plain requests."""
    creds = sim.credentials
    token = requests.post(
        f"{sim.base_url}/api/oauth/v1/token",
        json={"grant_type": "password", "username": creds.username, "password": creds.password},
        auth=(creds.client_id, creds.secret),
        timeout=10,
    ).json()["access_token"]
    bodies = [
        b"\n".join(orjson.dumps(p) for p in payloads[i : i + BATCH]) for i in range(0, len(payloads), BATCH)
    ]
    lock = threading.Lock()

    def worker() -> None:
        session = requests.Session()
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/vnd.akeneo.collection+json",
        }
        while True:
            with lock:
                if not bodies:
                    return
                body = bodies.pop()
            reply = session.patch(
                f"{sim.base_url}/api/rest/v1/products", data=body, headers=headers, timeout=30
            )
            assert reply.status_code == 200, reply.status_code

    threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(payloads) / (time.perf_counter() - started)


def produce(bootstrap: str, topic: str, count: int, seed: int) -> None:
    codec = make_codec("avro")
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20, "batch.num.messages": 10000})
    for n, event in enumerate(sample_events(count, seed=seed, invalid_every=0, prefix=f"B{seed}")):
        while True:
            try:
                producer.produce(
                    topic, key=event.identifier.encode(), value=codec.encode_change(event, topic)
                )
                break
            except BufferError:
                producer.poll(0.1)
        if n % 5000 == 0:
            producer.poll(0)
    producer.flush(120)


class ServiceRun:
    def __init__(self, broker: TansuBroker, sim: SimProcess, tag: str, log: Path) -> None:
        self.topic, self.results = f"bench-{tag}", f"bench-{tag}-feedback"
        create_topics(broker.bootstrap, {self.topic: 4, self.results: 4, f"bench-{tag}-dlq": 1})
        self.metrics_port = free_port()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "AKENEO_"))},
            "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
            "KAFKA_GROUP_ID": f"bench-{tag}",
            "KAFKA_TOPIC": self.topic,
            "KAFKA_RESULTS_TOPIC": self.results,
            "KAFKA_DLQ_TOPIC": f"bench-{tag}-dlq",
            "KAFKA_SESSION_TIMEOUT_MS": "6000",
            "EVENT_FORMAT": "avro",
            **sim.settings_env(),
            "METRICS_PORT": str(self.metrics_port),
            "LOG_LEVEL": "WARNING",
        }
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "consumer", "run"], env=self.env, stdout=out, stderr=subprocess.STDOUT
            )

    def rss_mib(self) -> float:
        assert self.proc is not None
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        return int(match.group(1)) / 1024 if match else 0.0

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(60)


def watch_feedback(
    bootstrap: str, topic: str, count: int, timeout_s: float, on_tick: Any = None
) -> tuple[int, int, int]:
    """(answered, first processed_at, last processed_at) once ``count`` feedback events are read."""
    codec = make_codec("avro")
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"watch-{topic}",
            "auto.offset.reset": "earliest",
            "session.timeout.ms": 6000,
        }
    )
    consumer.subscribe([topic])
    seen: set[str] = set()
    first, last = 2**62, 0
    deadline = time.monotonic() + timeout_s
    next_tick = time.monotonic()
    try:
        while len(seen) < count and time.monotonic() < deadline:
            for msg in consumer.consume(2000, 0.2):
                if msg.error() is None:
                    fb = codec.decode_feedback(msg.value(), topic)
                    seen.add(fb.event_id)
                    first, last = min(first, fb.processed_at), max(last, fb.processed_at)
            if on_tick is not None and time.monotonic() >= next_tick:
                on_tick(len(seen))
                next_tick += 1.0
    finally:
        consumer.close()
    return len(seen), first, last


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=20000, help="events of the throughput run")
    parser.add_argument("--backlog", type=int, default=200000, help="events of the memory run (0: skip)")
    args = parser.parse_args(argv)
    catalog = Catalog.from_json(load_sample_catalog())
    logdir = Path(tempfile.mkdtemp(prefix="bench-service-"))
    sim = SimProcess()
    with TansuBroker() as broker:
        events = list(sample_events(args.events, seed=1, invalid_every=0, prefix="H"))
        payloads = [p for p in (map_row(e.identifier, e.values, catalog).payload for e in events) if p]
        bare = hand_written(sim, payloads)
        sim.clear()

        run = ServiceRun(broker, sim, "throughput", logdir / "throughput.log")
        produce(broker.bootstrap, run.topic, args.events, seed=2)
        run.start()
        answered, first, last = watch_feedback(broker.bootstrap, run.results, args.events, 600)
        run.stop()
        rate = (answered - 1) / max(0.001, (last - first) / 1000)
        too_many = sim.stats()["too_many_requests"]
        print(f"ceiling                       {CEILING:8.0f} products/s")
        print(f"hand-written 4 x 100          {bare:8.0f} products/s  ({bare / CEILING:.2f} of ceiling)")
        print(
            f"service end to end            {rate:8.0f} events/s    ({rate / CEILING:.2f} of ceiling, "
            f"{rate / bare:.2f} of hand-written; {answered}/{args.events} answered; 429s: {too_many})"
        )
        if args.backlog:
            sim.clear()
            backlog = ServiceRun(broker, sim, "backlog", logdir / "backlog.log")
            produce(broker.bootstrap, backlog.topic, args.backlog, seed=3)
            backlog.start()
            samples: list[tuple[int, float]] = []
            done, _, _ = watch_feedback(
                broker.bootstrap,
                backlog.results,
                args.backlog,
                args.backlog / CEILING * 3 + 120,
                on_tick=lambda n: samples.append((n, backlog.rss_mib())),
            )
            backlog.stop()
            warm = [rss for n, rss in samples if n >= args.backlog * 0.05]
            quarters = [
                next((rss for n, rss in samples if n >= args.backlog * q), float("nan"))
                for q in (0.25, 0.5, 0.75)
            ]
            print(
                f"backlog {args.backlog}: answered {done}; RSS MiB at 25/50/75%: "
                + "/".join(f"{q:.0f}" for q in quarters)
                + f"; min/max after warm-up {min(warm):.0f}/{max(warm):.0f}"
                + f"; 429s: {sim.stats()['too_many_requests']}"
            )
    sim.stop()
    print(f"(service logs in {logdir})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
