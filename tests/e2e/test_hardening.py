"""Bad input and a careless Akeneo, end to end: refused naming why, no secret shown, good events land."""

from __future__ import annotations

import re

from consumer.codec import ChangeEvent
from consumer.devstack.akeneo_sim import AkeneoSimulator
from consumer.devstack.kafka_broker import TansuBroker
from consumer.devstack.sample_data import sample_events
from consumer.feedback import H_ERROR

from .bad_input import BAD_IDENTIFIERS, ambiguous
from .checks import assert_akeneo_state, assert_all_committed, assert_feedback, assert_identifiers_refused
from .conftest import Launch
from .harness import Topics, produce, read_feedback, read_until, settled
from .oracle import expect

PRODUCTS_ROUTE = "/api/rest/v1/products"


def _tokens_in(text: str) -> list[str]:
    return re.findall(r"(?:Bearer|Basic)\s+[A-Za-z0-9_=+/-]{12,}", text)


def test_unusable_identifiers_ambiguous_and_mis_encoded_events_are_refused_naming_why(
    kafka_broker: TansuBroker, sim: AkeneoSimulator, topics: Topics, launch: Launch
) -> None:
    good = list(sample_events(120, seed=21, invalid_every=0))
    bad_ids = [
        ChangeEvent(f"bad-id-{n}", 1_790_000_000_000, "UPSERT", identifier, {"name": "Printer"})
        for n, identifier in enumerate(BAD_IDENTIFIERS)
    ]
    raw = ambiguous()
    produce(kafka_broker.bootstrap, topics.input, good[:60] + bad_ids, raw=raw)
    produce(kafka_broker.bootstrap, topics.input, good[60:])
    launch()

    expected_ids = {e.event_id for e in good + bad_ids} | {"dup-col"}  # the others have no readable id
    feedback = read_feedback(kafka_broker.bootstrap, topics, expected_ids)
    assert_feedback(good, {e.event_id: feedback[e.event_id] for e in good}, expect(good))
    assert_akeneo_state(sim, expect(good))  # nothing of the bad events reached Akeneo
    assert_identifiers_refused(bad_ids, feedback)

    dlq = read_until(kafka_broker.bootstrap, topics.dlq, lambda m: m, lambda got: len(got) >= len(raw))
    reasons = {m.key(): dict(m.headers())[H_ERROR].decode() for m in dlq}
    offset = raw[2][1].index(0xE9)  # type: ignore[union-attr]
    assert reasons == {
        b"twice-a": "undecodable: identifier appears twice",
        b"dup-col": "undecodable: values.name appears twice",
        b"latin1": f"undecodable: not valid UTF-8 (byte 0xe9 at offset {offset})",
    }
    # The product of each still hears why (by the Kafka key when the identifier is what is ambiguous).
    by_identifier = {fb.identifier: fb for fbs in feedback.values() for fb in fbs if fb.status == "REJECTED"}
    assert "identifier appears twice" in (by_identifier["twice-a"].message or "")
    assert "values.name appears twice" in (by_identifier["dup-col"].message or "")
    assert "not valid UTF-8" in (by_identifier["latin1"].message or "")
    assert_all_committed(kafka_broker, topics)


def test_an_akeneo_answer_echoing_the_token_reaches_no_feedback_dlq_or_log(
    kafka_broker: TansuBroker, sim: AkeneoSimulator, topics: Topics, launch: Launch
) -> None:
    events = list(sample_events(40, seed=22, invalid_every=0))
    sim.fail_next(1, 400, echo_headers=True, route=PRODUCTS_ROUTE)  # the first batch, answered whole
    sim.fail_next(1, 422, echo_headers=True, route=PRODUCTS_ROUTE)  # and the next
    # All waiting before the start, so the first two batches are full ones of 10 (produced later,
    # a batch's linger could end with fewer read).
    produce(kafka_broker.bootstrap, topics.input, events)
    service = launch(LOG_LEVEL="DEBUG", BATCH_LIMIT="10", RETRY_GIVE_UP_S="30")
    feedback = read_feedback(kafka_broker.bootstrap, topics, {e.event_id for e in events})
    answers = [fbs[-1] for fbs in feedback.values()]
    echoed = [fb for fb in answers if fb.status == "REJECTED"]
    assert {fb.status_code for fb in echoed} == {400, 422} and len(echoed) == 20
    assert all("Authorization: ***" in (fb.message or "") for fb in echoed)
    assert {fb.status for fb in answers} == {"REJECTED", "CREATED"}
    shown = " ".join(f"{fb.message} {fb.errors}" for fb in answers)
    dlq = read_until(kafka_broker.bootstrap, topics.dlq, lambda m: m, settled(1.0), timeout_s=20)
    shown += " ".join(str(m.headers()) for m in dlq)
    assert service.terminate() == 0
    shown += service.log_text()
    assert _tokens_in(shown) == [] and "sim-secret" not in shown


def test_deleting_dot_segments_is_refused_per_product_and_sends_nothing(
    kafka_broker: TansuBroker, sim: AkeneoSimulator, topics: Topics, launch: Launch
) -> None:
    """`DELETE /products/..` would be `DELETE /api/rest/v1/` once the HTTP stack resolved it; it used
    to be reported DELETED. Deletes get the identifier checks upserts get, before anything is sent
    (identifiers of spaces only, or of 300 characters, too), per product, beside good deletes."""
    sim.seed_products([{"identifier": "."}, {"identifier": ".."}, {"identifier": "gone-soon"}])
    bad = [".", "..", "   ", "x" * 300]
    deletes = [
        ChangeEvent(f"del-{n}", 1_790_000_000_000, "DELETE", identifier, {})
        for n, identifier in enumerate([".", "gone-soon", "..", "   ", "x" * 300])
    ]
    produce(kafka_broker.bootstrap, topics.input, deletes)
    launch()
    feedback = read_feedback(kafka_broker.bootstrap, topics, {e.event_id for e in deletes})
    answers = {e.identifier: feedback[e.event_id][-1] for e in deletes}
    assert (answers["gone-soon"].status, answers["gone-soon"].status_code) == ("DELETED", 204)
    reasons = {".": "dot segment", "..": "dot segment", "   ": "whitespace", "x" * 300: "over Akeneo's 255"}
    for identifier in bad:
        assert (answers[identifier].status, answers[identifier].status_code) == ("REJECTED", 422)
        assert reasons[identifier] in (answers[identifier].message or "")
    assert set(sim.products) == {".", ".."}
    assert sim.request_count("DELETE") == 1
