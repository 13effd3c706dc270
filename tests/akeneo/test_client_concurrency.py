"""The process-wide bound: however many threads and clients call, the simulator never sees more at once."""

from __future__ import annotations

import gc
from concurrent.futures import ThreadPoolExecutor

import pytest

from consumer.akeneo import AkeneoClient
from consumer.devstack.akeneo_sim import AkeneoSimulator

from .support import FAST_RETRY, SIM_CREDENTIALS, Connect, product

THREADS = 16


def _hammer(clients: list[AkeneoClient], rounds: int = 4) -> list[int]:
    """THREADS threads, spread over ``clients``, each upserting, reading and deleting."""

    def work(thread: int) -> list[int]:
        client = clients[thread % len(clients)]
        codes = []
        for r in range(rounds):
            identifier = f"t{thread}-r{r}"
            results = client.upsert_products([product(identifier), product(f"{identifier}b")])
            codes += [res.status_code for res in results]
            codes.append(200 if client.get_product(identifier)["identifier"] == identifier else 0)
            codes.append(client.delete_product(f"{identifier}b"))
        return codes

    with ThreadPoolExecutor(THREADS) as pool:
        return [code for codes in pool.map(work, range(THREADS)) for code in codes]


def test_16_threads_on_two_clients_never_exceed_the_bound(sim: AkeneoSimulator, connect: Connect) -> None:
    sim.set_knobs(latency_base_s=0.01)
    first, first_seen = connect(max_in_flight=4)
    second, second_seen = connect(max_in_flight=4)
    codes = _hammer([first, second])
    assert codes == [201, 201, 200, 204] * 4 * THREADS
    assert sim.stats()["peak_concurrency"] == 4  # reached, never passed
    assert first_seen.peak_in_flight <= 4 and second_seen.peak_in_flight <= 4
    assert first_seen.in_flight == second_seen.in_flight == 0  # every slot given back


@pytest.mark.parametrize("leave", ["close", "drop"])
def test_the_smallest_bound_of_a_hosts_live_clients_wins(
    sim: AkeneoSimulator, connect: Connect, leave: str
) -> None:
    sim.set_knobs(latency_base_s=0.01)
    wide, _ = connect(max_in_flight=4)
    narrow = AkeneoClient(sim.base_url, SIM_CREDENTIALS, max_in_flight=2, retry=FAST_RETRY)
    _hammer([wide, narrow], rounds=2)
    assert sim.stats()["peak_concurrency"] == 2
    if leave == "close":
        narrow.close()
    else:  # forgotten without close(): garbage collection leaves the gate too
        del narrow
        gc.collect()
    sim.reset_stats()
    _hammer([wide], rounds=2)
    assert sim.stats()["peak_concurrency"] == 4  # the narrow client is gone: the host's gate widened again
