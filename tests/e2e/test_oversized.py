"""Events too large to echo in feedback or to copy to the DLQ (issue 9, item 1): a smaller, honest
message instead, and the stream goes on."""

from __future__ import annotations

from typing import Any

from consumer.codec import make_codec
from consumer.devstack.akeneo_sim import AkeneoSimulator
from consumer.devstack.kafka_broker import TansuBroker
from consumer.devstack.sample_data import sample_events
from consumer.feedback import H_ERROR, H_OFFSET, H_REDUCED

from .bad_input import UNDECODABLE_BYTES, UNKNOWN_COLUMNS, undecodable_of, unknown_columns_row, valid_row_of
from .checks import assert_akeneo_state, assert_all_committed, assert_feedback, assert_restart_repeats_nothing
from .conftest import Launch
from .harness import Topics, produce, read_feedback, read_until, settled
from .oracle import expect


def _by_key(bootstrap: str, topic: str, keys: set[bytes]) -> dict[bytes, Any]:
    """The messages of ``topic`` with these keys, read raw (headers included), by key."""
    messages = read_until(bootstrap, topic, lambda m: m, settled(), timeout_s=60)
    return {m.key(): m for m in messages if m.key() in keys}


def test_an_event_whose_feedback_or_dlq_copy_is_too_large_gets_a_reduced_one_and_the_stream_goes_on(
    kafka_broker: TansuBroker, sim: AkeneoSimulator, topics: Topics, launch: Launch
) -> None:
    good = list(sample_events(300, seed=31, invalid_every=0))
    unknown = unknown_columns_row("big-unknown", "BIG-UNKNOWN")  # 6,000 errors, 840 KB echoed
    huge = valid_row_of("big-valid", "BIG-VALID")  # 999,850 bytes: valid, its echo is not
    cut = undecodable_of(b"BIG-CUT")  # 999,809 bytes: its DLQ copy is over the limit
    bootstrap = kafka_broker.bootstrap
    half = len(good) // 2  # good events before and behind them, on every partition
    produce(bootstrap, topics.input, [*good[:half], unknown, huge], raw=[cut])
    produce(bootstrap, topics.input, good[half:])
    service = launch()

    feedback = read_feedback(bootstrap, topics, {e.event_id for e in [*good, unknown, huge]})
    assert service.proc is not None and service.proc.poll() is None  # still running
    assert_feedback(good, {e.event_id: feedback[e.event_id] for e in good}, expect(good))
    assert_akeneo_state(sim, expect([*good, huge]))  # the huge row landed exactly as mapped
    assert_all_committed(kafka_broker, topics)

    # What a user reads: the feedback says what it left out and why; its header says so too.
    results = _by_key(bootstrap, topics.results, {b"BIG-UNKNOWN", b"BIG-VALID", b"BIG-CUT"})
    assert {key: dict(m.headers() or []).get(H_REDUCED) for key, m in results.items()} == {
        b"BIG-UNKNOWN": b"values",
        b"BIG-VALID": b"values",
        b"BIG-CUT": None,  # its feedback is small: the message was not readable, nothing is echoed
    }
    rejected = feedback[unknown.event_id][-1]
    assert (rejected.status, rejected.status_code, rejected.values) == ("REJECTED", 422, {})
    assert len(rejected.errors) == 10
    assert all('attribute "no_such_column_' in e["message"] for e in rejected.errors)
    note = f"{UNKNOWN_COLUMNS} echoed values and {UNKNOWN_COLUMNS - 10} of {UNKNOWN_COLUMNS} errors left out"
    assert "feedback reduced to fit the results topic's" in (rejected.message or "")
    assert note in (rejected.message or "")
    created = feedback[huge.event_id][-1]
    assert (created.status, created.status_code, created.values) == ("CREATED", 201, {})
    assert f"{len(huge.values)} echoed values left out" in (created.message or "")

    # The undecodable one: REJECTED naming why, and a DLQ copy without its value saying where it is.
    cut_answer = make_codec("json").decode_feedback(results[b"BIG-CUT"].value(), topics.results)
    assert (cut_answer.status, cut_answer.status_code) == ("REJECTED", 422)
    assert "undecodable" in (cut_answer.message or "") and "DLQ" in (cut_answer.message or "")
    (copy,) = read_until(bootstrap, topics.dlq, lambda m: m, settled(), timeout_s=60)
    headers = dict(copy.headers() or [])
    assert (copy.key(), copy.value()) == (b"BIG-CUT", None)
    assert headers[H_ERROR].startswith(b"undecodable: ")
    assert headers[H_REDUCED] == f"value of {UNDECODABLE_BYTES} bytes".encode()
    assert int(headers[H_OFFSET]) == cut_answer.offset  # where the original is

    # Committed: a service started again sends none of them to Akeneo nor feeds them back again.
    assert service.terminate() == 0
    assert_restart_repeats_nothing(kafka_broker, sim, topics, launch)
