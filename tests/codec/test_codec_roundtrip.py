"""Every format gives back exactly the event it was given."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from consumer.codec import ChangeEvent, Codec, FeedbackEvent, make_codec

from .conftest import RESULTS, TOPIC
from .strategies import change_events, feedback_events

EXAMPLES = {
    "unicode": ChangeEvent(
        "évt-1",
        1_700_000_000_123,
        "UPSERT",
        "sku-ü-日本",
        {"name~fr_FR": "Écran 27″ — très bien 👍", "description~de_DE~print": "Größe", "size": "XL"},
    ),
    "nulls": ChangeEvent("e-2", 1, "UPSERT", "sku-2", {"color": None, "weight@unit": "3.5 KGM", "ean": None}),
    "empty values": ChangeEvent("e-3", 0, "UPSERT", "sku-3", {}),
    "delete without values": ChangeEvent("e-4", 1_700_000_000_000, "DELETE", "sku-4", {}),
    "long text and extreme times": ChangeEvent(
        "e-5", -(2**63), "UPSERT", "s" * 300, {"description~en_US": "lorem ipsum " * 1000, "": ""}
    ),
    "latest time": ChangeEvent("e-6", 2**63 - 1, "UPSERT", "sku-6", {"k": "v"}),
}

FEEDBACK = FeedbackEvent(
    event_id="e-1",
    identifier="sku-ü",
    operation="UPSERT",
    status="REJECTED",
    status_code=422,
    topic=TOPIC,
    partition=3,
    offset=2**40,
    occurred_at=1_700_000_000_000,
    processed_at=1_700_000_000_250,
    message="Validation failed.",
    errors=[
        {"property": "values", "attribute": "weight", "locale": None, "scope": None, "message": "NaN"},
        {"property": "family", "attribute": None, "locale": None, "scope": None, "message": "Unknown family"},
    ],
    attempts=2,
    dry_run=True,
    values={"weight@unit": "heavy KGM", "color": None},
)


@pytest.mark.parametrize("event", EXAMPLES.values(), ids=EXAMPLES.keys())
def test_change_events_round_trip(codec: Codec, event: ChangeEvent) -> None:
    data = codec.encode_change(event, TOPIC)
    assert codec.decode_change(data, TOPIC, key=event.identifier.encode()) == event


def test_feedback_round_trips(codec: Codec) -> None:
    assert codec.decode_feedback(codec.encode_feedback(FEEDBACK, RESULTS), RESULTS) == FEEDBACK


def test_feedback_defaults_round_trip(codec: Codec) -> None:
    minimal = FeedbackEvent("", "sku", "DELETE", "SKIPPED", 0, TOPIC, 0, 0, 0, 1)
    back = codec.decode_feedback(codec.encode_feedback(minimal, RESULTS), RESULTS)
    assert back == minimal
    assert (back.message, back.errors, back.attempts, back.dry_run, back.values) == (None, [], 0, False, {})


def test_json_is_readable_json_with_contract_field_names() -> None:
    data = make_codec("json").encode_change(EXAMPLES["nulls"], TOPIC)
    assert data.decode() == (
        '{"event_id":"e-2","occurred_at":1,"operation":"UPSERT","identifier":"sku-2",'
        '"values":{"color":null,"weight@unit":"3.5 KGM","ean":null},"entity":"PRODUCT"}'
    )


_MANY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_MANY
@given(event=change_events)
def test_any_change_event_round_trips(codec: Codec, event: ChangeEvent) -> None:
    assert codec.decode_change(codec.encode_change(event, TOPIC), TOPIC) == event


@_MANY
@given(event=feedback_events)
def test_any_feedback_event_round_trips(codec: Codec, event: FeedbackEvent) -> None:
    assert codec.decode_feedback(codec.encode_feedback(event, RESULTS), RESULTS) == event
