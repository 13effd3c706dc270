"""Product models and variants through the pipeline alone: order of writes, waiting for parents."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from consumer.catalog import Catalog, ModelDirectory, ModelInfo
from consumer.codec import ChangeEvent
from consumer.devstack.akeneo_sim import load_sample_catalog
from consumer.devstack.sample_data import clothing_tree
from consumer.mapping import MappingOptions, mapper_for
from consumer.work import Line, Outcome, Source, Status, Work

from .rig import Rig


class Akeneo:
    """The models Akeneo already has, as the lookup (``GET /product-models/{code}``) sees them."""

    def __init__(self, models: ModelDirectory) -> None:
        self.known: dict[str, ModelInfo] = {}
        self.looked_up: list[str] = []
        self._models = models

    def lookup(self, code: str) -> ModelInfo | None:
        self.looked_up.append(code)
        info = self.known.get(code)
        if info is not None:
            self._models.put(info)
        return info


@pytest.fixture
def rig_with_models() -> Iterator[Callable[..., tuple[Rig, Akeneo]]]:
    rigs: list[Rig] = []
    mapper = mapper_for(Catalog.from_json(load_sample_catalog()), MappingOptions())

    def make(**settings: object) -> tuple[Rig, Akeneo]:
        models = ModelDirectory()
        akeneo = Akeneo(models)

        def mapping(event: ChangeEvent):  # type: ignore[no-untyped-def]
            return mapper.map_entity(event.entity, event.identifier, event.values, models.get)

        rig = Rig(mapping=mapping, lookup=akeneo.lookup, models=models, **settings)
        rigs.append(rig)
        return rig, akeneo

    yield make
    for rig in rigs:
        rig.close()


def _run_until_answered(rig: Rig, events: list[ChangeEvent]) -> dict[str, str]:
    ids = {e.event_id for e in events}
    rig.run_until(lambda: ids <= {f.event_id for f in rig.feedback()}, "every event answered")
    rig.clock.advance(1.0)  # let the commit interval pass
    rig.drain()
    return {f.event_id: f.status for f in rig.feedback()}


def test_a_variant_read_before_its_model_waits_for_it_and_is_written_after_it(
    rig_with_models: Callable[..., tuple[Rig, Akeneo]],
) -> None:
    rig, akeneo = rig_with_models()
    tree = clothing_tree(1, "clothing_size", sizes=2, seed=1)
    (root,) = tree.roots
    for event in tree.variants:  # the variants first: their model's event comes later
        rig.produce_event(event)
    rig.assign()
    rig.run_for(2.0)
    assert rig.pipeline.map.parked == 2 and rig.feedback() == []
    assert root.identifier in akeneo.looked_up  # Akeneo was asked; it does not have it (yet)
    rig.produce_event(root)
    statuses = _run_until_answered(rig, [root, *tree.variants])
    assert set(statuses.values()) == {"CREATED"}
    log = rig.akeneo.log
    for variant in tree.variants:
        assert log.index(root.identifier) < log.index(variant.identifier)


def test_a_parent_only_akeneo_knows_is_looked_up_and_its_values_go_to_it_before_the_variant(
    rig_with_models: Callable[..., tuple[Rig, Akeneo]],
) -> None:
    rig, akeneo = rig_with_models()
    tree = clothing_tree(1, "clothing_size", sizes=1, seed=2)
    (root,), (variant,) = tree.roots, tree.variants
    akeneo.known[root.identifier] = ModelInfo(root.identifier, "clothing_size")
    rig.produce_event(variant)
    rig.assign()
    statuses = _run_until_answered(rig, [variant])
    assert statuses[variant.event_id] == "CREATED"
    # The common values the row carries were written to the model, then the variant itself.
    assert rig.akeneo.log == [root.identifier, variant.identifier]
    assert "name" in rig.akeneo.products[root.identifier]["values"]
    assert "name" not in rig.akeneo.products[variant.identifier].get("values", {})


def test_a_parent_nobody_has_is_looked_up_with_backoff_then_the_row_is_rejected_naming_it(
    rig_with_models: Callable[..., tuple[Rig, Akeneo]],
) -> None:
    rig, akeneo = rig_with_models(parent_wait_s=5.0)
    tree = clothing_tree(1, "clothing_size", sizes=2, seed=3)
    (root,) = tree.roots
    first, second = tree.variants
    rig.produce_event(first)
    rig.assign()
    rig.run_for(2.0)
    rig.produce_event(second)  # arrives 2 s later: waits its own 5 s
    rig.run_for(4.0)
    assert [f.identifier for f in rig.feedback()] == [first.identifier]
    rig.run_for(2.0)
    for fb in rig.feedback():
        assert (fb.status, fb.status_code) == ("REJECTED", 422)
        assert f'parent product model "{root.identifier}" does not exist' in (fb.message or "")
        assert fb.errors[0]["property"] == "parent"
    assert len(rig.feedback()) == 2 and rig.akeneo.log == []
    # looked up at once, then after 0.5, 1, 2, 4 s: not once per turn
    assert 3 <= akeneo.looked_up.count(root.identifier) <= 6
    rig.clock.advance(1.0)
    rig.drain()  # nothing waits any more: everything is committed


def test_later_changes_of_a_waiting_product_wait_behind_it_in_order(
    rig_with_models: Callable[..., tuple[Rig, Akeneo]],
) -> None:
    rig, _ = rig_with_models(coalesce=False)
    tree = clothing_tree(1, "clothing_size", sizes=1, seed=4)
    (root,), (variant,) = tree.roots, tree.variants
    again = ChangeEvent(
        f"{variant.event_id}-2",
        variant.occurred_at + 1,
        "UPSERT",
        variant.identifier,
        {**variant.values, "ean": "1234567890128"},
    )
    rig.produce_event(variant)
    rig.produce_event(again)
    rig.assign()
    rig.run_for(1.0)
    assert rig.pipeline.map.parked == 2
    rig.produce_event(root)
    _run_until_answered(rig, [root, variant, again])
    eans = [rig.akeneo.products[variant.identifier]["values"]["ean"][0]["data"]]
    assert rig.akeneo.log.count(variant.identifier) == 2 and eans == ["1234567890128"]  # the later one last


def test_waiting_events_do_not_fill_the_pipeline(rig_with_models: Callable[..., tuple[Rig, Akeneo]]) -> None:
    """Their parent may be an event the pipeline has not read yet: being full would wait for ever."""
    rig, _ = rig_with_models(max_buffered=4)
    tree = clothing_tree(1, "clothing_size", sizes=4, seed=5)
    (root,) = tree.roots
    for event in tree.variants:
        rig.produce_event(event)
    rig.produce_event(root)
    rig.assign()
    statuses = _run_until_answered(rig, [root, *tree.variants])
    assert set(statuses.values()) == {"CREATED"}


def test_the_variants_of_one_model_waiting_together_write_it_once(
    rig_with_models: Callable[..., tuple[Rig, Akeneo]],
) -> None:
    rig, akeneo = rig_with_models()
    tree = clothing_tree(1, "clothing_size", sizes=4, seed=6)
    (root,) = tree.roots
    akeneo.known[root.identifier] = ModelInfo(root.identifier, "clothing_size")
    rig.akeneo.block(root.identifier)  # the first write to the model stays on the wire a while
    first, *others = tree.variants
    rig.produce_event(first)
    rig.assign()
    rig.run_until(lambda: rig.akeneo.on_the_wire() == [root.identifier], "the first model write out")
    for event in others:
        rig.produce_event(event)
    rig.turn(20)  # the others' writes to the model wait behind it, together
    rig.akeneo.release()
    _run_until_answered(rig, tree.variants)
    assert rig.akeneo.log.count(root.identifier) == 2  # not once per variant (4)


def _line(work: Work, part: str | None) -> Line:
    return Line([work], {}, "PRODUCT_MODEL" if part else "PRODUCT", "UPSERT", part or work.identifier, part)


def test_an_events_feedback_names_the_model_part_akeneo_refused() -> None:
    work = Work(Source("t", 0, 0, b"v", b"{}"), ChangeEvent("e", 0, "UPSERT", "v", {}), pending=3)
    own, root, sub = _line(work, None), _line(work, "root"), _line(work, "sub")
    refused = Outcome(
        Status.REJECTED,
        422,
        "Validation failed.",
        [{"property": "values", "attribute": "name", "locale": None, "scope": None, "message": "too long"}],
        1,
    )
    assert not work.answered(root, Outcome(Status.UPDATED, 204, attempts=1))
    assert not work.answered(sub, refused)
    assert work.answered(own, Outcome(Status.CREATED, 201, attempts=1))
    assert work.outcome is not None
    assert (work.outcome.status, work.outcome.status_code) == (Status.REJECTED, 422)
    message = work.outcome.message or ""
    assert 'product model "sub" were refused' in message and "own values: created" in message
    assert 'written to "root"' in message
    assert work.outcome.errors == refused.errors
