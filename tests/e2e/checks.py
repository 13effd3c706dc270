"""Assertions every end-to-end scenario makes: Akeneo's state, feedback, committed offsets."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from consumer.codec import ChangeEvent, FeedbackEvent
from consumer.devstack.akeneo_sim import AkeneoSimulator
from consumer.devstack.kafka_broker import TansuBroker
from consumer.devstack.sample_data import sample_events
from consumer.mapping import identifier_problem

from .harness import Topics, committed, produce, produced_per_partition, read_feedback, wait_for
from .oracle import Expectation, order_violation, values_of


def assert_akeneo_state(sim: AkeneoSimulator, expected: Expectation) -> None:
    """Every valid product holds exactly its mapped values; nothing else reached Akeneo."""
    stored = sim.products
    assert set(stored) == set(expected.state), (
        f"missing: {sorted(set(expected.state) - set(stored))[:5]}, "
        f"unexpected: {sorted(set(stored) - set(expected.state))[:5]}"
    )
    for identifier, payload in expected.state.items():
        product = stored[identifier]
        got = values_of(product)
        # Akeneo keeps the identifier as the value of the identifier attribute, too.
        assert got.pop(("sku", None, None), identifier) == identifier
        assert got == values_of(payload), identifier
        for field in ("family", "categories", "enabled"):
            if field in payload:
                got, want = product.get(field), payload[field]
                if isinstance(want, list):
                    got, want = sorted(got or []), sorted(want)
                assert got == want, (identifier, field)


def assert_applied_in_order(sim: AkeneoSimulator, expected: Expectation) -> None:
    """Akeneo saw each product's writes in its events' order (``order_violation``; needs record_history)."""
    violations = {
        identifier: why
        for identifier, sequence in expected.sequence.items()
        if (why := order_violation(sequence, sim.history(identifier)))
    }
    assert not violations, list(violations.items())[:3]


def assert_feedback(
    events: Sequence[ChangeEvent],
    feedback: dict[str, list[FeedbackEvent]],
    expected: Expectation,
    dry_run: bool = False,
) -> None:
    """One (deduplicated) feedback per event, with the status the mapping predicts."""
    assert set(feedback) == {e.event_id for e in events}
    for event in events:
        answers = feedback[event.event_id]
        statuses = {fb.status for fb in answers}
        assert len(statuses) == 1 or statuses <= {"CREATED", "UPDATED"}, (event.event_id, statuses)
        fb = answers[-1]
        assert (fb.identifier, fb.operation, fb.dry_run) == (event.identifier, event.operation, dry_run)
        if event.event_id in expected.rejected:
            assert (fb.status, fb.status_code) == ("REJECTED", 422), fb
            columns = [e["message"].split('"')[1] for e in expected.rejected[event.event_id]]
            assert all(f'"{c}"' in " ".join(e["message"] for e in fb.errors) for c in columns), fb.errors
        elif dry_run:
            assert fb.status == "SKIPPED", fb
        else:
            assert fb.status in ("CREATED", "UPDATED"), fb
            assert fb.status_code in (201, 204) and fb.attempts >= 1, fb
        assert fb.values == event.values


def assert_identifiers_refused(
    events: Sequence[ChangeEvent], feedback: dict[str, list[FeedbackEvent]]
) -> None:
    """Each event of an unusable identifier REJECTED (422) before sending, naming why."""
    for event in events:
        fb = feedback[event.event_id][-1]
        assert (fb.status, fb.status_code) == ("REJECTED", 422), fb
        assert [e["message"] for e in fb.errors] == [identifier_problem(event.identifier)], fb


def assert_all_committed(broker: TansuBroker, topics: Topics, timeout_s: float = 30.0) -> None:
    """The group's committed offset reached the end of every input partition."""
    produced = produced_per_partition(broker.bootstrap, topics)

    def caught_up() -> bool:
        offsets = committed(broker.bootstrap, topics)
        return all(offsets.get(p, -1) == n for p, n in produced.items() if n > 0)

    wait_for(caught_up, timeout_s, f"committed offsets to reach {produced}")


def assert_restart_repeats_nothing(
    broker: TansuBroker, sim: AkeneoSimulator, topics: Topics, restart: Callable[[], object]
) -> dict[str, list[FeedbackEvent]]:
    """A service started again (``restart()``, the first one stopped) on the same group sends Akeneo
    nothing and feeds nothing back a second time: everything was committed. One new event on each
    partition marks how far it has read; returns all the feedback there is, by event id."""
    sim.reset_stats()
    restart()
    sentinels = list(sample_events(topics.partitions, seed=97, invalid_every=0, prefix="SENTINEL"))
    for partition, event in enumerate(sentinels):
        produce(broker.bootstrap, topics.input, [event], partition=partition)
    read_feedback(broker.bootstrap, topics, {e.event_id for e in sentinels})
    assert_all_committed(broker, topics)
    feedback = read_feedback(broker.bootstrap, topics, set())  # all of it: everything was committed
    assert not {event_id: len(fbs) for event_id, fbs in feedback.items() if len(fbs) > 1}
    lines = sum(sim.stats()["product_lines"].values())
    assert (lines, sim.request_count("DELETE")) == (len(sentinels), 0)
    return feedback


def assert_landed(
    broker: TansuBroker,
    sim: AkeneoSimulator,
    topics: Topics,
    events: Sequence[ChangeEvent],
    expected: Expectation,
    timeout_s: float = 120.0,
) -> dict[str, list[FeedbackEvent]]:
    """What a user checks after a stream: every event fed back with the status its mapping predicts
    (valid ones CREATED/UPDATED, none FAILED), Akeneo holding exactly what was mapped, written in each
    product's order, and the offsets committed to the end. Returns the feedback by event id."""
    feedback = read_feedback(broker.bootstrap, topics, {e.event_id for e in events}, timeout_s=timeout_s)
    assert_feedback(events, {e.event_id: feedback[e.event_id] for e in events}, expected)
    assert_akeneo_state(sim, expected)
    assert_applied_in_order(sim, expected)
    assert_all_committed(broker, topics)
    return feedback
