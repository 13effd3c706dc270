"""Coalescing (issue 11): changes of one product that wait together go to Akeneo as one line."""

from __future__ import annotations

import pytest

from consumer.devstack.akeneo_sim import AkeneoSimulator
from consumer.devstack.kafka_broker import TansuBroker
from consumer.devstack.sample_data import sample_rounds

from .checks import assert_akeneo_state, assert_landed
from .conftest import Launch
from .harness import Topics, metric, produce, wait_for
from .oracle import expect

PRODUCTS, ROUNDS = 3000, 3
# With the defaults: the backlog (9,000 events) fits what the service reads ahead (10,000), so a
# product's later rounds are read while its first still waits. (With MAX_BUFFERED_EVENTS=2000, fewer
# events than one round, a product's second round is read only after its first went: 5,531 lines.)


@pytest.mark.parametrize("coalesce", ["true", "false"])
def test_three_rounds_waiting_in_the_topic_reach_akeneo_as_about_one_line_per_product(
    coalesce: str, kafka_broker: TansuBroker, sim: AkeneoSimulator, topics: Topics, launch: Launch
) -> None:
    events = sample_rounds(PRODUCTS, ROUNDS, seed=51)
    produce(kafka_broker.bootstrap, topics.input, events)  # all of it before the service starts
    # The first requests take 5 s, until the whole backlog has been read: what waits behind them is
    # then every later round by construction, whatever the machine's load. (With 0.4 s from the
    # start, how much is read while the first requests are in flight depended on the machine.)
    # Those first 400 products cost a line more each: their first round left alone.
    sim.set_knobs(latency_base_s=0.2, latency_per_product_s=0.05)
    service = launch(COALESCE=coalesce)
    consumed = f'akeneo_consumer_events_consumed_total{{topic="{topics.input}"}}'
    wait_for(lambda: metric(service, consumed, not_listening=0) == len(events), 120, "the backlog read")
    sim.set_knobs(latency_per_product_s=0.002)  # then a PIM slower than the stream: 0.4 s a request
    feedback = assert_landed(kafka_broker, sim, topics, events, expect(events), timeout_s=240)
    assert sum(len(fbs) for fbs in feedback.values()) == len(events)  # one feedback per event
    assert_akeneo_state(sim, expect(events[-PRODUCTS:]))  # the last round's state
    lines = sum(sim.stats()["product_lines"].values())
    per_product = {len(sim.history(e.identifier)) for e in events[-PRODUCTS:]}
    print(f"COALESCE={coalesce}: {lines} lines for {PRODUCTS} products, per product {sorted(per_product)}")
    if coalesce == "true":
        assert lines <= 1.2 * PRODUCTS
    else:  # each event a line of its own, as before coalescing
        assert (lines, per_product) == (ROUNDS * PRODUCTS, {ROUNDS})
