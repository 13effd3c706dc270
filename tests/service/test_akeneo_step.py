"""The Akeneo step against the simulator: Akeneo's answers become per-product outcomes."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from consumer.akeneo import AkeneoClient, Credentials, RetryPolicy
from consumer.devstack.akeneo_sim import AkeneoSimulator
from consumer.metrics import Metrics
from consumer.service.akeneo_step import AkeneoStep
from consumer.service.batch_step import BatchStep
from consumer.work import Status, Work

from .support import Recorder, wait_until, work

CREDS = Credentials("sim-client", "sim-secret", "admin", "admin")


@pytest.fixture
def sim() -> Iterator[AkeneoSimulator]:
    with AkeneoSimulator() as simulator:
        yield simulator


class Rig:
    def __init__(self, sim: AkeneoSimulator, retry: RetryPolicy, concurrency: int = 1) -> None:
        self.client = AkeneoClient(sim.base_url, CREDS, retry=retry)
        self.batches = BatchStep(limit=100, linger_s=0.0)
        self.out = Recorder()
        self.epochs: dict[tuple[str, int], int] = {}
        self.step = AkeneoStep(
            self.client, self.batches, concurrency, self.out, Metrics(), lambda tp: self.epochs.get(tp, 0)
        )

    def send(self, *works: Work) -> list[Work]:
        before = len(self.out.works)
        for w in works:
            self.batches.submit(w)
        wait_until(lambda: len(self.out.works) >= before + len(works), 30, self.step.poll)
        return self.out.works[before:]

    def close(self) -> None:
        self.step.close()
        self.batches.close()
        self.step.join(2)
        self.client.close()


def test_upsert_answers_become_outcomes_per_product(sim: AkeneoSimulator) -> None:
    rig = Rig(sim, RetryPolicy())
    good = {"identifier": "ok-1", "values": {"name": [{"locale": None, "scope": None, "data": "Fine"}]}}
    bad = {"identifier": "bad-1", "values": {"name": [{"locale": "en_US", "scope": None, "data": "x"}]}}
    done = {w.identifier: w.outcome for w in rig.send(work("ok-1", good), work("bad-1", bad))}
    ok, rejected = done["ok-1"], done["bad-1"]
    assert ok is not None and rejected is not None
    assert (ok.status, ok.status_code) == (Status.CREATED, 201)
    assert (rejected.status, rejected.status_code) == (Status.REJECTED, 422)
    assert rejected.message and "name" in rejected.message
    assert ok.attempts == 1 and ok.answered_at_ms is not None
    [again] = rig.send(work("ok-1", good, offset=1))
    assert again.outcome is not None and (again.outcome.status, again.outcome.status_code) == (
        Status.UPDATED,
        204,
    )
    rig.close()


def test_deletes_count_a_missing_product_as_deleted(sim: AkeneoSimulator) -> None:
    sim.seed_products([{"identifier": "exists"}])
    rig = Rig(sim, RetryPolicy())
    done = {
        w.identifier: w.outcome
        for w in rig.send(work("exists", operation="DELETE"), work("ghost", operation="DELETE"))
    }
    assert [(o.status, o.status_code) for o in (done["exists"], done["ghost"]) if o] == [
        (Status.DELETED, 204),
        (Status.DELETED, 404),
    ]
    assert "did not exist" in (done["ghost"].message or "")  # type: ignore[union-attr]
    assert [o.attempts for o in done.values() if o] == [1, 1]
    rig.close()


def test_a_retried_delete_reports_its_attempts(sim: AkeneoSimulator) -> None:
    sim.seed_products([{"identifier": "flaky"}])
    rig = Rig(sim, RetryPolicy(base_s=0.01, cap_s=0.02))
    rig.send(work("warm-up", operation="DELETE"))  # token taken first
    sim.fail_next(2, 503, route="/api/rest/v1/products/{code}")
    [flaky] = rig.send(work("flaky", operation="DELETE"))
    assert flaky.outcome is not None and (flaky.outcome.status, flaky.outcome.attempts) == (Status.DELETED, 3)
    rig.close()


def test_giving_up_fails_every_product_of_the_batch_and_asks_for_a_dlq_copy(sim: AkeneoSimulator) -> None:
    sim.set_knobs(error_rate=1.0, error_statuses=(500,))
    rig = Rig(sim, RetryPolicy(base_s=0.01, cap_s=0.02, max_attempts=3))
    done = rig.send(work("a"), work("b"))
    assert {(w.outcome.status, w.outcome.status_code, w.outcome.attempts) for w in done if w.outcome} == {
        (Status.FAILED, 0, 3)
    }
    assert all("gave up" in (w.outcome.message or "") for w in done if w.outcome)
    assert all((w.outcome.dlq or "").startswith("Akeneo failed: ") for w in done if w.outcome)
    rig.close()


def test_a_cancelled_batch_has_no_outcome_and_sends_nothing_more(sim: AkeneoSimulator) -> None:
    sim.start_outage(60)  # every call, the token's included, is told to come back in 60 s
    rig = Rig(sim, RetryPolicy(max_attempts=None))
    rig.batches.submit(work("c"))
    wait_until(lambda: rig.step.touching({("t", 0)}))
    time.sleep(0.3)
    sent = sim.request_count()
    rig.step.cancel({("t", 0)})
    wait_until(lambda: rig.step.in_flight == 0, 5, rig.step.poll)
    assert rig.out.works == []
    assert sim.request_count() == sent
    rig.close()


def test_answers_for_a_partition_revoked_meanwhile_are_dropped(sim: AkeneoSimulator) -> None:
    rig = Rig(sim, RetryPolicy())
    sim.set_knobs(latency_base_s=0.3)
    rig.batches.submit(work("old", partition=3))
    wait_until(lambda: rig.step.touching({("t", 3)}))
    rig.epochs[("t", 3)] = 1  # revoked (and maybe assigned again) while the request was out
    wait_until(lambda: rig.step.in_flight == 0, 5, rig.step.poll)
    assert rig.out.works == []
    assert "old" in sim.products  # Akeneo did it; the next owner reads the event again
    rig.close()
