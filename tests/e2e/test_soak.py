"""Soak (issue 9, "Must show"): every kind of bad input, mixed into a stream of good events, while
Akeneo misbehaves at random; the service carries on and every event ends where it should.

Lost answers are dropped connections, and slow answers stay within ``AKENEO_TIMEOUT_S``: a request
held past the client's timeout *before* Akeneo handles it can still be applied after the product's
next write, reverting it (docs/service.md, known limits), which no retry of the client can undo.
"""

from __future__ import annotations

import random

import pytest

from consumer.codec import ChangeEvent
from consumer.devstack.akeneo_sim import AkeneoSimulator
from consumer.devstack.kafka_broker import TansuBroker
from consumer.devstack.sample_data import sample_events
from consumer.feedback import H_ERROR, H_REDUCED

from .bad_input import (
    ambiguous,
    bad_identifier_events,
    malformed,
    undecodable_of,
    unknown_columns_row,
    valid_row_of,
)
from .checks import assert_identifiers_refused, assert_landed
from .conftest import Launch
from .harness import Raw, Topics, metric, probe, produce, read_feedback, read_until, settled, wait_for
from .oracle import expect

EVENTS = 8000
# Akeneo misbehaving at random (seeded), from the moment the service is ready.
FAULTS = {
    "latency_base_s": 0.5,  # a request of 20 in 0.7 s: about two minutes for 8,000 events
    "latency_per_product_s": 0.01,
    "error_rate": 0.05,  # 500, 502 (an HTML page), 503
    "max_concurrency": 3,  # the service's 4th concurrent request gets 429 + Retry-After
    "short_answer_rate": 0.1,  # 200 answers missing their last lines
    "slow_rate": 0.03,  # answers 1.5 s late (within AKENEO_TIMEOUT_S, see below)
    "slow_s": 1.5,
    "drop_rate": 0.02,  # connections closed without an answer: the client's timeout, sooner
    "seed": 61,
}


@pytest.mark.soak
@pytest.mark.timeout(420)
def test_bad_input_mixed_with_good_while_akeneo_misbehaves_ends_each_event_where_it_should(
    kafka_broker: TansuBroker, sim: AkeneoSimulator, topics: Topics, launch: Launch
) -> None:
    # Good rows (some products changed several times) and rows of invalid values or unknown columns.
    stream = list(sample_events(EVENTS, seed=61, invalid_every=10, updates_every=4))
    huge = valid_row_of("soak-huge", "SOAK-HUGE")  # valid, too large to echo
    unknown = unknown_columns_row("soak-unknown", "SOAK-UNKNOWN")
    bad_ids = bad_identifier_events("soak")  # upserts and deletes
    undecodable = [*malformed(), *ambiguous(), undecodable_of(b"SOAK-CUT")]
    tombstones: list[Raw] = [(e.identifier.encode(), None) for e in stream[::800]] + [(None, None)]
    mixed: list[ChangeEvent | Raw] = list(stream)
    rng = random.Random(61)
    for bad in [huge, unknown, *bad_ids, *undecodable, *tombstones]:
        mixed.insert(rng.randrange(len(mixed) + 1), bad)

    # Batches of 20: hundreds of requests, so each fault comes up many times.
    service = launch(AKENEO_TIMEOUT_S="5", BATCH_LIMIT="20")
    wait_for(lambda: probe(f"{service.metrics_url}/readyz") == 200, 60, "the service to be ready")
    sim.set_knobs(**FAULTS)
    produce(kafka_broker.bootstrap, topics.input, mixed)

    # Every good event CREATED/UPDATED, Akeneo holding exactly what was mapped, in each product's
    # order; every invalid row REJECTED naming its columns; committed to the end of the topic.
    expected = expect([*stream, huge])
    assert 0.08 < len(expected.rejected) / EVENTS < 0.12
    feedback = assert_landed(kafka_broker, sim, topics, stream, expected, timeout_s=360)
    assert service.proc is not None and service.proc.poll() is None, "the service exited"
    assert feedback[huge.event_id][-1].status in ("CREATED", "UPDATED")
    rejected = feedback[unknown.event_id][-1]
    assert (rejected.status, rejected.status_code) == ("REJECTED", 422)
    assert all('attribute "no_such_column_' in e["message"] for e in rejected.errors)
    assert_identifiers_refused(bad_ids, feedback)

    # Every undecodable message in the DLQ naming why (the oversized one without its value), and
    # REJECTED to the product of its key; tombstones SKIPPED saying why.
    copies = read_until(kafka_broker.bootstrap, topics.dlq, lambda m: m, settled(), timeout_s=60)
    assert sorted(m.key() or b"" for m in copies) == sorted(key or b"" for key, _ in undecodable)
    for copy in copies:
        headers = dict(copy.headers() or [])
        assert headers[H_ERROR].startswith(b"undecodable: "), headers
        assert copy.value() == dict(undecodable)[copy.key()] or H_REDUCED in headers
    everything = read_feedback(kafka_broker.bootstrap, topics, set())  # committed: all of it is in
    answers = [fb for fbs in everything.values() for fb in fbs]
    for key, _ in undecodable:
        if key is not None:
            (answer,) = [fb for fb in answers if fb.identifier == key.decode()]
            assert answer.status == "REJECTED" and "undecodable" in (answer.message or ""), answer
    for key, _ in tombstones:
        if key is not None:
            (skipped,) = [fb for fb in answers if fb.identifier == key.decode() and fb.status == "SKIPPED"]
            assert "TOMBSTONE_DELETE" in (skipped.message or ""), skipped

    # Akeneo did misbehave in every way meant.
    stats = sim.stats()
    print({name: stats[name] for name in ("requests_total", "events", "product_lines")})
    statuses = {r["status"] for r in stats["requests"]}
    assert 429 in statuses and any(500 <= status < 600 for status in statuses), statuses
    assert stats["events"].get("short_answers", 0) and stats["events"].get("dropped", 0), stats["events"]
    assert metric(service, 'akeneo_consumer_akeneo_retries_total{reason="connection"}') > 0
    assert service.terminate() == 0
