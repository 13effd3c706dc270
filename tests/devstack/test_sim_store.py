"""The simulator's store: Akeneo's merge semantics over serialised entities."""

from __future__ import annotations

import gc

from consumer.devstack.sim_store import product_store


def _values(n: int) -> dict[str, list[dict[str, object]]]:
    return {
        f"attr_{k}": [{"locale": "en_US", "scope": None, "data": f"value {n}-{k}"}] for k in range(10)
    }


def test_a_large_catalog_gives_the_garbage_collector_nothing_to_walk() -> None:
    # A full collection walks every tracked container; stored as dicts, 200,000 products stopped
    # the whole simulator (the PIM) for up to a second each time.
    store = product_store("sku")
    gc.collect()
    before = len(gc.get_objects())
    for n in range(2000):
        store.upsert(f"SKU-{n}", {"identifier": f"SKU-{n}", "family": "shoes", "values": _values(n)})
    tracked = len(gc.get_objects()) - before
    assert tracked < 200, f"{tracked} more objects for the collector to walk after storing 2,000 products"
    assert len(store) == 2000


def test_what_a_reader_gets_is_a_copy_and_a_patch_merges_into_the_stored_entity() -> None:
    store = product_store("sku")
    assert store.upsert("A", {"values": {"name": [{"locale": None, "scope": None, "data": "one"}]}})
    got = store.get("A")
    assert got is not None
    got["values"]["name"][0]["data"] = "changed by a reader"
    assert not store.upsert("A", {"values": {"color": [{"locale": None, "scope": None, "data": "red"}]}})
    stored = store.get("A")
    assert stored is not None and "A" in store and "B" not in store
    assert stored["values"]["name"] == [{"locale": None, "scope": None, "data": "one"}]
    assert stored["values"]["color"] == [{"locale": None, "scope": None, "data": "red"}]
    assert stored["values"]["sku"] == [{"locale": None, "scope": None, "data": "A"}]
    assert store.page(0, 10) == ([stored], 1) and store.after(None, 10) == [stored]
    assert store.snapshot() == {"A": stored}
