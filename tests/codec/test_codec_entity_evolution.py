"""The ``entity`` field (PRODUCT or PRODUCT_MODEL) evolves both schemas both ways, in every format.

Old writer -> new reader: the field is missing, it reads as PRODUCT (and a row with a
``family_variant`` column as PRODUCT_MODEL). New writer -> old reader: Avro resolution ignores a
field the reader does not know. Schemaless ``avro`` carries no schema: bytes of the previous layout
end where ``entity`` would start and are read as such; an old schemaless reader cannot read the
new bytes (1 unexpected byte), which is why readers are upgraded first (docs/codec.md).
"""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import fastavro
import pytest

from consumer.codec import ChangeEvent, Codec, DecodeError, FeedbackEvent, make_codec
from consumer.codec.schemas import plain_millis

from .conftest import TOPIC
from .test_codec_evolution import _message

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
CHANGE = json.loads((SCHEMAS / "product_change.avsc").read_text())
FEEDBACK = json.loads((SCHEMAS / "product_feedback.avsc").read_text())


def _without_entity(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema as it was before ``entity`` (the previous release's file)."""
    old = copy.deepcopy(schema)
    old["fields"] = [f for f in old["fields"] if f["name"] != "entity"]
    return old


OLD_CHANGE, OLD_FEEDBACK = _without_entity(CHANGE), _without_entity(FEEDBACK)
RECORD = {"event_id": "e-1", "occurred_at": 1_700_000_000_000, "operation": "UPSERT", "identifier": "m-1"}
FEEDBACK_RECORD = {
    "event_id": "e-1", "identifier": "m-1", "operation": "UPSERT", "status": "CREATED", "status_code": 201,
    "message": None, "errors": [], "topic": TOPIC, "partition": 0, "offset": 3, "occurred_at": 5,
    "processed_at": 6, "attempts": 1, "dry_run": False, "values": {},
}  # fmt: skip
JSON = make_codec("json")
AVRO = make_codec("avro")


def _schemaless(schema: dict[str, Any], record: dict[str, Any]) -> bytes:
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(schema), record)
    return out.getvalue()


def _old_reader(schema: dict[str, Any], old: dict[str, Any], data: bytes) -> dict[str, Any]:
    """What a reader still on the old schema reads from bytes written with ``schema`` (Avro resolution)."""
    writer, reader = (fastavro.parse_schema(plain_millis(s)) for s in (schema, old))  # timestamps as ints
    record: dict[str, Any] = fastavro.schemaless_reader(io.BytesIO(data), writer, reader)
    return record


@pytest.mark.parametrize(
    ("values", "entity"),
    [({"name": "Cap"}, "PRODUCT"), ({"family_variant": "clothing_size", "name": "Cap"}, "PRODUCT_MODEL")],
    ids=["product row", "model row"],
)
def test_old_change_writers_read_as_product_or_by_the_model_column(
    confluent: Codec, registry: Any, values: dict[str, str], entity: str
) -> None:
    record = {**RECORD, "values": values}
    expected = ChangeEvent("e-1", 1_700_000_000_000, "UPSERT", "m-1", values, entity)
    assert confluent.decode_change(_message(registry, OLD_CHANGE, record), TOPIC) == expected
    assert AVRO.decode_change(_schemaless(OLD_CHANGE, record), TOPIC) == expected  # producers not upgraded
    assert JSON.decode_change(json.dumps(record).encode(), TOPIC) == expected


def test_new_change_writers_are_read_by_old_readers_without_the_field(confluent: Codec) -> None:
    event = ChangeEvent("e-1", 1_700_000_000_000, "UPSERT", "m-1", {"name": "Cap"}, "PRODUCT_MODEL")
    framed = confluent.encode_change(event, TOPIC)
    assert _old_reader(CHANGE, OLD_CHANGE, framed[5:]) == {**RECORD, "values": {"name": "Cap"}}
    old = json.loads(JSON.encode_change(event, TOPIC))  # a JSON reader ignores fields it does not know
    assert old["entity"] == "PRODUCT_MODEL" and {k: old[k] for k in RECORD} == RECORD


def test_old_schemaless_readers_cannot_read_new_bytes() -> None:
    """Why docs/codec.md says to upgrade readers before producers with EVENT_FORMAT=avro."""
    data = AVRO.encode_change(ChangeEvent("e-1", 1, "UPSERT", "m-1", {}), TOPIC)
    fo = io.BytesIO(data)
    fastavro.schemaless_reader(fo, fastavro.parse_schema(OLD_CHANGE))
    assert len(data) - fo.tell() == 1


def test_a_newer_entity_symbol_reads_as_product(confluent: Codec, registry: Any) -> None:
    newer = copy.deepcopy(CHANGE)
    newer["fields"][-1]["type"]["symbols"] = ["PRODUCT", "PRODUCT_MODEL", "ASSET"]
    record = {**RECORD, "values": {}, "entity": "ASSET"}
    assert confluent.decode_change(_message(registry, newer, record), TOPIC).entity == "PRODUCT"


def test_the_model_column_wins_over_the_field(confluent: Codec, registry: Any) -> None:
    record = {**RECORD, "values": {"family_variant": "clothing_size"}, "entity": "PRODUCT"}
    assert confluent.decode_change(_message(registry, CHANGE, record), TOPIC).entity == "PRODUCT_MODEL"
    assert AVRO.decode_change(_schemaless(CHANGE, record), TOPIC).entity == "PRODUCT_MODEL"


def test_old_feedback_writers_read_as_product(confluent: Codec, registry: Any) -> None:
    expected = FeedbackEvent("e-1", "m-1", "UPSERT", "CREATED", 201, TOPIC, 0, 3, 5, 6, attempts=1)
    assert confluent.decode_feedback(_message(registry, OLD_FEEDBACK, FEEDBACK_RECORD), "fb") == expected
    assert AVRO.decode_feedback(_schemaless(OLD_FEEDBACK, FEEDBACK_RECORD), "fb") == expected
    assert JSON.decode_feedback(json.dumps(FEEDBACK_RECORD).encode(), "fb") == expected


def test_new_feedback_writers_are_read_by_old_readers(confluent: Codec) -> None:
    feedback = FeedbackEvent("e-1", "m-1", "UPSERT", "CREATED", 201, TOPIC, 0, 3, 5, 6, attempts=1,
                             entity="PRODUCT_MODEL")
    framed = confluent.encode_feedback(feedback, "fb")
    assert _old_reader(FEEDBACK, OLD_FEEDBACK, framed[5:]) == FEEDBACK_RECORD
    assert confluent.decode_feedback(framed, "fb") == feedback
    assert AVRO.decode_feedback(AVRO.encode_feedback(feedback, "fb"), "fb") == feedback


def test_json_entity_is_read_leniently_like_operation() -> None:
    def decoded(**fields: Any) -> ChangeEvent:
        return JSON.decode_change(json.dumps({**RECORD, "values": {}, **fields}).encode(), TOPIC)

    assert decoded(entity="product_model").entity == "PRODUCT_MODEL"
    assert decoded(entity=None).entity == "PRODUCT"
    with pytest.raises(DecodeError, match="entity must be one of PRODUCT, PRODUCT_MODEL, got 'ASSET'"):
        decoded(entity="ASSET")

