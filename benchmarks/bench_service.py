"""End-to-end throughput, CPU and memory of `akeneo-consumer run` against the simulator, beside its peers.

    python -m benchmarks.bench_service [--profiles slow,medium,fast] [--seconds 15] [--backlog 200000]

The simulator runs in a process of its own (as a real PIM would: it must not share our GIL),
answers each collection request after ``base + per product x lines`` and refuses a 5th
concurrent request with 429, like a SaaS PIM under fair use. Three Akeneo speeds:

* slow: 200 ms + 20 ms a product; medium: 50 ms + 2 ms; fast: 5 ms + 0.2 ms.

At each speed, side by side in one run, valid products per second of:

* hand-written 4 x 100: 4 threads, each PATCHing pre-mapped batches of 100 in a loop (no Kafka,
  no mapping, no feedback): what a bare client achieves against the same simulator;
* one request of 100 at a time: one thread doing the same (the loop the official clients show);
* one product per request, 4 at once: 4 threads PATCHing /products/{identifier} (a generic HTTP sink);
* service: events produced to Kafka (Avro, 4 partitions), consumed, decoded, mapped, batched,
  upserted, fed back and committed by the real service process with its defaults; its rate is
  measured between the first and the last feedback's ``processed_at``, its CPU as the process's
  CPU time over the same stretch divided by the events answered in it.

The ceiling is ``4 x 100 / (base + 100 x per product)``. With ``--backlog`` the service's resident
memory is sampled every second while it works through that many events at the medium speed.
Ratios, not absolute times, are what to compare across machines (these are shared and noisy).
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import requests
from confluent_kafka import Consumer, Producer

from consumer.akeneo import AkeneoClient, Credentials, RetryPolicy
from consumer.akeneo.products import COLLECTION_TYPE
from consumer.catalog import Catalog
from consumer.codec import ChangeEvent, make_codec
from consumer.devstack.akeneo_sim import DEFAULT_CREDENTIALS, load_sample_catalog
from consumer.devstack.kafka_broker import TansuBroker, create_topics, free_port
from consumer.devstack.sample_data import sample_events
from consumer.mapping import map_row

CONCURRENCY, BATCH = 4, 100
SERVICE_SETTINGS: dict[str, str] = {}  # --set KEY=VALUE: what every service run of this benchmark gets
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Profile:
    name: str
    base_s: float
    per_product_s: float

    @property
    def ceiling(self) -> float:
        return CONCURRENCY * BATCH / self.latency_s

    @property
    def latency_s(self) -> float:
        """Time Akeneo takes to answer a full batch."""
        return self.base_s + BATCH * self.per_product_s

    @property
    def label(self) -> str:
        return f"{self.base_s * 1000:g} ms + {self.per_product_s * 1000:g} ms a product"


PROFILES = {
    "slow": Profile("slow", 0.2, 0.02),
    "medium": Profile("medium", 0.05, 0.002),
    "fast": Profile("fast", 0.005, 0.0002),
}


class SimProcess:
    """The simulator in a process of its own, driven through its /_sim/ inspection API."""

    def __init__(self, max_concurrency: int = CONCURRENCY) -> None:
        self.port = free_port()
        args = [sys.executable, "-m", "consumer.devstack.akeneo_sim", "--port", str(self.port)]
        # Validation off: this measures the service, not the simulator's checks.
        args += ["--max-concurrency", str(max_concurrency), "--no-validate"]
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

    def use(self, profile: Profile) -> None:
        knobs = {"latency_base_s": profile.base_s, "latency_per_product_s": profile.per_product_s}
        requests.post(f"{self.base_url}/_sim/knobs", json=knobs, timeout=10).raise_for_status()

    def stats(self) -> dict[str, Any]:
        return dict(requests.get(f"{self.base_url}/_sim/stats", timeout=10).json())

    def too_many(self) -> int:
        return sum(r["count"] for r in self.stats()["requests"] if r["status"] == 429)

    def requests_total(self) -> int:
        return int(self.stats()["requests_total"])

    def clear(self) -> None:
        requests.post(f"{self.base_url}/_sim/clear-products", timeout=10).raise_for_status()
        requests.post(f"{self.base_url}/_sim/reset", timeout=10).raise_for_status()

    def client(self) -> AkeneoClient:
        """The real Akeneo client on the simulator, retrying without a limit (nothing is lost)."""
        c = self.credentials
        credentials = Credentials(c.client_id, c.secret, c.username, c.password)
        return AkeneoClient(self.base_url, credentials, retry=RetryPolicy(max_attempts=None))

    def token(self) -> str:
        creds = self.credentials
        return str(
            requests.post(
                f"{self.base_url}/api/oauth/v1/token",
                json={"grant_type": "password", "username": creds.username, "password": creds.password},
                auth=(creds.client_id, creds.secret),
                timeout=10,
            ).json()["access_token"]
        )

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


# --- the peers: plain clients with requests, no Kafka, no mapping, no feedback -------------------------


def _timed_workers(threads: int, seconds: float, work: Callable[[requests.Session], int]) -> float:
    """Products/s of ``threads`` threads each calling ``work`` (one request, returns products done)
    until ``seconds`` have passed; a request under way when time is up still counts."""
    done = [0]
    lock = threading.Lock()
    started = time.perf_counter()
    deadline = started + seconds

    def worker() -> None:
        session = requests.Session()
        while time.perf_counter() < deadline:
            n = work(session)
            with lock:
                done[0] += n

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return done[0] / (time.perf_counter() - started)


def full_batches(payloads: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """``payloads`` in batches of 100, a last short one left out."""
    return [payloads[i : i + BATCH] for i in range(0, len(payloads) - BATCH + 1, BATCH)]


def collection_body(batch: list[dict[str, Any]]) -> bytes:
    """A collection PATCH's body: one JSON line per product."""
    return b"\n".join(orjson.dumps(p) for p in batch)


def collection_headers(sim: SimProcess) -> dict[str, str]:
    return {"Authorization": f"Bearer {sim.token()}", "Content-Type": COLLECTION_TYPE}


def batches_peer(sim: SimProcess, payloads: list[dict[str, Any]], threads: int, seconds: float) -> float:
    """``threads`` threads PATCHing batches of 100 (4: the hand-written client; 1: the official loop)."""
    bodies = [collection_body(batch) for batch in full_batches(payloads)]
    headers = collection_headers(sim)
    cursor = _cycle(bodies)

    def one(session: requests.Session) -> int:
        reply = session.patch(
            f"{sim.base_url}/api/rest/v1/products", data=cursor(), headers=headers, timeout=60
        )
        assert reply.status_code == 200, reply.status_code
        return BATCH

    return _timed_workers(threads, seconds, one)


def single_peer(sim: SimProcess, payloads: list[dict[str, Any]], seconds: float) -> float:
    """4 threads PATCHing one product per request."""
    headers = {"Authorization": f"Bearer {sim.token()}", "Content-Type": "application/json"}
    cursor = _cycle(payloads)

    def one(session: requests.Session) -> int:
        product = cursor()
        url = f"{sim.base_url}/api/rest/v1/products/{product['identifier']}"
        reply = session.patch(url, data=orjson.dumps(product), headers=headers, timeout=60)
        assert reply.status_code in (201, 204), reply.status_code
        return 1

    return _timed_workers(CONCURRENCY, seconds, one)


def _cycle(items: list[Any]) -> Callable[[], Any]:
    """A thread-safe endless round over ``items``."""
    lock = threading.Lock()
    it = itertools.cycle(items)

    def next_item() -> Any:
        with lock:
            return next(it)

    return next_item


# --- the service -------------------------------------------------------------------------------


def produce(bootstrap: str, topic: str, count: int, seed: int) -> None:
    produce_events(bootstrap, topic, sample_events(count, seed=seed, invalid_every=0, prefix=f"B{seed}"))


def produce_events(bootstrap: str, topic: str, events: Iterable[ChangeEvent]) -> None:
    """``events`` to ``topic`` as Avro, keyed by identifier, as fast as the producer takes them."""
    codec = make_codec("avro")
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20, "batch.num.messages": 10000})
    for n, event in enumerate(events):
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
    def __init__(
        self,
        broker: TansuBroker,
        sim: SimProcess,
        tag: str,
        log: Path,
        extra: dict[str, str] | None = None,
        partitions: int = 4,
        code: Path | None = None,
    ) -> None:
        """One service process; runs of the same ``tag`` share topics and consumer group. ``code``:
        a directory holding another ``consumer`` package to run instead of this checkout's."""
        self.topic, self.results = f"bench-{tag}", f"bench-{tag}-feedback"
        create_topics(
            broker.bootstrap, {self.topic: partitions, self.results: partitions, f"bench-{tag}-dlq": 1}
        )
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
            **(extra or {}),
        }
        self.log = log
        self.code = code
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            # ``-m`` imports from the working directory first.
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "consumer", "run"],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.code,
            )

    def rss_mib(self) -> float:
        assert self.proc is not None
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        return int(match.group(1)) / 1024 if match else 0.0

    def cpu_s(self) -> float:
        """User + system CPU time of the service process so far."""
        assert self.proc is not None
        return _stat_cpu_s(Path(f"/proc/{self.proc.pid}/stat"))

    def metrics(self, timeout_s: float = 1.0) -> bytes:
        """The service's Prometheus exposition, as scraped."""
        return requests.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=timeout_s).content

    def thread_cpu_s(self) -> dict[str, float]:
        """CPU time so far by kind of thread: ``loop`` (the main thread: decode, map, batch,
        feedback), ``python`` (the others: the Akeneo senders, the health server) and ``librdkafka``.
        Python 3.11 does not name its threads for the kernel, so the main thread is told by its id."""
        assert self.proc is not None
        split = {"loop": 0.0, "python": 0.0, "librdkafka": 0.0}
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            try:
                name = (task / "comm").read_text().strip()
                cpu = _stat_cpu_s(task / "stat")
            except OSError:  # the thread ended meanwhile
                continue
            if task.name == str(self.proc.pid):
                split["loop"] += cpu
            else:
                split["librdkafka" if name.startswith("rdk:") else "python"] += cpu
        return split

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(60)


def cpu_between(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """CPU seconds by kind of thread spent between two ``ServiceRun.thread_cpu_s`` samples."""
    return {kind: cpu - before.get(kind, 0.0) for kind, cpu in after.items()}


def _stat_cpu_s(stat: Path) -> float:
    """User + system CPU seconds from a /proc ``stat`` file (a process's or one thread's)."""
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


@dataclass
class Watched:
    answered: int
    first_ms: int
    last_ms: int
    cpu_s: float  # service CPU between the first and the last feedback read
    counted: int  # feedback events read between those two CPU samples
    threads: dict[str, float]  # that CPU by kind of thread (ServiceRun.thread_cpu_s)

    def split_us(self) -> str:
        """µs an event by kind of thread: where the CPU figure comes from."""
        n = max(1, self.counted)
        return ", ".join(f"{kind} {cpu / n * 1e6:.0f}" for kind, cpu in self.threads.items())

    def rate(self, latency_s: float) -> float:
        """Events/s from the first request: the first answer comes one request latency after it."""
        return self.answered / ((self.last_ms - self.first_ms) / 1000 + latency_s)


def watch_feedback(
    bootstrap: str,
    topic: str,
    count: int,
    timeout_s: float,
    run: ServiceRun,
    on_tick: Any = None,
    stamps: list[tuple[int, int]] | None = None,
) -> Watched:
    """Reads feedback until ``count`` messages are in (or the timeout); ``stamps`` receives each
    message's (partition, timestamp in ms) when given.

    Counts messages and reads their Kafka timestamps (set when the service produced them) instead of
    decoding them: the watcher shares the machine with the service, so it must cost next to nothing.
    A clean run answers each event exactly once; the end-to-end tests check that, not this.
    """
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"watch-{topic}",
            "auto.offset.reset": "earliest",
            "session.timeout.ms": 6000,
        }
    )
    consumer.subscribe([topic])
    seen = 0
    first, last = 2**62, 0
    cpu_first: tuple[float, int, dict[str, float]] | None = None
    deadline = time.monotonic() + timeout_s
    next_tick = time.monotonic()
    try:
        while seen < count and time.monotonic() < deadline:
            for msg in consumer.consume(2000, 0.2):
                if msg.error() is None:
                    seen += 1
                    stamp = msg.timestamp()[1]
                    first, last = min(first, stamp), max(last, stamp)
                    partition = msg.partition()
                    if stamps is not None and partition is not None:
                        stamps.append((partition, stamp))
            if seen and cpu_first is None:
                cpu_first = (run.cpu_s(), seen, run.thread_cpu_s())
            if on_tick is not None and time.monotonic() >= next_tick:
                on_tick(seen)
                next_tick += 1.0
        cpu_end, threads_end = run.cpu_s(), run.thread_cpu_s()
    finally:
        consumer.close()
    cpu0, n0, threads0 = cpu_first or (cpu_end, seen, threads_end)
    return Watched(seen, first, last, cpu_end - cpu0, seen - n0, cpu_between(threads0, threads_end))


def service_rate(
    broker: TansuBroker, sim: SimProcess, profile: Profile, events: int, logdir: Path
) -> tuple[Watched, int, int]:
    sim.clear()
    run = ServiceRun(
        broker, sim, f"throughput-{profile.name}", logdir / f"throughput-{profile.name}.log", SERVICE_SETTINGS
    )
    produce(broker.bootstrap, run.topic, events, seed=2)
    run.start()
    try:
        watched = watch_feedback(
            broker.bootstrap, run.results, events, events / profile.ceiling * 4 + 120, run
        )
    finally:
        run.stop()
    return watched, sim.too_many(), sim.requests_total()


def backlog_memory(broker: TansuBroker, sim: SimProcess, profile: Profile, events: int, logdir: Path) -> str:
    sim.use(profile)  # the runs before leave the simulator at their own speed
    sim.clear()
    run = ServiceRun(broker, sim, "backlog", logdir / "backlog.log", SERVICE_SETTINGS)
    produce(broker.bootstrap, run.topic, events, seed=3)
    run.start()
    samples: list[tuple[int, float]] = []
    try:
        watched = watch_feedback(
            broker.bootstrap,
            run.results,
            events,
            events / profile.ceiling * 4 + 120,
            run,
            on_tick=lambda n: samples.append((n, run.rss_mib())),
        )
    finally:
        run.stop()
    warm = [rss for n, rss in samples if n >= events * 0.05] or [float("nan")]
    quarters = [next((rss for n, rss in samples if n >= events * q), float("nan")) for q in (0.25, 0.5, 0.75)]
    return (
        f"backlog {events} at {profile.label}: answered {watched.answered}; RSS MiB at 25/50/75%: "
        + "/".join(f"{q:.0f}" for q in quarters)
        + f"; min/max after warm-up {min(warm):.0f}/{max(warm):.0f}; 429s: {sim.too_many()}"
    )


def print_table(header: list[str], rows: list[list[str]]) -> None:
    """A Markdown table, as RESULTS.md records it: the first column left, the figures right."""
    print("| " + " | ".join(header) + " |")
    print("|---|" + "---:|" * (len(header) - 1))
    for row in rows:
        print("| " + " | ".join(row) + " |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--profiles", default="slow,medium,fast", help="Akeneo speeds to run, comma-separated"
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=15.0,
        help="length of each peer's run, and the service's run at the hand-written client's rate",
    )
    parser.add_argument("--backlog", type=int, default=200000, help="events of the memory run (0: skip)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting of the service (repeatable)",
    )
    args = parser.parse_args(argv)
    SERVICE_SETTINGS.update(item.split("=", 1) for item in args.set)
    catalog = Catalog.from_json(load_sample_catalog())
    logdir = Path(tempfile.mkdtemp(prefix="bench-service-"))
    events = list(sample_events(4000, seed=1, invalid_every=0, prefix="H"))
    payloads = [p for p in (map_row(e.identifier, e.values, catalog).payload for e in events) if p]
    sim = SimProcess()
    rows = []
    try:
        with TansuBroker() as broker:
            for name in args.profiles.split(","):
                profile = PROFILES[name]
                sim.use(profile)
                sim.clear()
                hand = batches_peer(sim, payloads, CONCURRENCY, args.seconds)
                one_loop = batches_peer(sim, payloads, 1, args.seconds)
                single = single_peer(sim, payloads, args.seconds)
                # at least 10 rounds of 4 requests, at most a minute's work at the fastest speed
                count = min(60000, max(4000, int(hand * args.seconds) // 1000 * 1000))
                watched, too_many, total = service_rate(broker, sim, profile, count, logdir)
                cpu_us = watched.cpu_s / max(1, watched.counted) * 1e6
                rate = watched.rate(profile.latency_s)
                rows.append((profile, hand, one_loop, single, rate, too_many, total, cpu_us))
                print(
                    f"{profile.label:>28}: ceiling {profile.ceiling:7.0f}  hand-written {hand:7.0f}  "
                    f"1x100 {one_loop:6.0f}  1 product 4x {single:5.0f}  service {rate:7.0f} "
                    f"({rate / hand:.2f} of hand-written, {rate / profile.ceiling:.2f} of ceiling; "
                    f"{watched.answered}/{count} answered; CPU {cpu_us:.0f} µs/event ({watched.split_us()}); "
                    f"429s {too_many}/{total})",
                    flush=True,
                )
            if args.backlog:
                print(backlog_memory(broker, sim, PROFILES["medium"], args.backlog, logdir), flush=True)
    finally:
        sim.stop()
    print()
    header = ["Akeneo latency", "ceiling", "hand-written 4 x 100", "one request of 100 at a time"]
    header += ["one product per request, 4 at once", "service", "service CPU µs/event", "429s"]
    print_table(
        header,
        [
            [
                profile.label,
                f"{profile.ceiling:,.0f}",
                f"{hand:,.0f}",
                f"{one_loop:,.0f}",
                f"{single:,.0f}",
                f"{rate:,.0f} ({rate / hand:.2f})",
                f"{cpu_us:.0f}",
                f"{too_many} of {total}",
            ]
            for profile, hand, one_loop, single, rate, too_many, total, cpu_us in rows
        ],
    )
    print(f"(service logs in {logdir})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
