"""The refreshing catalog cache: whole-snapshot swaps, timed and on-demand refreshes, never blocking."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from consumer.catalog import Catalog, CatalogCache, CatalogUnavailable, RefreshOutcome
from consumer.devstack.sim_catalog import load_sample_catalog

SAMPLE = load_sample_catalog()
WAIT_S = 10.0  # generous: only reached when something is broken


class Loader:
    """Hands out a new snapshot per call (numbered by loaded_at); can fail or hold a call."""

    def __init__(self) -> None:
        self.calls = 0
        self.fail = False
        self.gate: threading.Event | None = None

    def __call__(self) -> Catalog:
        if self.gate is not None:
            assert self.gate.wait(WAIT_S)
        self.calls += 1
        if self.fail:
            raise ConnectionError("Akeneo unreachable")
        return Catalog.from_json(SAMPLE, loaded_at=float(self.calls))


class Outcomes:
    def __init__(self) -> None:
        self.items: list[RefreshOutcome] = []
        self._changed = threading.Condition()

    def __call__(self, outcome: RefreshOutcome) -> None:
        with self._changed:
            self.items.append(outcome)
            self._changed.notify_all()

    def wait_for(self, count: int) -> list[RefreshOutcome]:
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.items) >= count, WAIT_S), self.items
            return list(self.items)


Make = Callable[..., tuple[CatalogCache, Loader, Outcomes]]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def make() -> Iterator[Make]:
    caches: list[CatalogCache] = []

    def build(**kwargs: object) -> tuple[CatalogCache, Loader, Outcomes]:
        loader, outcomes = Loader(), Outcomes()
        cache = CatalogCache(loader, on_refresh=outcomes, **kwargs)  # type: ignore[arg-type]
        caches.append(cache)
        return cache, loader, outcomes

    yield build
    for cache in caches:
        cache.stop()


def test_no_snapshot_before_the_first_load(make: Make) -> None:
    cache, _, _ = make()
    with pytest.raises(CatalogUnavailable):
        cache.current()
    assert cache.load_now().loaded_at == 1.0
    assert cache.current().loaded_at == 1.0


def test_failed_initial_load_raises(make: Make) -> None:
    cache, loader, outcomes = make()
    loader.fail = True
    with pytest.raises(ConnectionError):
        cache.load_now()
    assert not cache.loaded
    assert outcomes.items[0].ok is False and outcomes.items[0].error == "Akeneo unreachable"


def test_timed_refreshes_replace_the_snapshot(make: Make) -> None:
    cache, _, outcomes = make(interval_s=0.02)
    cache.load_now()
    cache.start()
    done = outcomes.wait_for(3)
    assert [o.reason for o in done[1:3]] == ["timer", "timer"]
    assert cache.current().loaded_at >= 3.0


def test_asked_refreshes_are_coalesced_and_rate_limited(make: Make) -> None:
    clock = Clock()
    cache, loader, outcomes = make(interval_s=0, min_gap_s=30.0, clock=clock)
    cache.load_now()
    cache.start()
    clock.now += 1  # within the gap: the asks wait, and merge
    for reason in ("unknown attribute colour", "unknown option red", "unknown attribute colour"):
        cache.request_refresh(reason)
    clock.now += 30  # past the gap: the next wake-up refreshes once for all of them
    cache.request_refresh("unknown option red")
    done = outcomes.wait_for(2)
    assert done[1].reason == "unknown attribute colour; unknown option red"
    assert loader.calls == 2
    assert cache.current().loaded_at == 2.0


def test_a_flood_of_asks_is_one_refresh_with_a_short_reason(make: Make) -> None:
    clock = Clock()
    cache, loader, outcomes = make(interval_s=0, min_gap_s=30.0, clock=clock)
    cache.load_now()
    cache.start()
    clock.now += 1
    for n in range(10_000):  # every rejected row of a busy stream asks
        cache.request_refresh(f"unknown option o{n}")
    clock.now += 30
    cache.request_refresh("unknown option o0")
    done = outcomes.wait_for(2)
    assert done[1].reason == "; ".join(f"unknown option o{n}" for n in range(5))
    assert loader.calls == 2


def test_a_failed_refresh_keeps_the_last_good_snapshot(make: Make) -> None:
    cache, loader, outcomes = make(interval_s=3600, min_gap_s=0)
    first = cache.load_now()
    cache.start()
    loader.fail = True
    cache.request_refresh("unknown locale")
    failed = outcomes.wait_for(2)[1]
    assert (failed.ok, failed.error) == (False, "Akeneo unreachable")
    assert cache.current() is first
    assert cache.last_error == "Akeneo unreachable"
    loader.fail = False
    cache.request_refresh("again")
    assert outcomes.wait_for(3)[2].ok
    assert cache.current() is not first and cache.last_error is None


def test_a_slow_refresh_never_blocks_readers_or_askers(make: Make) -> None:
    cache, loader, outcomes = make(interval_s=3600, min_gap_s=0)
    first = cache.load_now()
    cache.start()
    loader.gate = threading.Event()  # Akeneo hangs
    cache.request_refresh("unknown currency")
    for _ in range(1000):  # while the refresh hangs, mapping goes on with the old snapshot
        assert cache.current() is first
        cache.request_refresh("more")
    loader.gate.set()
    outcomes.wait_for(2)
    assert cache.current() is not first


def test_seeded_with_a_snapshot_loaded_elsewhere() -> None:
    catalog = Catalog.from_json(SAMPLE)
    loader = Loader()
    cache = CatalogCache(loader, interval_s=3600, initial=catalog)
    assert cache.current() is catalog and loader.calls == 0


def test_fixed_cache_for_offline_use() -> None:
    catalog = Catalog.from_json(SAMPLE)
    cache = CatalogCache.fixed(catalog)
    cache.request_refresh("ignored")
    assert cache.current() is catalog


def test_stop_ends_the_refresh_thread(make: Make) -> None:
    cache, _, _ = make(interval_s=3600)
    cache.load_now()
    cache.start()
    cache.stop()
    assert not any(t.name == "catalog-refresh" and t.is_alive() for t in threading.enumerate())
