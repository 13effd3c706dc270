"""Three instances sharing one PIM that takes 10 calls at once: nothing lost, few 429s, the limit adapts."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

import pytest
import requests

from consumer.devstack.akeneo_sim import AkeneoSimulator
from consumer.devstack.kafka_broker import TansuBroker
from consumer.devstack.sample_data import sample_events

from .checks import assert_akeneo_state, assert_all_committed, assert_feedback
from .harness import ServiceProcess, Topics, metric, produce, read_feedback, service_env, wait_for
from .oracle import expect

LIMIT = "akeneo_consumer_akeneo_concurrency_limit"
CAP = 4  # AKENEO_MAX_IN_FLIGHT's default


class LimitWatch:
    """Samples every instance's concurrency limit gauge until stopped: what a dashboard would show."""

    def __init__(self, services: list[ServiceProcess]) -> None:
        self.services = services
        self.seen: list[list[float]] = [[] for _ in services]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            for n, service in enumerate(self.services):
                if service.proc is not None and service.proc.poll() is None:
                    with contextlib.suppress(requests.RequestException):  # starting, or stopping
                        self.seen[n].append(metric(service, LIMIT))

    def now(self, n: int) -> float:
        return self.seen[n][-1] if self.seen[n] else CAP

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


def went_below_and_came_back(samples: list[float]) -> bool:
    low = next((i for i, v in enumerate(samples) if 0 < v < CAP), None)
    return low is not None and CAP in samples[low:]


def too_many_share(sim: AkeneoSimulator) -> tuple[int, int]:
    stats = sim.stats()
    return stats["too_many_requests"], stats["requests_total"]


# 60,000 events through 3 services on a shared machine: bounds for a loaded one (it takes 40-120 s).
@pytest.mark.timeout(900)
def test_three_instances_share_a_10_call_pim_lose_nothing_and_their_limits_adapt(
    kafka_broker: TansuBroker, sim: AkeneoSimulator, tmp_path: Path
) -> None:
    topics = Topics.fresh(partitions=6)
    topics.create(kafka_broker.bootstrap)
    sim.set_knobs(max_concurrency=10, latency_base_s=0.05, latency_per_product_s=0.002)
    backlog = list(sample_events(60_000, seed=41, invalid_every=0, prefix="SHARE"))
    produce(kafka_broker.bootstrap, topics.input, backlog)
    services = [  # default settings: 4 slots each, 12 asked of a PIM that takes 10
        ServiceProcess(service_env(kafka_broker, sim, topics), tmp_path / f"service-{n}.log").start()
        for n in range(3)
    ]
    watch = LimitWatch(services)
    try:
        wanted = {e.event_id for e in backlog}
        feedback = read_feedback(kafka_broker.bootstrap, topics, wanted, timeout_s=300)
        assert not wanted - set(feedback), f"{len(wanted - set(feedback))} events unanswered after 300 s"
        refused, sent = too_many_share(sim)
        assert sim.stats()["peak_admitted"] <= 10
        assert refused <= 0.02 * sent, f"{refused} of {sent} requests answered 429"
        assert any(0 < v < CAP for samples in watch.seen for v in samples), watch.seen  # the limit moved

        # Akeneo gets room again (another client of the PIM stopped): the limits come back to the cap.
        below = [n for n in range(3) if watch.now(n) < CAP]
        if below:
            sim.set_knobs(max_concurrency=0, latency_base_s=2.0)  # slow answers: a small backlog lasts
            more = list(sample_events(16_000, seed=42, invalid_every=0, prefix="ROOM"))
            produce(kafka_broker.bootstrap, topics.input, more)
            wait_for(lambda: all(watch.now(n) == CAP for n in below), 120, "the limits back at the cap")
            backlog += more
            wanted = {e.event_id for e in backlog}
            feedback = read_feedback(kafka_broker.bootstrap, topics, wanted, timeout_s=300)
            assert not wanted - set(feedback), f"{len(wanted - set(feedback))} events unanswered after 300 s"
        assert any(went_below_and_came_back(samples) for samples in watch.seen), watch.seen
        for service in services:
            if service.proc is not None and service.proc.poll() is None:
                assert service.terminate() == 0  # drains and commits
    finally:
        watch.stop()
        for service in services:
            service.stop()
    expected = expect(backlog)
    assert_feedback(backlog, feedback, expected)  # every event answered, none FAILED
    assert_akeneo_state(sim, expected)
    assert_all_committed(kafka_broker, topics)
