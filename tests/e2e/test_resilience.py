"""Crashes, faults, outages, token expiry, poison and shutdown: nothing lost, state right."""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

from consumer.codec import make_codec
from consumer.devstack.akeneo_sim import AkeneoSimulator
from consumer.devstack.kafka_broker import TansuBroker
from consumer.devstack.sample_data import sample_events
from consumer.feedback import H_ERROR, H_OFFSET, H_PARTITION, H_TOPIC

from .checks import assert_akeneo_state, assert_all_committed, assert_feedback
from .conftest import Launch
from .harness import Topics, committed, metric, probe, produce, read_feedback, read_until, wait_for
from .oracle import expect


def _rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    assert match is not None
    return int(match.group(1))


def test_kill_9_at_a_random_point_loses_nothing(
    kafka_broker: TansuBroker, sim: AkeneoSimulator, topics: Topics, launch: Launch
) -> None:
    events = list(sample_events(3000, seed=11, updates_every=5))
    expected = expect(events)
    produce(kafka_broker.bootstrap, topics.input, events)
    sim.set_knobs(latency_base_s=0.02)
    kill_after = random.Random().randint(3, 20)  # PATCH requests answered before the kill
    print(f"killing after {kill_after} collection requests")
    first = launch(BATCH_LIMIT="50")
    wait_for(lambda: sim.request_count("PATCH") >= kill_after, 60, "some batches")
    first.kill()
    assert len(sim.products) < len(expected.state)  # killed mid-stream, not after

    launch(BATCH_LIMIT="50")
    feedback = read_feedback(kafka_broker.bootstrap, topics, {e.event_id for e in events})
    assert_feedback(events, feedback, expected)
    assert_akeneo_state(sim, expected)
    assert_all_committed(kafka_broker, topics)


def test_faults_and_a_60s_outage_lose_nothing_and_memory_stays_bounded(
    kafka_broker: TansuBroker, sim: AkeneoSimulator, topics: Topics, launch: Launch
) -> None:
    events = list(sample_events(12000, seed=5, updates_every=13))
    expected = expect(events)
    produce(kafka_broker.bootstrap, topics.input, events)
    sim.set_knobs(error_rate=0.1, drop_rate=0.1, latency_base_s=0.01)
    service = launch(MAX_BUFFERED_EVENTS="1000", BATCH_LIMIT="50")
    assert service.proc is not None
    wait_for(lambda: len(sim.products) > 1000, 120, "the stream to get going")

    sim.start_outage(60)
    outage_start = time.monotonic()
    rss_at_start = _rss_kib(service.proc.pid)
    peak_rss, peak_buffered, peak_paused = rss_at_start, 0.0, 0.0
    # The peak over the outage: once Akeneo is back (its Retry-After ends with the outage) the
    # service drains and resumes within a second, so one look at the end may see none paused.
    while time.monotonic() - outage_start < 60:
        time.sleep(2)
        peak_rss = max(peak_rss, _rss_kib(service.proc.pid))
        peak_buffered = max(peak_buffered, metric(service, "akeneo_consumer_buffered_events"))
        peak_paused = max(peak_paused, metric(service, "akeneo_consumer_paused_partitions"))
    stored_at_end = len(sim.products)
    print(f"outage: RSS {rss_at_start} -> peak {peak_rss} KiB, peak buffered events {peak_buffered}")
    # The backlog (about 10,000 events) stays in Kafka: the service holds at most its bound
    # plus one poll's worth, and its memory does not grow with the backlog.
    assert peak_buffered <= 1000 + 500
    assert peak_rss - rss_at_start < 64 * 1024
    assert peak_paused > 0

    feedback = read_feedback(kafka_broker.bootstrap, topics, {e.event_id for e in events}, timeout_s=300)
    recovered_s = time.monotonic() - outage_start - 60
    print(f"after the outage: all {len(events)} answered {recovered_s:.1f}s later ({stored_at_end} before)")
    assert_feedback(events, feedback, expected)
    assert_akeneo_state(sim, expected)
    assert_all_committed(kafka_broker, topics)
    assert sim.request_count(status=503) > 0 and sim.stats()["too_many_requests"] == 0


def test_tokens_expiring_every_few_seconds_fail_no_product(
    kafka_broker: TansuBroker, sim: AkeneoSimulator, topics: Topics, launch: Launch
) -> None:
    sim.set_knobs(token_ttl_s=2.0, latency_base_s=0.02)
    events = list(sample_events(1500, seed=2, updates_every=4))
    expected = expect(events)
    launch(BATCH_LIMIT="20")
    for start in range(0, len(events), 100):  # a trickle over about 15 s
        produce(kafka_broker.bootstrap, topics.input, events[start : start + 100])
        time.sleep(1.0)
    feedback = read_feedback(kafka_broker.bootstrap, topics, {e.event_id for e in events})
    assert_feedback(events, feedback, expected)
    assert not [fb for fbs in feedback.values() for fb in fbs if fb.status == "FAILED"]
    assert_akeneo_state(sim, expected)
    assert sum(sim.stats()["tokens_issued"].values()) >= 5  # tokens really did expire and renew


def test_poison_messages_go_to_the_dlq_and_good_events_still_land(
    kafka_broker: TansuBroker, sim: AkeneoSimulator, topics: Topics, launch: Launch
) -> None:
    events = list(sample_events(300, seed=4, invalid_every=0))
    expected = expect(events)
    avro = make_codec("avro").encode_change(events[0], topics.input)
    poison: list[tuple[bytes | None, bytes | None]] = [
        (b"garbage-1", b"\x00\xffnot json at all"),
        (b"missing-id", b'{"event_id": "e-1", "operation": "UPSERT", "values": {}}'),
        (b"bad-types", b'{"event_id": "e-2", "identifier": 42, "values": {"name": 1}}'),
        (b"wrong-format", avro),
        (None, b"[1, 2, 3]"),
    ]
    half = len(events) // 2
    produce(kafka_broker.bootstrap, topics.input, events[:half], raw=poison)
    produce(kafka_broker.bootstrap, topics.input, events[half:])
    launch()

    feedback = read_feedback(kafka_broker.bootstrap, topics, {e.event_id for e in events})
    good = {e.event_id for e in events}
    assert_feedback(events, {k: v for k, v in feedback.items() if k in good}, expected)
    assert_akeneo_state(sim, expected)
    dlq = read_until(
        kafka_broker.bootstrap, topics.dlq, lambda m: m, lambda got: len(got) >= len(poison), timeout_s=60
    )
    assert sorted(m.value() for m in dlq) == sorted(v for _, v in poison if v is not None)
    for message in dlq:
        headers = {k: v.decode() for k, v in message.headers()}
        assert headers[H_TOPIC] == topics.input and int(headers[H_OFFSET]) >= 0
        assert int(headers[H_PARTITION]) in range(topics.partitions)
        assert headers[H_ERROR].startswith("undecodable: ")
    rejected = {fb.identifier for fbs in feedback.values() for fb in fbs if fb.status == "REJECTED"}
    assert {"garbage-1", "missing-id", "bad-types", "wrong-format"} <= rejected
    assert_all_committed(kafka_broker, topics)


def test_sigterm_under_load_exits_0_and_loses_nothing_in_flight(
    kafka_broker: TansuBroker, sim: AkeneoSimulator, topics: Topics, launch: Launch
) -> None:
    events = list(sample_events(4000, seed=9, updates_every=6))
    expected = expect(events)
    produce(kafka_broker.bootstrap, topics.input, events)
    sim.set_knobs(latency_base_s=0.2)
    # A read-ahead smaller than the backlog: the SIGTERM comes with most of it not read yet.
    first = launch(BATCH_LIMIT="25", SHUTDOWN_GRACE_S="20", MAX_BUFFERED_EVENTS="500")
    wait_for(lambda: sim.request_count("PATCH") >= 8, 60, "batches in flight")
    assert first.terminate(timeout=40) == 0
    assert "unfinished" not in first.log_text()
    # Everything below the committed offsets has its feedback: nothing in flight was dropped.
    offsets = committed(kafka_broker.bootstrap, topics)
    done_early = read_feedback(kafka_broker.bootstrap, topics, set())
    answered = {(fb.partition, fb.offset) for fbs in done_early.values() for fb in fbs}
    assert sum(max(o, 0) for o in offsets.values()) > 0
    for partition, offset in offsets.items():
        missing = [o for o in range(max(offset, 0)) if (partition, o) not in answered]
        assert not missing, (partition, missing[:5])
    assert len(sim.products) < len(expected.state)  # stopped mid-stream

    sim.set_knobs(latency_base_s=0.0)
    launch()
    feedback = read_feedback(kafka_broker.bootstrap, topics, {e.event_id for e in events})
    assert_feedback(events, feedback, expected)
    assert_akeneo_state(sim, expected)
    assert_all_committed(kafka_broker, topics)


def test_inactive_service_serves_probes_and_consumes_nothing(
    kafka_broker: TansuBroker, sim: AkeneoSimulator, topics: Topics, launch: Launch
) -> None:
    produce(kafka_broker.bootstrap, topics.input, list(sample_events(10, seed=1)))
    service = launch(ACTIVE="false")
    wait_for(lambda: probe(service.metrics_url + "/readyz") == 200, 30, "readiness")
    assert probe(service.metrics_url + "/healthz") == 200
    time.sleep(3)
    assert sim.request_count() == 0
    assert committed(kafka_broker.bootstrap, topics) == dict.fromkeys(range(topics.partitions), -1001)
    assert service.terminate(timeout=10) == 0
