"""The dispatcher against the simulator: Akeneo's answers become per-product outcomes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from consumer.akeneo import AkeneoClient, Credentials, RetryPolicy
from consumer.batcher import Batch
from consumer.devstack.akeneo_sim import AkeneoSimulator
from consumer.service.dispatcher import Completed, Dispatcher
from consumer.service.items import Item, Source

CREDS = Credentials("sim-client", "sim-secret", "admin", "admin")


@pytest.fixture
def sim() -> Iterator[AkeneoSimulator]:
    with AkeneoSimulator() as simulator:
        yield simulator


def _client(sim: AkeneoSimulator, retry: RetryPolicy) -> AkeneoClient:
    return AkeneoClient(sim.base_url, CREDS, retry=retry)


def _item(identifier: str, payload: dict[str, Any] | None, operation: str = "UPSERT") -> Item:
    return Item(
        Source("t", 0, 0, identifier.encode(), b"{}"),
        f"e-{identifier}",
        identifier,
        operation,
        0,
        {},
        payload,
    )


def _run(dispatcher: Dispatcher, batch: Batch[Item], timeout_s: float = 30) -> Completed:
    dispatcher.submit(batch)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        done = dispatcher.completed(0.1)
        if done:
            return done[0]
    raise AssertionError("the batch never completed")


def test_upsert_answers_become_outcomes_per_product(sim: AkeneoSimulator) -> None:
    dispatcher = Dispatcher(_client(sim, RetryPolicy()), 2)
    good = {"identifier": "ok-1", "values": {"name": [{"locale": None, "scope": None, "data": "Fine"}]}}
    bad = {"identifier": "bad-1", "values": {"name": [{"locale": "en_US", "scope": None, "data": "x"}]}}
    batch = Batch("UPSERT", [_item("ok-1", good), _item("bad-1", bad)])
    _, outcomes = _run(dispatcher, batch)
    assert outcomes is not None
    assert [(o.status, o.status_code) for o in outcomes] == [("CREATED", 201), ("REJECTED", 422)]
    assert outcomes[1].message and "name" in outcomes[1].message
    assert outcomes[0].attempts == 1 and outcomes[0].answered_at_ms is not None
    _, again = _run(dispatcher, Batch("UPSERT", [_item("ok-1", good)]))
    assert again is not None and (again[0].status, again[0].status_code) == ("UPDATED", 204)
    dispatcher.close()


def test_deletes_count_a_missing_product_as_deleted(sim: AkeneoSimulator) -> None:
    sim.seed_products([{"identifier": "exists"}])
    dispatcher = Dispatcher(_client(sim, RetryPolicy()), 1)
    _, outcomes = _run(
        dispatcher, Batch("DELETE", [_item("exists", None, "DELETE"), _item("ghost", None, "DELETE")])
    )
    assert outcomes is not None
    assert [(o.status, o.status_code) for o in outcomes] == [("DELETED", 204), ("DELETED", 404)]
    assert "did not exist" in (outcomes[1].message or "")
    assert [o.attempts for o in outcomes] == [1, 1]


def test_a_retried_delete_reports_its_attempts(sim: AkeneoSimulator) -> None:
    sim.seed_products([{"identifier": "flaky"}])
    dispatcher = Dispatcher(_client(sim, RetryPolicy(base_s=0.01, cap_s=0.02)), 1)
    _run(dispatcher, Batch("DELETE", [_item("warm-up", None, "DELETE")]))  # token taken first
    sim.fail_next(2, 503, route="/api/rest/v1/products/{code}")
    _, outcomes = _run(dispatcher, Batch("DELETE", [_item("flaky", None, "DELETE")]))
    assert outcomes is not None and (outcomes[0].status, outcomes[0].attempts) == ("DELETED", 3)
    dispatcher.close()
    dispatcher.close()


def test_giving_up_fails_every_product_of_the_batch(sim: AkeneoSimulator) -> None:
    sim.set_knobs(error_rate=1.0, error_statuses=(500,))
    dispatcher = Dispatcher(_client(sim, RetryPolicy(base_s=0.01, cap_s=0.02, max_attempts=3)), 1)
    _, outcomes = _run(
        dispatcher, Batch("UPSERT", [_item("a", {"identifier": "a"}), _item("b", {"identifier": "b"})])
    )
    assert outcomes is not None
    assert {(o.status, o.status_code, o.attempts) for o in outcomes} == {("FAILED", 0, 3)}
    assert "gave up" in (outcomes[0].message or "")
    dispatcher.close()


def test_a_cancelled_batch_has_no_outcome_and_sends_nothing_more(sim: AkeneoSimulator) -> None:
    sim.start_outage(60)  # every call, the token's included, is told to come back in 60 s
    dispatcher = Dispatcher(_client(sim, RetryPolicy(max_attempts=None)), 1)
    batch: Batch[Item] = Batch("UPSERT", [_item("c", {"identifier": "c"})])
    dispatcher.submit(batch)
    time.sleep(0.3)
    assert dispatcher.batches() == [batch]
    sent = sim.request_count()
    dispatcher.cancel(batch)
    done: list[Completed] = []
    deadline = time.monotonic() + 5
    while not done and time.monotonic() < deadline:
        done = dispatcher.completed(0.1)
    assert done and done[0] == (batch, None)
    assert sim.request_count() == sent
    assert dispatcher.batches() == []
    dispatcher.close()
