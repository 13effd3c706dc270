"""Thread CPU of the Akeneo client per product: what the service's senders cost, alone.

    python -m benchmarks.bench_client [--profile fast] [--requests 50]

Upserts batches of 100 mapped sample products with the real ``AkeneoClient`` against the simulator
in its own process, in 1 and in 4 threads, then in 4 threads beside a thread that keeps mapping rows
(as the service's loop does, holding the GIL); beside it, a bare ``requests`` PATCH of the same
encoded lines (the hand-written client's exchange, without reading the answer; the environment
read once, as the client's transport reads it). Prints each
request's thread CPU (``time.thread_time``), so the figure is the client's own work, not waiting.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Callable
from typing import Any

import requests

from benchmarks.bench_service import (
    BATCH,
    PROFILES,
    SimProcess,
    collection_body,
    collection_headers,
    full_batches,
)
from consumer.catalog import Catalog
from consumer.devstack.akeneo_sim import load_sample_catalog
from consumer.devstack.sample_data import sample_events
from consumer.mapping import mapper_for


def cpu_per_request(threads: int, requests_each: int, send: Callable[[int], object]) -> float:
    """Mean thread CPU seconds of one ``send(i)`` over ``threads`` threads sending at once."""
    spent: list[float] = []

    def work() -> None:
        started = time.thread_time()
        for i in range(requests_each):
            send(i)
        spent.append(time.thread_time() - started)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(spent) / (threads * requests_each)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--profile", default="fast", choices=sorted(PROFILES))
    parser.add_argument("--requests", type=int, default=50, help="requests per thread and setting")
    args = parser.parse_args(argv)
    mapper = mapper_for(Catalog.from_json(load_sample_catalog()))
    rows = list(sample_events(2000, invalid_every=0, prefix="C"))
    mapped = (mapper.map(e.identifier, e.values).payload for e in rows)
    products: list[dict[str, Any]] = [p for p in mapped if p]
    batches = full_batches(products)
    sim = SimProcess()
    try:
        sim.use(PROFILES[args.profile])
        client = sim.client()
        client.upsert_products(batches[0])  # the token and the connection, outside the measure

        def upsert(i: int) -> object:
            return client.upsert_products(batches[i % len(batches)])

        session = requests.Session()
        session.trust_env = False  # as the client's transport: the environment read once
        headers = collection_headers(sim)
        bodies = [collection_body(batch) for batch in batches]
        url = f"{sim.base_url}/api/rest/v1/products"

        def bare(i: int) -> object:
            return session.patch(url, data=bodies[i % len(bodies)], headers=headers, timeout=10).content

        stop = threading.Event()

        def busy() -> None:  # the loop's share of the GIL: mapping rows, as the service's loop does
            while not stop.is_set():
                for event in rows[:50]:
                    mapper.map(event.identifier, event.values)

        results = [
            ("AkeneoClient, 1 thread", cpu_per_request(1, args.requests, upsert)),
            ("AkeneoClient, 4 threads", cpu_per_request(4, args.requests, upsert)),
        ]
        beside = threading.Thread(target=busy)
        beside.start()
        try:
            crowded = cpu_per_request(4, args.requests, upsert)
            results.append(("AkeneoClient, 4 threads beside a mapping thread", crowded))
        finally:
            stop.set()
            beside.join()
        results.append(("bare requests PATCH, 1 thread", cpu_per_request(1, args.requests, bare)))
        client.close()
    finally:
        sim.stop()
    print(f"{PROFILES[args.profile].label}, batches of {BATCH}, thread CPU:")
    for label, seconds in results:
        print(f"  {label:>50}: {seconds * 1e3:.2f} ms a request, {seconds / BATCH * 1e6:.1f} µs a product")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
