"""Fixtures of the simulator tests: a fake clock, a running simulator, a raw authenticated session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from consumer.devstack.akeneo_sim import AkeneoSimulator

from .support import Api, FakeClock, small_catalog


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim(clock: FakeClock) -> Iterator[AkeneoSimulator]:
    with AkeneoSimulator(small_catalog(), clock=clock) as simulator:
        yield simulator


@pytest.fixture
def api(sim: AkeneoSimulator) -> Iterator[Api]:
    client = Api(sim.base_url)
    yield client
    client.close()
