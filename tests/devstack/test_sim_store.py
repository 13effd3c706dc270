"""The simulator's store: Akeneo's merge semantics over serialised entities."""

from __future__ import annotations

import gc

from consumer.devstack.sim_store import product_store


def _values(n: int) -> dict[str, list[dict[str, object]]]:
    return {
        f"attr_{k}": [{"locale": "en_US", "scope": None, "data": f"value {n}-{k}"}] for k in range(10)
    }


def _tracked_within(root: object) -> int:
    """Tracked containers (what a full collection walks) among the data ``root`` holds: its
    dicts, lists, tuples and sets, and theirs, not the functions or locks it refers to."""
    data = (dict, list, tuple, set, frozenset)
    seen: set[int] = set()
    todo, tracked = list(gc.get_referents(root)), 0
    while todo:
        item = todo.pop()
        if id(item) in seen or not isinstance(item, data):
            continue
        seen.add(id(item))
        if gc.is_tracked(item):
            tracked += 1
            todo.extend(gc.get_referents(item))
    return tracked


def test_a_large_catalog_gives_the_garbage_collector_nothing_to_walk() -> None:
    # A full collection walks every tracked container; stored as dicts, 200,000 products stopped
    # the whole simulator (the PIM) for up to a second each time.
    store = product_store("sku")
    for n in range(2000):
        store.upsert(f"SKU-{n}", {"identifier": f"SKU-{n}", "family": "shoes", "values": _values(n)})
    tracked = _tracked_within(store)
    assert tracked < 50, f"the collector walks {tracked} objects of a store of 2,000 products"
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
