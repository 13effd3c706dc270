"""What each kind of event becomes: its feedback, its DLQ copy, what Akeneo receives, the metrics."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from consumer.akeneo import AkeneoApiError
from consumer.feedback import H_ERROR, H_OFFSET, H_PARTITION, H_TOPIC
from consumer.service import akeneo_step
from consumer.service.map_step import DRY_RUN, INVALID

from .rig import TOPIC, Rig


def test_a_tombstone_is_skipped_unless_tombstones_delete(make_rig: Callable[..., Rig]) -> None:
    skipping = make_rig()
    skipping.assign()
    skipping.produce_raw(b"gone", None, partition=0)
    skipping.produce_raw(None, None, partition=0)  # no key: nothing to say it about
    skipping.drain()
    [event] = skipping.feedback()
    assert (event.identifier, event.status, event.status_code) == ("gone", "SKIPPED", 0)
    assert event.event_id == f"{TOPIC}:0:0"
    assert skipping.akeneo.calls == 0

    deleting = make_rig(tombstone_delete=True)
    deleting.assign()
    deleting.produce("gone", partition=0)
    deleting.produce_raw(b"gone", None, partition=0)
    deleting.drain()
    assert deleting.statuses() == {"gone": ["CREATED", "DELETED"]}
    assert deleting.akeneo.writes["gone"] == ["0", "DELETE"]


def test_deletes_count_a_missing_product_as_deleted(rig: Rig) -> None:
    rig.assign()
    rig.produce("kept", partition=0)
    rig.drain()
    rig.produce("kept", "DELETE", partition=0)
    rig.produce("ghost", "DELETE", partition=1)
    rig.drain()
    by_id = {e.identifier: e for e in rig.feedback() if e.operation == "DELETE"}
    assert (by_id["kept"].status, by_id["kept"].status_code) == ("DELETED", 204)
    assert (by_id["ghost"].status, by_id["ghost"].status_code) == ("DELETED", 404)
    assert "did not exist" in (by_id["ghost"].message or "")
    assert "kept" not in rig.akeneo.products


def test_an_undecodable_message_is_copied_to_the_dlq_and_rejected(rig: Rig) -> None:
    rig.assign()
    message = rig.produce_raw(b"broken", b"{not json", partition=2, headers=[("trace", b"t-1")])
    rig.drain()
    [event] = rig.feedback()
    assert (event.identifier, event.status, event.status_code) == ("broken", "REJECTED", 422)
    assert "copied to the DLQ" in (event.message or "")
    [copy] = rig.dlq()
    assert (copy.key(), copy.value()) == (b"broken", message.value())
    headers = dict(copy.headers() or [])
    assert headers["trace"] == b"t-1"  # the message's own headers kept
    assert headers[H_ERROR].startswith(b"undecodable: ")
    assert (headers[H_TOPIC], headers[H_PARTITION], headers[H_OFFSET]) == (TOPIC.encode(), b"2", b"0")
    assert rig.sample("dlq_messages_total", reason="undecodable") == 1
    assert rig.akeneo.calls == 0


def test_a_dry_run_validates_and_feeds_back_but_sends_nothing(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig(dry_run=True)
    rig.assign()
    rig.produce("valid", partition=0)
    rig.produce("invalid", partition=0, bad="not a number")
    rig.produce("removed", "DELETE", partition=0)
    rig.drain()
    by_id = {e.identifier: e for e in rig.feedback()}
    assert (by_id["valid"].status, by_id["valid"].message, by_id["valid"].dry_run) == (
        "SKIPPED",
        DRY_RUN,
        True,
    )
    assert by_id["removed"].status == "SKIPPED"
    assert by_id["invalid"].status == "REJECTED"
    assert rig.akeneo.calls == 0


def test_a_row_the_mapping_rejects_is_answered_with_its_errors_and_never_sent(rig: Rig) -> None:
    rig.assign()
    rig.produce("P", partition=0, bad="not a number")
    rig.drain()
    [event] = rig.feedback()
    assert (event.status, event.status_code, event.message) == ("REJECTED", 422, INVALID)
    assert [e["message"] for e in event.errors] == ['Column "bad": not a number']
    assert rig.akeneo.calls == 0 and rig.dlq() == []


def test_akeneo_rejecting_a_product_rejects_it_alone_and_asks_for_a_catalog_refresh(rig: Rig) -> None:
    rig.assign()
    rig.produce("good", partition=0)
    rig.produce("refused", partition=0, reject="unknown option")
    rig.drain()
    by_id = {e.identifier: e for e in rig.feedback()}
    assert (by_id["good"].status, by_id["refused"].status, by_id["refused"].status_code) == (
        "CREATED",
        "REJECTED",
        422,
    )
    assert [e["message"] for e in by_id["refused"].errors] == ["unknown option"]
    assert [e["message"] for e in rig.rejected] == ["unknown option"]
    assert rig.dlq() == []


@pytest.mark.parametrize(
    ("trouble", "status", "code", "message"),
    [
        ("unavailable", "FAILED", 0, "Akeneo unavailable, gave up retrying"),
        ("crash", "FAILED", 0, "internal error: RuntimeError"),
        ("too large", "REJECTED", 413, "Request Entity Too Large"),
    ],
)
def test_a_batch_akeneo_does_not_answer_in_full(
    rig: Rig, trouble: str, status: str, code: int, message: str
) -> None:
    if trouble == "unavailable":
        rig.akeneo.unavailable = 1
    elif trouble == "crash":
        rig.akeneo.crash = RuntimeError("bug")
    else:
        rig.akeneo.api_error = AkeneoApiError(413, 413, "Request Entity Too Large")
    rig.assign()
    rig.produce("P", partition=0)
    rig.drain()
    [event] = rig.feedback()
    assert (event.status, event.status_code) == (status, code)
    assert message in (event.message or "")
    dlq = [dict(m.headers() or [])[H_ERROR] for m in rig.dlq()]
    assert dlq == ([f"Akeneo failed: {event.message}".encode()] if status == "FAILED" else [])


def test_a_line_akeneo_leaves_out_of_its_answer_is_sent_again_alone_after_a_backoff(rig: Rig) -> None:
    rig.akeneo.missing["P"] = 2
    rig.assign()
    rig.produce("P", partition=0)
    rig.produce("Q", partition=0)
    rig.drain()
    assert rig.akeneo.calls == 3  # P and Q, then P alone twice
    assert rig.akeneo.writes == {"Q": ["0"], "P": ["0"]}
    by_id = {e.identifier: e for e in rig.feedback()}
    assert (by_id["P"].status, by_id["P"].attempts, by_id["Q"].attempts) == ("CREATED", 3, 1)
    assert rig.sample("akeneo_retries_total", reason="line") == 2


def test_a_line_left_out_until_the_give_up_time_fails_with_a_dlq_copy(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig(give_up_s=10.0)
    rig.akeneo.missing["P"] = 1_000_000
    rig.assign()
    rig.produce("P", partition=0)
    rig.drain()
    [event] = rig.feedback()
    assert (event.status, event.status_code) == ("FAILED", 0)
    assert "gave up after" in (event.message or "")
    assert [dict(m.headers() or [])[H_ERROR] for m in rig.dlq()] == [
        f"Akeneo failed: {event.message}".encode()
    ]


def test_refused_credentials_fail_readiness_until_akeneo_takes_them_again(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(akeneo_step, "AUTH_RETRY_S", 0.01)
    rig.health.assigned = True
    rig.akeneo.auth_failures = 3
    readiness: list[bool] = []

    def committed_noting_readiness() -> bool:
        readiness.append(rig.health.akeneo_reachable)
        return rig.all_committed()

    rig.assign()
    rig.produce("P", partition=0)
    rig.run_until(committed_noting_readiness, "committed")
    assert False in readiness and rig.health.akeneo_reachable
    assert rig.statuses() == {"P": ["CREATED"]}  # the product did nothing wrong


def test_metrics_count_events_by_status(rig: Rig) -> None:
    rig.assign()
    rig.produce("A", partition=0)
    rig.produce("B", partition=1, bad="x")
    rig.produce_raw(b"T", None, partition=1)
    rig.drain()
    rig.produce("A", partition=0)
    rig.drain()
    assert rig.sample("events_consumed_total", topic=TOPIC) == 4
    counts = {
        s: rig.sample("events_processed_total", status=s)
        for s in ("CREATED", "UPDATED", "REJECTED", "SKIPPED")
    }
    assert counts == {"CREATED": 1, "UPDATED": 1, "REJECTED": 1, "SKIPPED": 1}
    assert rig.sample("buffered_events") == 0
    assert rig.sample("batch_size_events_count") >= 1
    assert rig.sample("event_to_answer_seconds_count") == 2  # the events Akeneo answered


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [(None, "FAILED", 0), (AkeneoApiError(403, 403, "Access forbidden"), "REJECTED", 403)],
)
def test_a_delete_akeneo_does_not_answer_or_refuses(
    rig: Rig, error: AkeneoApiError | None, status: str, code: int
) -> None:
    if error is None:
        rig.akeneo.unavailable = 1
    rig.akeneo.api_error = error
    rig.assign()
    rig.produce("P", "DELETE", partition=0)
    rig.drain()
    [event] = rig.feedback()
    assert (event.operation, event.status, event.status_code) == ("DELETE", status, code)
    assert len(rig.dlq()) == (status == "FAILED")


def test_without_a_results_topic_only_dlq_copies_are_published(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig(results_topic="")
    rig.assign()
    rig.produce("P", partition=0)
    rig.produce_raw(b"broken", b"{not json", partition=0)
    rig.drain()
    assert rig.feedback() == [] and len(rig.dlq()) == 1
    assert rig.akeneo.writes == {"P": ["0"]}


def test_a_delete_of_an_identifier_akeneo_cannot_take_is_rejected_before_sending(rig: Rig) -> None:
    rig.assign()
    rig.produce("..", "DELETE", partition=0)  # as a URL path segment it would delete elsewhere
    rig.drain()
    [event] = rig.feedback()
    assert (event.status, event.status_code) == ("REJECTED", 422)
    assert "dot segment" in (event.message or "")
    assert [e["property"] for e in event.errors] == ["identifier"]
    assert rig.akeneo.calls == 0
