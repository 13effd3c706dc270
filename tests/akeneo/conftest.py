"""Fixtures of the client tests: a simulator per test and clients connected to it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from consumer.akeneo import AkeneoClient
from consumer.devstack.akeneo_sim import AkeneoSimulator

from .support import CATALOG, FAST_RETRY, SIM_CREDENTIALS, Connect, Recorder


@pytest.fixture
def sim() -> Iterator[AkeneoSimulator]:
    simulator = AkeneoSimulator(catalog=CATALOG).start()
    try:
        yield simulator
    finally:
        simulator.stop()


@pytest.fixture
def connect(sim: AkeneoSimulator) -> Iterator[Connect]:
    """``connect(**client_kwargs) -> (client, recorder)`` to the test's simulator; closed at the end."""
    clients: list[AkeneoClient] = []

    def make(**kwargs: Any) -> tuple[AkeneoClient, Recorder]:
        recorder = Recorder()
        kwargs.setdefault("retry", FAST_RETRY)
        kwargs.setdefault("credentials", SIM_CREDENTIALS)
        client = AkeneoClient(sim.base_url, observer=recorder, **kwargs)
        clients.append(client)
        return client, recorder

    yield make
    for client in clients:
        client.close()
