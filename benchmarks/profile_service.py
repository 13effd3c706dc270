"""Where the service's time goes at a given Akeneo speed: py-spy samples of the real process.

    python -m benchmarks.profile_service [--profile fast] [--events 60000] [--seconds 10] [--out DIR]

Runs the same set-up as ``bench_service`` (simulator in its own process, Tansu, Avro events
waiting in 4 partitions), starts the service, and once feedback flows records it with py-spy
(``pip install py-spy``; it samples only threads holding the GIL, i.e. Python at work, unless
``--idle`` asks for waiting threads too).
Writes the collapsed stacks (``profile.raw``) and prints the service's CPU over the recording by
kind of thread (the loop, the other Python threads, librdkafka's), then the functions with the most
samples, by own time and including callees (``--format flamegraph`` writes an SVG instead).
"""

from __future__ import annotations

import argparse
import collections
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_service import PROFILES, ServiceRun, SimProcess, cpu_between, produce, watch_feedback
from consumer.devstack.kafka_broker import TansuBroker

PROCESSED = re.compile(rb"^akeneo_consumer_events_processed_total\{[^}]*\} (\S+)$", re.M)


def summarize(collapsed: Path, top: int = 25) -> str:
    own: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        samples += n
        frames = stack.split(";")
        own[frames[-1]] += n
        for frame in set(frames):
            total[frame] += n
    out = [f"{samples} samples"]
    for title, counter in (("own", own), ("including callees", total)):
        out.append(f"-- top {top} by {title}")
        out += [f"{n / samples:6.1%}  {frame}" for frame, n in counter.most_common(top)]
    return "\n".join(out)


def events_processed(run: ServiceRun) -> float:
    """Events with a final outcome so far, from the service's own counter."""
    return sum(float(m.group(1)) for m in PROCESSED.finditer(run.metrics(timeout_s=5)))


Sample = tuple[dict[str, float], float, float]  # (CPU s by kind of thread, events processed, clock)


def thread_split(before: Sample, after: Sample) -> str:
    """Where the service's CPU went while py-spy recorded: cores and µs an event, by kind of thread.
    py-spy reads the process's memory without stopping it, but its own CPU competes for the
    machine's cores: the service runs somewhat slower while it is recorded."""
    events = max(after[1] - before[1], 1)
    wall = after[2] - before[2]
    spent = cpu_between(before[0], after[0])
    parts = [
        f"{kind} {cpu / wall:.2f} cores, {cpu / events * 1e6:.0f} µs/event" for kind, cpu in spent.items()
    ]
    total = sum(spent.values())
    return (
        f"{events:,.0f} events in {wall:.1f} s ({events / wall:,.0f}/s); service CPU by thread: "
        + "; ".join(parts)
        + f"; all {total / events * 1e6:.0f} µs/event"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--profile", default="fast", choices=sorted(PROFILES))
    parser.add_argument("--events", type=int, default=60000)
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to record")
    parser.add_argument("--out", type=Path, default=None, help="folder for the profile and the service log")
    parser.add_argument(
        "--format",
        default="raw",
        choices=("raw", "flamegraph", "speedscope"),
        help="raw: collapsed stacks, summarized here; flamegraph: an SVG",
    )
    parser.add_argument(
        "--idle",
        action="store_true",
        help="sample every thread, waiting ones too (where the time goes, not the CPU)",
    )
    args = parser.parse_args(argv)
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    out = args.out or Path(tempfile.mkdtemp(prefix="profile-service-"))
    out.mkdir(parents=True, exist_ok=True)
    profile = PROFILES[args.profile]
    sim = SimProcess()
    try:
        sim.use(profile)
        with TansuBroker() as broker:
            run = ServiceRun(broker, sim, f"profile-{profile.name}", out / "service.log")
            produce(broker.bootstrap, run.topic, args.events, seed=4)
            run.start()
            assert run.proc is not None
            try:
                watch_feedback(broker.bootstrap, run.results, 1, 120, run)  # flowing
                time.sleep(0.5)
                before = run.thread_cpu_s(), events_processed(run), time.monotonic()
                subprocess.run(
                    [
                        spy,
                        "record",
                        "--pid",
                        str(run.proc.pid),
                        "--duration",
                        str(int(args.seconds)),
                        "--rate",
                        "250",
                        "--threads",
                        "--nonblocking",
                        "--format",
                        args.format,
                        "--output",
                        str(out / f"profile.{args.format}"),
                        *(["--idle"] if args.idle else ["--gil"]),
                    ],
                    check=True,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                split = thread_split(before, (run.thread_cpu_s(), events_processed(run), time.monotonic()))
            finally:
                run.stop()
    finally:
        sim.stop()
    print(split)
    if args.format == "raw":
        print(summarize(out / "profile.raw"))
    print(f"profile: {out / f'profile.{args.format}'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
