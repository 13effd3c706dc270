"""Feedback the broker does not acknowledge: retried with backoff when it may pass later, made
smaller or sent to the DLQ instead when it never will, and never a crash or a hot loop."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from confluent_kafka import KafkaError, KafkaException

from consumer.feedback import H_ERROR, H_REDUCED

from .fakes import kafka_error
from .rig import DLQ, RESULTS, Rig

DENIED = KafkaError.TOPIC_AUTHORIZATION_FAILED


def headers(message: object) -> dict[str, bytes]:
    return dict(message.headers() or [])  # type: ignore[attr-defined]


def test_a_transient_delivery_failure_is_produced_again_with_backoff_and_the_commit_waits(rig: Rig) -> None:
    rig.assign()
    rig.producer.failing_topics[RESULTS] = kafka_error(KafkaError._TRANSPORT, "broker down")
    rig.produce("A", partition=0)
    rig.run_for(60.0)
    # Backoff doubling from 0.5 s (jittered, capped at 30 s): a handful of tries in a minute.
    assert 5 <= rig.producer.produced[RESULTS] <= 10
    assert rig.sample("feedback_delivery_errors_total") == rig.producer.produced[RESULTS]
    assert rig.committed(0) is None and rig.pipeline.open_events == 1
    del rig.producer.failing_topics[RESULTS]
    rig.drain()
    assert rig.statuses() == {"A": ["CREATED"]}
    assert rig.committed(0) == 1


def test_feedback_too_large_for_the_broker_is_published_reduced(rig: Rig) -> None:
    rig.assign()
    rig.producer.next_failures.append(kafka_error(KafkaError.MSG_SIZE_TOO_LARGE))
    rig.produce("A", partition=0, name="a long name")
    rig.drain()
    [message] = rig.feedback_messages()
    assert headers(message)[H_REDUCED] == b"values"
    [event] = rig.feedback()
    assert (event.status, event.values) == ("CREATED", {})
    assert "feedback reduced" in (event.message or "")
    assert rig.sample("feedback_reduced_total") == 1


def test_the_commit_waits_for_the_reduced_feedback_to_be_acknowledged(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig(commit_interval_s=0.1)
    rig.assign()
    rig.producer.next_failures.extend(
        [kafka_error(KafkaError.MSG_SIZE_TOO_LARGE), kafka_error(KafkaError._TRANSPORT)]
    )
    rig.produce("A", partition=0)
    rig.run_until(lambda: rig.sample("feedback_delivery_errors_total") == 2, "both deliveries failed")
    rig.clock.advance(0.2)  # commits are due, the reduced feedback's retry (0.25 s at the soonest) not yet
    rig.turn(3)
    assert rig.feedback() == []
    assert rig.committed(0) is None
    rig.drain()
    assert len(rig.feedback()) == 1 and rig.committed(0) == 1


def test_feedback_to_a_topic_the_service_may_not_write_goes_to_the_dlq_instead(rig: Rig) -> None:
    rig.assign()
    rig.producer.failing_topics[RESULTS] = kafka_error(DENIED)
    message = rig.produce("A", partition=0)
    rig.drain()
    [copy] = rig.dlq()
    assert copy.value() == message.value()
    assert headers(copy)[H_ERROR].startswith(b"feedback undeliverable")
    assert rig.sample("dlq_messages_total", reason="feedback undeliverable") == 1
    assert rig.committed(0) == 1


def test_an_event_whose_feedback_and_dlq_copy_are_both_refused_is_let_go(rig: Rig) -> None:
    rig.assign()
    rig.producer.failing_topics[RESULTS] = kafka_error(DENIED)
    rig.producer.failing_topics[DLQ] = kafka_error(DENIED)
    rig.produce("A", partition=0)
    rig.produce("B", partition=0)
    rig.drain()  # the partition moves on
    assert rig.feedback() == [] and rig.dlq() == []
    assert rig.sample("feedback_dropped_total", kind="dlq") == 2
    assert rig.committed(0) == 2


def test_oversized_feedback_is_reduced_before_it_is_produced(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig(max_message_bytes=4096)
    rig.assign()
    rig.produce("A", partition=0, description="x" * 5000)
    rig.drain()
    [message] = rig.feedback_messages()
    assert headers(message)[H_REDUCED] == b"values"
    assert len(message.value() or b"") <= 4096
    assert rig.producer.produced[RESULTS] == 1  # never offered the broker at full size
    assert rig.sample("feedback_delivery_errors_total") == 0


def test_a_message_the_producer_refuses_outright_does_not_escape_the_loop(
    make_rig: Callable[..., Rig],
) -> None:
    rig = make_rig(producer_max_bytes=3000)  # smaller than the results topic's limit the service knows
    rig.assign()
    rig.produce("A", partition=0, description="x" * 4000)  # its feedback raises in produce()
    rig.produce_raw(b"bad", b"\xff" * 5000, partition=0)  # undecodable; its DLQ copy raises too
    rig.drain()
    assert [e.status for e in rig.feedback()] == ["CREATED", "REJECTED"]
    assert headers(rig.feedback_messages()[0])[H_REDUCED] == b"values"
    [copy] = rig.dlq()
    assert copy.value() is None
    assert headers(copy)[H_REDUCED] == b"value of 5000 bytes"


def test_a_full_local_producer_queue_is_waited_out(rig: Rig) -> None:
    rig.producer.queue_limit = 2
    rig.assign()
    for n in range(10):
        rig.produce(f"P{n}", partition=0)
    rig.drain()
    assert len(rig.feedback()) == 10


def test_a_fatal_producer_error_stops_the_loop_with_nothing_committed_past_it(rig: Rig) -> None:
    rig.assign()
    rig.producer.next_failures.append(kafka_error(KafkaError._FENCED, "fenced", fatal=True))
    rig.produce("A", partition=0)
    with pytest.raises(KafkaException):
        rig.run_for(5.0)
    assert rig.committed(0) is None


def test_feedback_that_fits_in_no_form_is_counted_and_let_go(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig(max_message_bytes=2048)
    rig.assign()
    rig.produce("I" * 1500, partition=0)  # the key alone leaves no room for the event
    rig.produce("next", partition=0)
    rig.drain()
    assert [e.identifier for e in rig.feedback()] == ["next"]
    assert rig.sample("feedback_dropped_total", kind="too_large") == 1
    assert rig.committed(0) == 2
