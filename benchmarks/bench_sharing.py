"""Service instances sharing one PIM: the adaptive concurrency limit beside a fixed one, in one run.

    python -m benchmarks.bench_sharing [--instances 1,3] [--modes before,fixed,adaptive] [--seconds 20]
                                       [--before-ref a1826f8] [--set KEY=VALUE]

The simulator runs in a process of its own, answers each collection request in 50 ms + 2 ms a
product and refuses a call beyond 10 in progress in the whole PIM with 429 and ``Retry-After: 1``
(Akeneo's SaaS fair use: 10 concurrent calls per PIM, shared by every client). For each number of
instances and each mode, side by side:

* a fresh input topic of 6 partitions holding a backlog of Avro events (produced first);
* that many ``akeneo-consumer run`` processes in one consumer group, with default settings but
  the mode's: ``adaptive`` is this code's default; ``fixed`` is this code with
  ``AKENEO_ADAPTIVE_CONCURRENCY=false`` (every instance keeps ``AKENEO_MAX_IN_FLIGHT`` = 4 slots,
  a 429's Retry-After still pauses the instance); ``before`` is the service as it was at
  ``--before-ref`` (a git revision, read with ``git archive``; default a1826f8, the main before
  issue 11: 4 fixed slots, a Retry-After delaying only the request that got it);
* valid products/s measured from the feedback's timestamps over the stretch where every instance
  was consuming: from 2 s after the last one reported ready (``/readyz``: partitions assigned)
  to the time the first instance ran out of work (the last answer of the partitions it reports
  lag of; feedback goes to the partition its event came from); 429s, requests and the PIM's
  slots in use (the simulator's ``busy_seconds``) counted over the same stretch. Beside it, the
  whole run: every event from the first answer to the last, the start-up and the tail included
  (where an instance kept a smaller limit than the others, its partitions drain last), and when
  each instance ran out of work.

The ceiling is ``min(10, 4 x instances) x 100 / (0.05 + 100 x 0.002)``: 4,000/s for 3 instances
(the PIM's 10 slots), 1,600/s for one (its own 4). Read the ratios: the machine is shared.
"""

from __future__ import annotations

import argparse
import bisect
import io
import re
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from benchmarks.bench_service import Profile, ServiceRun, SimProcess, produce, watch_feedback
from consumer.devstack.kafka_broker import TansuBroker

PIM_LIMIT = 10
PARTITIONS = 6
PROFILE = Profile("medium", 0.05, 0.002)
MODES: dict[str, dict[str, str]] = {
    "before": {},
    "fixed": {"AKENEO_ADAPTIVE_CONCURRENCY": "false"},
    "adaptive": {},
}
BEFORE_REF = "a1826f8"  # main before issue 11
WARM_S = 2.0
SETTINGS: dict[str, str] = {}  # --set KEY=VALUE: what every service run gets
LIMIT_GAUGE = re.compile(rb"^akeneo_consumer_akeneo_concurrency_limit (\S+)$", re.M)
OWNED = re.compile(rb'^akeneo_consumer_consumer_lag_messages\{partition="(\d+)"', re.M)


def ceiling(instances: int) -> float:
    return min(PIM_LIMIT, 4 * instances) * 100 / PROFILE.latency_s


@dataclass
class Tick:
    at_ms: int
    too_many: int
    requests: int
    busy_s: float  # the simulator's slot-seconds in use so far
    lines: int  # product lines the simulator handled so far
    limits: list[float]  # each instance's concurrency limit gauge (empty before issue 11)


@dataclass
class Outcome:
    instances: int
    mode: str
    answered: int
    events: int
    rate: float
    whole_rate: float  # from the first answer to the last, start-up and tail included
    too_many: int
    requests: int
    mean_limits: float | None
    used: float  # share of the PIM's slots (or the lone instance's 4) in use over the stretch
    lines_per_request: float  # product lines per request Akeneo let in, over the stretch
    request_s: float  # how long Akeneo took over such a request: 0.25 s is the profile's answer
    drained_s: list[float]  # per instance, its partitions' last answer, seconds after the first answer
    ticks: list[Tick] = field(repr=False, default_factory=list)

    @property
    def of_ceiling(self) -> float:
        return self.rate / ceiling(self.instances)

    @property
    def share_429(self) -> float:
        return self.too_many / max(1, self.requests)


def wait_ready(runs: list[ServiceRun], timeout_s: float = 120.0) -> int:
    """Milliseconds since the epoch when every instance's /readyz answered 200."""
    deadline = time.monotonic() + timeout_s
    pending = list(runs)
    while pending and time.monotonic() < deadline:
        pending = [run for run in pending if not _ready(run)]
        time.sleep(0.1)
    if pending:
        raise RuntimeError(f"{len(pending)} instance(s) not ready after {timeout_s:.0f}s")
    return int(time.time() * 1000)


def _ready(run: ServiceRun) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{run.metrics_port}/readyz", timeout=1).status_code == 200
    except requests.RequestException:
        return False


def _scrape(run: ServiceRun) -> tuple[float | None, set[int]]:
    """The instance's concurrency limit (None before issue 11) and the partitions it reports lag of."""
    try:
        text = run.metrics()
    except requests.RequestException:
        return None, set()
    found = LIMIT_GAUGE.search(text)
    return (float(found.group(1)) if found else None), {int(p) for p in OWNED.findall(text)}


def checkout(ref: str, into: Path) -> Path:
    """The ``consumer`` package of revision ``ref`` and the schemas it links to, extracted under
    ``into`` (the repository is only read), for ``ServiceRun(code=...)``."""
    root = Path(__file__).resolve().parent.parent
    command = ["git", "archive", "--format=tar", ref, "consumer", "schemas"]
    archive = subprocess.run(command, cwd=root, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def measure(
    broker: TansuBroker,
    sim: SimProcess,
    instances: int,
    mode: str,
    seconds: float,
    logdir: Path,
    code: Path | None = None,
) -> Outcome:
    """One run; ``code``: the ``consumer`` package to run (this checkout's when None)."""
    sim.clear()
    tag = f"sharing-{instances}-{mode}"
    settings = {**SETTINGS, **MODES[mode]}
    runs = [
        ServiceRun(broker, sim, tag, logdir / f"{tag}-{n}.log", settings, partitions=PARTITIONS, code=code)
        for n in range(instances)
    ]
    # Enough for the start-up (one instance alone until the others join) and ``seconds`` of all.
    count = int(ceiling(instances) * (seconds + 6) / 1000 + 1) * 1000
    produce(broker.bootstrap, runs[0].topic, count, seed=4)
    ticks: list[Tick] = []
    owned: list[set[int]] = [set() for _ in runs]  # each instance's partitions, as last reported

    def tick(_seen: int) -> None:
        stats = sim.stats()
        too_many = sum(r["count"] for r in stats["requests"] if r["status"] == 429)
        scraped = [_scrape(run) for run in runs]
        for n, (_, partitions) in enumerate(scraped):
            owned[n] = partitions or owned[n]
        limits = [v for v, _ in scraped if v is not None]
        at_ms, busy = int(time.time() * 1000), float(stats["busy_seconds"])
        lines = sum(stats.get("product_lines", {}).values())
        ticks.append(Tick(at_ms, too_many, int(stats["requests_total"]), busy, lines, limits))

    stamps: list[tuple[int, int]] = []
    for run in runs:
        run.start()
    try:
        ready_ms = wait_ready(runs)
        watched = watch_feedback(
            broker.bootstrap,
            runs[0].results,
            count,
            count / ceiling(instances) * 4 + 120,
            runs[0],
            on_tick=tick,
            stamps=stamps,
        )
    finally:
        for run in runs:
            run.stop()
    start = ready_ms + int(WARM_S * 1000)
    lasts: dict[int, int] = {}
    for partition, stamp in stamps:
        lasts[partition] = max(stamp, lasts.get(partition, stamp))
    # An instance ran out of work when its partitions did; until the first one did, all worked.
    drained = [max(lasts.get(p, 0) for p in parts) for parts in owned if parts] or list(lasts.values())
    end = min(drained, default=start)
    if end <= start:
        raise RuntimeError(f"{tag}: the backlog ran out before all instances were consuming; raise --seconds")
    times = sorted(stamp for _, stamp in stamps)
    answered = bisect.bisect_right(times, end) - bisect.bisect_left(times, start)
    window = [t for t in ticks if start <= t.at_ms <= end] or ticks[-1:]
    first, last = window[0], window[-1]
    sums = [sum(t.limits) for t in window if len(t.limits) == instances]
    slots = min(PIM_LIMIT, 4 * instances)
    admitted = max(1, last.requests - first.requests - (last.too_many - first.too_many))
    return Outcome(
        instances,
        mode,
        watched.answered,
        count,
        answered / ((end - start) / 1000),
        watched.rate(PROFILE.latency_s),
        last.too_many - first.too_many,
        last.requests - first.requests,
        sum(sums) / len(sums) if sums else None,
        (last.busy_s - first.busy_s) / max(1e-3, (last.at_ms - first.at_ms) / 1000) / slots,
        (last.lines - first.lines) / admitted,
        (last.busy_s - first.busy_s) / admitted,
        sorted((at - times[0]) / 1000 for at in drained),
        ticks,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--instances", default="1,3", help="numbers of instances to run, comma-separated")
    parser.add_argument("--modes", default="before,fixed,adaptive", help="of before, fixed, adaptive")
    parser.add_argument("--before-ref", default=BEFORE_REF, help="the git revision the before mode runs")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the measured stretch")
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="a setting (repeatable)"
    )
    args = parser.parse_args(argv)
    SETTINGS.update(item.split("=", 1) for item in args.set)
    logdir = Path(tempfile.mkdtemp(prefix="bench-sharing-"))
    before = checkout(args.before_ref, logdir / "before") if "before" in args.modes.split(",") else None
    sim = SimProcess(max_concurrency=PIM_LIMIT)
    outcomes: list[Outcome] = []
    try:
        sim.use(PROFILE)
        with TansuBroker() as broker:
            for instances in (int(n) for n in args.instances.split(",")):
                for mode in args.modes.split(","):
                    code = before if mode == "before" else None
                    outcome = measure(broker, sim, instances, mode, args.seconds, logdir, code)
                    outcomes.append(outcome)
                    print(_line(outcome), flush=True)
    finally:
        sim.stop()
    print()
    print(
        "| instances | mode | ceiling | valid products/s | of the ceiling | 429s / requests | "
        "429 share | mean sum of limits |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for o in outcomes:
        limits = "" if o.mean_limits is None else f"{o.mean_limits:.1f}"
        print(
            f"| {o.instances} | {o.mode} | {ceiling(o.instances):,.0f} | {o.rate:,.0f} | "
            f"{o.of_ceiling:.2f} | {o.too_many} / {o.requests} | {o.share_429:.1%} | {limits} |"
        )
    print(f"(service logs in {logdir})")
    return 0


def _line(o: Outcome) -> str:
    limits = "" if o.mean_limits is None else f", mean sum of limits {o.mean_limits:.1f}"
    return (
        f"{o.instances} instance(s), {o.mode}: {o.rate:,.0f} products/s = {o.of_ceiling:.2f} of "
        f"{ceiling(o.instances):,.0f} (whole run {o.whole_rate / ceiling(o.instances):.2f}); "
        f"429s {o.too_many}/{o.requests} ({o.share_429:.1%}); slots in use {o.used:.2f}; "
        f"{o.lines_per_request:.0f} lines a request in {o.request_s * 1000:.0f} ms; "
        f"answered {o.answered}/{o.events}{limits}; instances drained after "
        + "/".join(f"{d:.0f}" for d in o.drained_s)
        + " s"
    )


if __name__ == "__main__":
    raise SystemExit(main())
