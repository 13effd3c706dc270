"""Product models and variants from flat rows: every value lands at the level Akeneo keeps it."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

from consumer.catalog import Catalog
from consumer.codec import ChangeEvent
from consumer.devstack.akeneo_sim import AkeneoSimulator, load_sample_catalog
from consumer.devstack.kafka_broker import TansuBroker
from consumer.devstack.sample_data import ClothingTree, clothing_tree
from consumer.mapping import MappingOptions, mapper_for

from .checks import assert_all_committed
from .conftest import Launch
from .harness import Topics, produce, read_feedback


def _levels(tree: ClothingTree) -> dict[str, set[str]]:
    """Attribute codes of each level of the tree's family variant: common (0), 1, 2."""
    catalog = load_sample_catalog()
    family_variant = next(
        fv for fvs in catalog["family_variants"].values() for fv in fvs if fv["code"] == tree.family_variant
    )
    family = next(f for f in catalog["families"] if f["code"] == "clothing")
    by_level = {s["level"]: set(s["attributes"]) for s in family_variant["variant_attribute_sets"]}
    by_level[0] = set(family["attributes"]) - set().union(*by_level.values())
    return by_level


def _attributes(entity: dict[str, Any]) -> set[str]:
    return set(entity.get("values") or {})


def _mapped_values(root: ChangeEvent) -> set[str]:
    """The attributes a root model row's own mapped payload holds."""
    mapper = mapper_for(Catalog.from_json(load_sample_catalog()), MappingOptions())
    payload = mapper.map_model(root.identifier, root.values).payload
    assert payload is not None, root.identifier
    return set(payload.get("values") or {})


def test_models_and_variants_as_flat_rows_land_level_by_level_and_models_are_written_once_per_batch(
    kafka_broker: TansuBroker, sim: AkeneoSimulator, topics: Topics, launch: Launch
) -> None:
    tree = clothing_tree(50, "clothing_color_size", colors=2, sizes=3, seed=5)
    rows = tree.roots + tree.sub_models + tree.variants
    random.Random(3).shuffle(rows)  # variants often come before their models, on other partitions
    produce(kafka_broker.bootstrap, topics.input, rows)
    service = launch(BATCH_LIMIT="100", PARENT_WAIT_S="120")
    feedback = read_feedback(kafka_broker.bootstrap, topics, {e.event_id for e in rows}, timeout_s=240)

    # One feedback per event, every one a success, with the entity it was about.
    assert set(feedback) == {e.event_id for e in rows}
    for event in rows:
        fb = feedback[event.event_id][-1]
        assert fb.status in ("CREATED", "UPDATED"), (event.identifier, fb.status, fb.message, fb.errors)
        assert fb.entity == event.entity
    # The simulator refused nothing for its level (it refuses a value sent to the wrong level).
    assert "422" not in sim.stats()["product_lines"], sim.stats()
    assert "422" not in sim.stats()["product_model_lines"], sim.stats()

    levels = _levels(tree)
    models, products = sim.product_models, sim.products
    assert set(models) == {e.identifier for e in tree.roots + tree.sub_models}
    assert set(products) == {e.identifier for e in tree.variants}
    for root in tree.roots:
        held = _attributes(models[root.identifier])
        assert held and held <= levels[0], (root.identifier, held - levels[0])
        assert held == _mapped_values(root) & levels[0], root.identifier
    for sub in tree.sub_models:
        held = _attributes(models[sub.identifier])
        assert held and held <= levels[1], (sub.identifier, held - levels[1])
        assert models[sub.identifier]["parent"] == sub.values["parent"]
    for variant in tree.variants:
        held = _attributes(products[variant.identifier])
        assert held and held <= levels[2] | {"sku"}, (variant.identifier, held - levels[2])
        assert products[variant.identifier]["parent"] == variant.values["parent"]
    assert_all_committed(kafka_broker, topics)

    # Second round: one common value (the name) changes on every variant row of a model. The six
    # variants of a model each route it to the root model: waiting together, those writes merge.
    # Akeneo answers in 2 s here, so the rows that arrive while a model's first write is in flight
    # wait behind it. A model gets one more write for each answer time its rows' arrival is spread
    # over: with 0.5 s, a loaded CI machine spread one model's 6 rows over more than 1.5 s (4 writes).
    sim.reset_stats()
    sim.set_knobs(latency_base_s=2.0)
    again = clothing_tree(50, "clothing_color_size", colors=2, sizes=3, seed=5, version=1)
    again.variants[:] = [dataclasses.replace(e, event_id=f"{e.event_id}-again") for e in again.variants]
    before = {code: len(sim.model_history(code)) for code in models}
    produce(kafka_broker.bootstrap, topics.input, again.variants)
    feedback = read_feedback(
        kafka_broker.bootstrap, topics, {e.event_id for e in again.variants}, timeout_s=240
    )
    assert all(feedback[e.event_id][-1].status == "UPDATED" for e in again.variants)
    variants_per_root = len(again.variants) // len(again.roots)
    for root in again.roots:
        writes = len(sim.model_history(root.identifier)) - before[root.identifier]
        # Written alone, the name would be written once per variant; merged, once per batch: the
        # first write goes, the others wait behind it together and go as one line.
        assert 1 <= writes <= variants_per_root // 2, (root.identifier, writes)
        stored = sim.product_models[root.identifier]["values"]["name"][0]["data"]
        assert stored == root.values["name"], root.identifier  # the new name, on the root model
    assert service.terminate() == 0


def test_a_parent_only_akeneo_knows_is_looked_up_and_a_parent_nobody_knows_is_waited_for_then_named(
    kafka_broker: TansuBroker, sim: AkeneoSimulator, topics: Topics, launch: Launch
) -> None:
    tree = clothing_tree(2, "clothing_size", sizes=2, seed=9)
    known, unknown = tree.roots
    mapper = mapper_for(Catalog.from_json(load_sample_catalog()), MappingOptions())
    payload = mapper.map_model(known.identifier, known.values).payload
    assert payload is not None
    sim.seed_product_models([payload])  # in Akeneo already: no event of the service's describes it
    orphans = [e for e in tree.variants if e.values["parent"] == unknown.identifier]
    adopted = [e for e in tree.variants if e.values["parent"] == known.identifier]
    produce(kafka_broker.bootstrap, topics.input, orphans + adopted)
    launch(PARENT_WAIT_S="6")  # time for 3 lookups with backoff, on a loaded machine too
    feedback = read_feedback(
        kafka_broker.bootstrap, topics, {e.event_id for e in orphans + adopted}, timeout_s=60
    )
    for event in adopted:
        assert feedback[event.event_id][-1].status == "CREATED"
        assert sim.products[event.identifier]["parent"] == known.identifier
    for event in orphans:
        fb = feedback[event.event_id][-1]
        assert (fb.status, fb.status_code) == ("REJECTED", 422)
        assert f'parent product model "{unknown.identifier}" does not exist' in (fb.message or "")
        assert event.identifier not in sim.products
    # Looked up in Akeneo (and again, with backoff, while waiting), never loaded wholesale.
    assert sim.request_count("GET", "/api/rest/v1/product-models/{code}") >= 3
    assert sim.request_count("GET", "/api/rest/v1/product-models") == 0
