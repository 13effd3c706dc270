"""One PIM shared by several clients: the limits count what Akeneo counts, whoever the callers are."""

from __future__ import annotations

import subprocess
import sys

from consumer.devstack.akeneo_sim import AkeneoSimulator, SimKnobs
from consumer.devstack.sim_traffic import MSG_TOO_MANY_CONCURRENT, MSG_TOO_MANY_CONCURRENT_CONNECTION, Traffic

from .support import FakeClock, small_catalog


def test_refused_requests_are_not_in_progress_so_they_never_make_akeneo_refuse_another() -> None:
    traffic = Traffic(FakeClock())
    knobs = SimKnobs(max_concurrency=2, max_concurrency_per_connection=1)
    assert traffic.admit(knobs, "a") is None  # a's one slot
    refused = traffic.admit(knobs, "a")
    assert refused is not None and refused.message == MSG_TOO_MANY_CONCURRENT_CONNECTION
    assert traffic.admit(knobs, "b") is None  # the PIM's second place: a's refused call took none
    refused = traffic.admit(knobs, "c")
    assert refused is not None and refused.message == MSG_TOO_MANY_CONCURRENT
    assert (refused.status, refused.retry_after_s) == (429, knobs.retry_after_s)
    traffic.leave("a", admitted=True)
    assert traffic.admit(knobs, "c") is None
    assert traffic.admitted == 2 and traffic.admitted_peak == 2


def test_requests_refused_for_the_rate_do_not_count_in_the_last_second() -> None:
    clock = FakeClock()
    traffic = Traffic(clock)
    knobs = SimKnobs(rps_limit=2)
    answers = [traffic.admit(knobs) for _ in range(5)]
    assert [a is None for a in answers] == [True, True, False, False, False]
    clock.advance(1.0)
    assert traffic.admit(knobs) is None


def test_busy_seconds_integrate_the_admitted_requests_in_progress() -> None:
    clock = FakeClock()
    traffic = Traffic(clock)
    knobs = SimKnobs(max_concurrency=1)
    assert traffic.admit(knobs) is None
    assert traffic.admit(knobs) is not None  # refused: not busy
    clock.advance(2.0)
    assert traffic.busy_seconds() == 2.0
    traffic.leave(None, admitted=True)
    clock.advance(5.0)
    assert traffic.busy_seconds() == 2.0


_CLIENT = """
import sys
from consumer.akeneo import AkeneoClient, Credentials, RetryPolicy
base_url, prefix = sys.argv[1], sys.argv[2]
retry = RetryPolicy(base_s=0.01, cap_s=0.1, max_attempts=None)
with AkeneoClient(base_url, Credentials("sim-client", "sim-secret", "admin", "admin"), max_in_flight=4,
                  retry=retry) as client:
    from concurrent.futures import ThreadPoolExecutor
    def batch(n):
        return client.upsert_products([{"identifier": f"{prefix}-{n}-{i}"} for i in range(10)])
    with ThreadPoolExecutor(4) as pool:
        codes = [r.status_code for results in pool.map(batch, range(12)) for r in results]
assert codes == [201] * 120, codes
"""


def test_clients_in_separate_processes_share_the_pims_concurrency_limit() -> None:
    # 0.3 s a request: each process is at work for a second or more, so they overlap even when
    # their start-ups (Python, imports) differ by a good part of a second.
    knobs = SimKnobs(max_concurrency=5, latency_base_s=0.3, retry_after_s=0.05)
    with AkeneoSimulator(small_catalog(), knobs=knobs) as sim:
        command = [sys.executable, "-c", _CLIENT, sim.base_url]
        clients = [subprocess.Popen([*command, f"proc{n}"], stderr=subprocess.PIPE) for n in range(3)]
        errors = [c.communicate(timeout=120)[1].decode() for c in clients]
        assert [c.returncode for c in clients] == [0, 0, 0], errors
        stats = sim.stats()
    assert len(sim.products) == 360  # 3 processes x 12 batches x 10, every one stored
    assert stats["peak_admitted"] <= 5  # never more in progress than the PIM allows
    assert stats["too_many_requests"] > 0  # 12 slots asked of a 5-call PIM: some were refused
