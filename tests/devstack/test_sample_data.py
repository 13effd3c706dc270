"""The sample product model trees: shaped as asked, deterministic, and accepted by the simulator."""

from __future__ import annotations

from collections import Counter

import pytest

from consumer.akeneo import AkeneoClient, Credentials, RetryPolicy
from consumer.catalog import Catalog, ModelDirectory
from consumer.devstack.akeneo_sim import AkeneoSimulator
from consumer.devstack.sample_data import clothing_tree
from consumer.devstack.sim_catalog import load_sample_catalog
from consumer.mapping import Mapper


def test_fifty_models_of_six_variants_each_every_row_carrying_all_values() -> None:
    tree = clothing_tree(50, seed=3)
    assert (len(tree.roots), len(tree.sub_models), len(tree.variants)) == (50, 100, 300)
    assert Counter(len([v for v in tree.variants if v.values["parent"].startswith(r.identifier)])
                   for r in tree.roots) == {6: 50}
    assert {e.entity for e in tree.roots + tree.sub_models} == {"PRODUCT_MODEL"}
    assert {e.entity for e in tree.variants} == {"PRODUCT"}
    variant = tree.variants[0].values
    assert {"name", "price@currency", "color", "material", "size", "ean", "sku", "parent"} <= set(variant)
    assert len({e.event_id for e in tree.events()}) == len({e.identifier for e in tree.events()}) == 450
    assert clothing_tree(50, seed=3) == tree and clothing_tree(50, seed=4) != tree


def test_a_second_round_changes_one_common_value_only() -> None:
    first, second = clothing_tree(4, seed=1), clothing_tree(4, seed=1, version=1)
    for old, new in zip(first.events(), second.events(), strict=True):
        changed = {k for k in old.values if old.values[k] != new.values[k]}
        assert changed <= {"name", "erp_name~en_US", "description~en_US~ecommerce", "variation_name~en_US"}
        assert "name" not in old.values or old.values["name"] != new.values["name"]


@pytest.mark.parametrize("family_variant", ["clothing_color_size", "clothing_size"])
def test_mapped_in_order_every_tree_is_accepted_by_the_simulator(family_variant: str) -> None:
    catalog = load_sample_catalog()
    mapper, known = Mapper(Catalog.from_json(catalog)), ModelDirectory()
    tree = clothing_tree(3, family_variant=family_variant, seed=9)
    credentials = Credentials("sim-client", "sim-secret", "admin", "admin")
    with AkeneoSimulator(catalog) as sim, AkeneoClient(
        sim.base_url, credentials, retry=RetryPolicy(max_attempts=2)
    ) as akeneo:
        for event in tree.events():
            result = mapper.map_entity(event.entity, event.identifier, event.values, known.get)
            assert result.ok and result.payload is not None, (event.identifier, result.errors)
            writes = [w.payload for w in result.models]
            if event.entity == "PRODUCT_MODEL":
                writes.append(result.payload)
            answers = akeneo.upsert_product_models(writes)
            if event.entity == "PRODUCT":
                answers += akeneo.upsert_products([result.payload])
            assert [a.status_code for a in answers if not a.ok] == [], [a.errors for a in answers]
            if result.model is not None:
                known.put(result.model)
        assert len(sim.product_models) == len(tree.roots) + len(tree.sub_models)
        per_root = 6 if family_variant == "clothing_color_size" else 3
        assert len(sim.products) == len(tree.variants) == 3 * per_root
