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
    def __init__(
        self, sim: AkeneoSimulator, retry: RetryPolicy, concurrency: int = 1, give_up_s: float = 0.0
    ) -> None:
        self.client = AkeneoClient(sim.base_url, CREDS, retry=retry)
        self.batches = BatchStep(limit=100, linger_s=0.0)
        self.out = Recorder()
        self.epochs: dict[tuple[str, int], int] = {}
        self.metrics = Metrics()
        self.step = AkeneoStep(
            self.client,
            self.batches,
            concurrency,
            self.out,
            self.metrics,
            lambda tp: self.epochs.get(tp, 0),
            give_up_s=give_up_s,
            line_retry_s=(0.01, 0.05),
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


@pytest.mark.parametrize(
    "knobs",
    [
        {"short_answer_rate": 0.5},  # a 200 answer cut short: some lines unanswered, all applied
        {"garbled_answer_rate": 0.5},  # a 200 answer that is not NDJSON at all
        {"line_error_rate": 0.3, "line_error_statuses": [429, 503]},  # lines refused on their own
    ],
)
def test_lines_without_an_answer_for_good_are_sent_again_alone_until_answered(
    sim: AkeneoSimulator, knobs: dict[str, object]
) -> None:
    rig = Rig(sim, RetryPolicy(), concurrency=2)
    sim.set_knobs(seed=7, **knobs)
    products = [f"p{n}" for n in range(500)]
    done = rig.send(*(work(p, offset=n) for n, p in enumerate(products)))
    assert sorted(w.identifier for w in done) == sorted(products)
    assert {w.outcome.status for w in done if w.outcome} <= {Status.CREATED, Status.UPDATED}
    assert set(sim.products) == set(products)
    attempts = [w.outcome.attempts for w in done if w.outcome]
    assert max(attempts) > 1  # the faults struck
    # Only unanswered lines went again: Akeneo handled exactly as many lines as the works' attempts.
    assert sum(sim.stats()["product_lines"].values()) == sum(attempts)
    retries = rig.metrics.registry.get_sample_value(
        "akeneo_consumer_akeneo_retries_total", {"reason": "line"}
    )
    assert retries == sum(attempts) - len(attempts)
    rig.close()


def test_a_line_refused_until_the_give_up_time_is_failed_with_a_dlq_copy(sim: AkeneoSimulator) -> None:
    rig = Rig(sim, RetryPolicy(), give_up_s=0.5)
    sim.set_knobs(line_error_rate=1.0, line_error_statuses=[503])
    [gone] = rig.send(work("never"))
    assert gone.outcome is not None
    assert (gone.outcome.status, gone.outcome.status_code) == (Status.FAILED, 503)
    assert gone.outcome.attempts >= 2 and "gave up after" in (gone.outcome.message or "")
    assert (gone.outcome.dlq or "").startswith("Akeneo failed: ")
    rig.close()


def test_changes_of_one_product_waiting_together_go_as_one_line(sim: AkeneoSimulator) -> None:
    rig = Rig(sim, RetryPolicy())
    sim.set_knobs(latency_base_s=0.3)
    first = {"identifier": "c", "values": {"name": [{"locale": None, "scope": None, "data": "one"}]}}
    rig.batches.submit(work("c", first))
    wait_until(lambda: rig.step.touching({("t", 0)}))  # in flight: the next two wait behind it
    second = {
        "identifier": "c",
        "values": {"ean": [{"locale": None, "scope": None, "data": "1234567890123"}]},
    }
    third = {"identifier": "c", "values": {"name": [{"locale": None, "scope": None, "data": "three"}]}}
    done = rig.send(work("c", second, offset=1), work("c", third, offset=2))
    assert len(done) == 3 and all(w.outcome and w.outcome.status_code in (201, 204) for w in done)
    assert sim.request_count("PATCH", "/api/rest/v1/products") == 2  # 3 events, 2 lines
    stored = sim.products["c"]["values"]
    assert stored["name"][0]["data"] == "three" and stored["ean"][0]["data"] == "1234567890123"
    rig.close()
