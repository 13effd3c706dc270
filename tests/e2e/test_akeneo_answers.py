"""Akeneo answers a collection PATCH badly (issues 9 and 11): a line it did not answer for good is sent
again, never reported FAILED, and never applied out of order."""

from __future__ import annotations

from consumer.devstack.akeneo_sim import AkeneoSimulator
from consumer.devstack.kafka_broker import TansuBroker
from consumer.devstack.sample_data import sample_events

from .checks import assert_landed
from .conftest import Launch
from .harness import Topics, produce
from .oracle import expect


def test_answers_cut_short_or_not_ndjson_are_retried_until_every_product_is_written_as_mapped(
    kafka_broker: TansuBroker, sim: AkeneoSimulator, topics: Topics, launch: Launch
) -> None:
    """Issue 9, item 2: a 200 answer with fewer lines than sent, or an HTML page instead of NDJSON,
    leaves its products unanswered (Akeneo applied them): sent again, with RETRY_GIVE_UP_S=0 for as
    long as it takes, each ending CREATED or UPDATED."""
    events = list(sample_events(2000, seed=41, invalid_every=0, updates_every=4))
    produce(kafka_broker.bootstrap, topics.input, events)
    sim.set_knobs(short_answer_rate=0.3, garbled_answer_rate=0.2, seed=41)
    launch(RETRY_GIVE_UP_S="0", BATCH_LIMIT="50")
    assert_landed(kafka_broker, sim, topics, events, expect(events))
    faults = sim.stats()["events"]
    assert faults.get("short_answers", 0) > 0 and faults.get("garbled_answers", 0) > 0, faults


def test_lines_refused_on_their_own_with_429_or_5xx_are_sent_again_in_order(
    kafka_broker: TansuBroker, sim: AkeneoSimulator, topics: Topics, launch: Launch
) -> None:
    """Issue 11: one answer line in ten is 429, 500 or 503 (not applied): that product is sent again
    alone; every product ends CREATED or UPDATED, no write applied twice out of order."""
    events = list(sample_events(3000, seed=42, invalid_every=0, updates_every=3))
    produce(kafka_broker.bootstrap, topics.input, events)
    sim.set_knobs(line_error_rate=0.1, line_error_statuses=[429, 500, 503], seed=42)
    launch()
    assert_landed(kafka_broker, sim, topics, events, expect(events))
    refused = sim.stats()["product_lines"]
    assert all(refused.get(status, 0) > 0 for status in ("429", "500", "503")), refused
