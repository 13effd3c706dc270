"""The Akeneo client every command builds from the settings: the sharing settings reach it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from consumer.clients import akeneo_client, service_retry, startup_retry
from consumer.config import load_settings
from consumer.devstack.akeneo_sim import AkeneoSimulator


@pytest.fixture
def sim() -> Iterator[AkeneoSimulator]:
    with AkeneoSimulator() as simulator:
        yield simulator


def test_retry_after_max_s_bounds_the_pause_at_start_up_and_while_running() -> None:
    settings = load_settings(env={"RETRY_AFTER_MAX_S": "5"})
    for policy in (service_retry(settings), startup_retry(settings)):
        assert policy.delay(1, 3600.0) == 5.0  # Akeneo asked for an hour
    assert startup_retry(load_settings(env={})).delay(1, 3600.0) == 60.0


@pytest.mark.parametrize(("adaptive", "after"), [("true", 3), ("false", 4)])
def test_akeneo_adaptive_concurrency_decides_whether_a_429_shrinks_the_limit(
    sim: AkeneoSimulator, adaptive: str, after: int
) -> None:
    settings = load_settings(env={**sim.settings_env(), "AKENEO_ADAPTIVE_CONCURRENCY": adaptive})
    with akeneo_client(settings, service_retry(settings)) as client:
        client.get_json("channels")
        sim.fail_next(1, 429, route="/api/rest/v1/channels")
        client.get_json("channels")
        assert client.concurrency_limit == after
