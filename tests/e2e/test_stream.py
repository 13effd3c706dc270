"""The stream as a user sees it: realistic rows in, Akeneo's state, feedback and commits out."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import orjson
import pytest
import requests

from consumer.codec import ChangeEvent, FeedbackEvent
from consumer.devstack.akeneo_sim import AkeneoSimulator
from consumer.devstack.kafka_broker import TansuBroker
from consumer.devstack.sample_data import sample_events
from consumer.devstack.schema_registry import SchemaRegistryStandIn
from consumer.speedups import compiled

from .checks import assert_akeneo_state, assert_all_committed, assert_feedback
from .conftest import Launch
from .harness import Topics, produce, read_feedback, wait_for
from .oracle import expect

ROWS = 3000
# The contract's list: events consumed and processed by status, requests by endpoint and status
# code with a latency histogram, batch sizes, in-flight requests, retries by reason, token
# refreshes, DLQ count, lag per partition, occurred_at to Akeneo's answer.
CONTRACT_METRICS = [
    "events_consumed_total counter",
    "events_processed_total counter",
    "akeneo_requests_total counter",
    "akeneo_request_duration_seconds histogram",
    "batch_size_events histogram",
    "akeneo_in_flight_requests gauge",
    "akeneo_retries_total counter",
    "akeneo_token_requests_total counter",
    "dlq_messages_total counter",
    "consumer_lag_messages gauge",
    "event_to_answer_seconds histogram",
]


@pytest.fixture
def registry() -> Iterator[SchemaRegistryStandIn]:
    with SchemaRegistryStandIn() as reg:
        yield reg


@pytest.mark.parametrize("event_format", ["json", "avro", "confluent-avro"])
def test_realistic_rows_land_exactly_as_mapped_and_invalid_ones_are_rejected(
    event_format: str,
    kafka_broker: TansuBroker,
    sim: AkeneoSimulator,
    topics: Topics,
    launch: Launch,
    registry: SchemaRegistryStandIn,
) -> None:
    events = list(sample_events(ROWS, seed=7, invalid_every=10, updates_every=9))
    expected = expect(events)
    assert 0.08 < len(expected.rejected) / ROWS < 0.12  # about one in ten is invalid
    reg_url = registry.url if event_format == "confluent-avro" else None
    produce(kafka_broker.bootstrap, topics.input, events, event_format, reg_url)
    extra = {"SCHEMA_REGISTRY_URL": registry.url} if reg_url else {}
    service = launch(event_format, **extra)

    feedback = read_feedback(
        kafka_broker.bootstrap, topics, {e.event_id for e in events}, event_format, reg_url
    )
    assert_feedback(events, feedback, expected)
    assert_akeneo_state(sim, expected)
    assert_all_committed(kafka_broker, topics)
    metrics = requests.get(f"{service.metrics_url}/metrics", timeout=5).text
    assert f'akeneo_consumer_events_consumed_total{{topic="{topics.input}"}} {ROWS}.0' in metrics
    types = set(metrics.splitlines())
    assert not [f for f in CONTRACT_METRICS if f"# TYPE akeneo_consumer_{f}" not in types]
    processed = re.findall(r"^akeneo_consumer_events_processed_total\{[^}]*\} (\S+)$", metrics, re.M)
    assert sum(float(v) for v in processed) >= ROWS
    assert requests.get(f"{service.metrics_url}/readyz", timeout=5).status_code == 200
    assert service.terminate() == 0
    # The service ran the build of the hot path this suite runs: compiled where there is a C compiler.
    logged = [orjson.loads(line) for line in service.log_text().splitlines() if '"hot path"' in line]
    assert [entry.get("compiled") for entry in logged] == [compiled() or "no, plain Python"]
    if reg_url:
        assert ("POST", f"/subjects/{topics.results}-value/versions") in registry.requests


def test_dry_run_maps_and_feeds_back_but_never_writes(
    kafka_broker: TansuBroker, sim: AkeneoSimulator, topics: Topics, launch: Launch
) -> None:
    events = list(sample_events(200, seed=3))
    expected = expect(events)
    produce(kafka_broker.bootstrap, topics.input, events)
    launch(DRY_RUN="true")
    feedback = read_feedback(kafka_broker.bootstrap, topics, {e.event_id for e in events})
    assert_feedback(events, feedback, expected, dry_run=True)
    assert sim.products == {}
    assert sim.request_count("PATCH") == 0


def _tombstone_of(topics: Topics) -> Callable[[FeedbackEvent], bool]:
    """Feedback of a tombstone: it has no event id of its own, so its id names where it was read."""
    return lambda fb: fb.event_id.startswith(f"{topics.input}:")


def test_deletes_tombstones_and_their_feedback(
    kafka_broker: TansuBroker, sim: AkeneoSimulator, topics: Topics, launch: Launch
) -> None:
    upserts = list(sample_events(3, seed=8, invalid_every=0, prefix="DEL"))
    keep, gone, tomb = (e.identifier for e in upserts)
    deletes = [
        ChangeEvent("del-1", 1, "DELETE", gone, {}),
        ChangeEvent("del-2", 2, "DELETE", "never-existed", {}),
    ]
    produce(kafka_broker.bootstrap, topics.input, upserts)
    produce(kafka_broker.bootstrap, topics.input, deletes, raw=[(tomb.encode(), None)])
    launch()
    feedback = read_feedback(
        kafka_broker.bootstrap, topics, {e.event_id for e in upserts + deletes}, timeout_s=60,
        also=_tombstone_of(topics),
    )
    assert (feedback["del-1"][-1].status, feedback["del-1"][-1].status_code) == ("DELETED", 204)
    assert (feedback["del-2"][-1].status, feedback["del-2"][-1].status_code) == ("DELETED", 404)
    everything = read_feedback(kafka_broker.bootstrap, topics, set())  # the tombstone's is in: no more?
    is_tombstone = _tombstone_of(topics)
    tombstones = [fb for fbs in everything.values() for fb in fbs if is_tombstone(fb)]
    assert [(fb.identifier, fb.status, fb.status_code) for fb in tombstones] == [(tomb, "SKIPPED", 0)]
    assert "TOMBSTONE_DELETE" in (tombstones[0].message or "")
    assert set(sim.products) == {keep, tomb}  # the tombstone deleted nothing by default


def test_tombstones_delete_when_configured(
    kafka_broker: TansuBroker, sim: AkeneoSimulator, topics: Topics, launch: Launch
) -> None:
    upserts = list(sample_events(2, seed=8, invalid_every=0, prefix="TOMB"))
    produce(kafka_broker.bootstrap, topics.input, upserts, raw=[(upserts[0].identifier.encode(), None)])
    launch(TOMBSTONE_DELETE="true")
    wait_for(lambda: set(sim.products) == {upserts[1].identifier}, 60, "the tombstone's delete")
    read_feedback(kafka_broker.bootstrap, topics, set(), timeout_s=60, also=_tombstone_of(topics))
    feedback = read_feedback(kafka_broker.bootstrap, topics, set())  # the tombstone's is in: no more?
    assert [feedback[e.event_id][-1].status for e in upserts] == ["CREATED", "CREATED"]
    is_tombstone = _tombstone_of(topics)
    tombstone = [fb for fbs in feedback.values() for fb in fbs if is_tombstone(fb)]
    assert [(fb.identifier, fb.operation, fb.status) for fb in tombstone] == [
        (upserts[0].identifier, "DELETE", "DELETED")
    ]
    assert sim.history(upserts[0].identifier)[-1] is None
