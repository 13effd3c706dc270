"""Fixtures of the agreement tests: a simulator on the sample catalog per module, and the real client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from consumer.akeneo import AkeneoClient, Credentials, RetryPolicy
from consumer.devstack.akeneo_sim import AkeneoSimulator

from .support import SAMPLE_JSON

CREDENTIALS = Credentials("sim-client", "sim-secret", "admin", "admin")


@pytest.fixture(scope="module")
def sim() -> Iterator[AkeneoSimulator]:
    with AkeneoSimulator(catalog=SAMPLE_JSON) as simulator:
        yield simulator


@pytest.fixture(scope="module")
def akeneo(sim: AkeneoSimulator) -> Iterator[AkeneoClient]:
    with AkeneoClient(sim.base_url, CREDENTIALS, retry=RetryPolicy(base_s=0.01, max_attempts=3)) as client:
        yield client
