"""`akeneo-consumer produce --from FILE` into the real broker; the file rules of consumer/event_files.py."""

from __future__ import annotations

import datetime
import errno
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from e2e.harness import Topics, kafka_env

from consumer.codec import ChangeEvent, make_codec
from consumer.devstack.kafka_broker import TansuBroker, free_port
from consumer.devstack.schema_registry import SchemaRegistryStandIn
from consumer.event_files import Defaults, EventFileError, open_events, sniff_delimiter

from .cli_support import read_messages, run_cli


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def produced(broker: TansuBroker, topic: str, count: int, event_format: str = "json",
             registry_url: str | None = None) -> dict[str, ChangeEvent]:
    """The events on the topic by identifier, each checked to be keyed by its identifier."""
    codec = make_codec(event_format, registry_url)
    events = {}
    for msg in read_messages(broker.bootstrap, topic, count):
        event = codec.decode_change(msg.value(), topic)
        assert msg.key() == event.identifier.encode()
        events[event.identifier] = event
    assert len(events) == count
    return events


def test_csv_rows_become_keyed_events(kafka_broker: TansuBroker, topics: Topics, tmp_path: Path) -> None:
    source = tmp_path / "rows.csv"
    source.write_text(
        "identifier;family;name;description~en_US~ecommerce;color;operation;event_id;occurred_at\n"
        'A-1;printers;Alpha;"Two lines;\nwith ; inside";<NULL>;;;\n'
        "A-2;printers;;Beta;;DELETE;ev-2;2024-05-01T10:00:00+00:00\n"
        "A-3;printers;Gamma; <NULL>;red;upsert;;1700000000000\n"
    )
    before = now_ms()
    result = run_cli("produce", "--from", str(source), env=kafka_env(kafka_broker, topics))
    after = now_ms()

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"published 3 events from {source} to {topics.input} (json)\n"
    assert result.stderr == ""  # no progress line when stderr is not a terminal
    events = produced(kafka_broker, topics.input, 3)
    a1, a2, a3 = events["A-1"], events["A-2"], events["A-3"]
    assert a1.values == {"family": "printers", "name": "Alpha",
                         "description~en_US~ecommerce": "Two lines;\nwith ; inside", "color": None}
    assert (a1.operation, uuid.UUID(a1.event_id).version) == ("UPSERT", 4)
    assert before <= a1.occurred_at <= after
    assert a2.values == {"family": "printers", "description~en_US~ecommerce": "Beta"}  # empty name left out
    assert (a2.operation, a2.event_id) == ("DELETE", "ev-2")
    assert a2.occurred_at == int(datetime.datetime(2024, 5, 1, 10, tzinfo=datetime.UTC).timestamp() * 1000)
    assert a3.values["description~en_US~ecommerce"] == " <NULL>"  # only an exact marker is a null
    assert (a3.operation, a3.occurred_at) == ("UPSERT", 1_700_000_000_000)
    assert a3.event_id != a1.event_id


def test_comma_csv_with_sku_column_skips_bad_rows_by_line(
    kafka_broker: TansuBroker, topics: Topics, tmp_path: Path
) -> None:
    source = tmp_path / "feed.csv"
    source.write_bytes(
        b"sku,name,description~en_US~ecommerce\n"  # line 1
        b'S1,"Name, with comma","two\nlines"\n'  # lines 2-3
        b"S2,only two cells\n"  # line 4
        b",no identifier,x\n"  # line 5
        b"\n"  # line 6: blank, not a row
        b"S3,bad bytes \xff,x\n"  # line 7
        b"S4,ok," + b"x" * 1_100_000 + b"\n"  # line 8: larger than the broker takes
        b"S5,fine,\n"  # line 9
    )
    result = run_cli("produce", "--from", str(source), env=kafka_env(kafka_broker, topics, "avro"))

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"published 2 events from {source} to {topics.input} (avro)"
    assert lines[1] == "skipped 4 rows:"
    assert lines[2] == "  line 4: the row has 2 cells, the header has 3"
    assert lines[3] == "  line 5: the sku cell is empty"
    assert lines[4] == "  line 7: not valid UTF-8"
    assert lines[5].startswith("  line 8: ") and "too large" in lines[5]
    events = produced(kafka_broker, topics.input, 2, "avro")
    # the column that gives the identifier is not repeated among the values
    assert events["S1"].values == {"name": "Name, with comma", "description~en_US~ecommerce": "two\nlines"}
    assert events["S5"].values == {"name": "fine"}


def test_ndjson_events_with_a_registry(kafka_broker: TansuBroker, topics: Topics, tmp_path: Path) -> None:
    source = tmp_path / "events.ndjson"
    source.write_text(
        '{"event_id": "e-1", "occurred_at": 1700000000000, "operation": "UPSERT", "identifier": "N1",'
        ' "values": {"name": "One", "color": null}}\n'
        '{"identifier": "N2", "values": {"name": "Two"}}\n'
        "not json\n"
        "[1, 2]\n"
        "\n"
        '{"identifier": "N3", "values": {"weight": 3}}\n'
        '{"identifier": "N4", "operation": "delete"}\n'
    )
    with SchemaRegistryStandIn() as registry:
        env = kafka_env(kafka_broker, topics, "confluent-avro", SCHEMA_REGISTRY_URL=registry.url)
        result = run_cli("produce", "--from", str(source), env=env)
        assert result.returncode == 0, result.stderr
        events = produced(kafka_broker, topics.input, 3, "confluent-avro", registry.url)

    skipped = result.stdout.splitlines()[1:]
    assert skipped[0] == "skipped 3 rows:"
    assert skipped[1].startswith("  line 3: not JSON: ")
    assert skipped[2:] == [
        "  line 4: not a JSON object",
        "  line 6: values.weight must be a string or null, got number",
    ]
    one = ChangeEvent("e-1", 1_700_000_000_000, "UPSERT", "N1", {"name": "One", "color": None})
    assert events["N1"] == one
    assert uuid.UUID(events["N2"].event_id).version == 4
    assert (events["N4"].operation, events["N4"].values) == ("DELETE", {})


def test_nothing_publishable_exits_1(kafka_broker: TansuBroker, topics: Topics, tmp_path: Path) -> None:
    source = tmp_path / "bad.csv"
    source.write_text("identifier;name\n;a\n")
    result = run_cli("produce", "--from", str(source), env=kafka_env(kafka_broker, topics))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"published 0 events from {source} to {topics.input} (json)",
        "skipped 1 rows:",
        "  line 2: the identifier cell is empty",
    ]


def test_unusable_file_topic_or_broker_is_one_line_exit_2(
    kafka_broker: TansuBroker, topics: Topics, tmp_path: Path
) -> None:
    good = tmp_path / "good.csv"
    good.write_text("identifier;name\nX;x\n")
    no_id = tmp_path / "no_id.csv"
    no_id.write_text("code;name\nX;x\n")
    env = kafka_env(kafka_broker, topics)
    dead = f"127.0.0.1:{free_port()}"
    cases = [
        (tmp_path / "missing.csv", env, f"{tmp_path / 'missing.csv'} does not exist"),
        (tmp_path / "rows.txt", env, "unknown kind of file (expected .csv, .ndjson, .jsonl)"),
        (no_id, env, "the header has no identifier column (identifier or sku)"),
        (good, {**env, "KAFKA_TOPIC": "no-such-topic"}, "topic no-such-topic does not exist"),
        (good, {**env, "KAFKA_BOOTSTRAP_SERVERS": dead}, f"cannot reach Kafka at {dead} within 1s"),
    ]
    for path, case_env, expected in cases:
        result = run_cli("produce", "--from", str(path), "--timeout", "1", env=case_env)
        assert result.returncode == 2, expected
        [line] = result.stderr.splitlines()
        assert line.startswith("akeneo-consumer produce: ") and expected in line
        assert result.stdout == ""


def test_progress_is_shown_on_a_terminal(kafka_broker: TansuBroker, topics: Topics, tmp_path: Path) -> None:
    source = tmp_path / "rows.csv"
    source.write_text("identifier;name\n" + "".join(f"P{i};n{i}\n" for i in range(500)) + ";nameless\n")
    main, terminal = os.openpty()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "EVENT_FORMAT"))}
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "consumer", "produce", "--from", str(source)],
            env={**full_env, **kafka_env(kafka_broker, topics)},
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=terminal, timeout=60,
        )
        os.close(terminal)
        shown = _read_all(main)
    finally:
        os.close(main)
    assert proc.returncode == 0
    assert shown.startswith("\r") and shown.endswith("500 sent, 500 confirmed, 1 skipped\r\n")
    assert b"published 500 events" in proc.stdout


def _read_all(fd: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError as exc:  # EIO: the terminal's other side is closed
            if exc.errno != errno.EIO:
                raise
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode()


# -- the file rules, without a broker ---------------------------------------------------------------

PINNED = Defaults(new_id=lambda: "generated", now_ms=lambda: 42)


def rows_of(path: Path, null_marker: str = "<NULL>") -> list[tuple[int, object]]:
    with open_events(path, null_marker, PINNED) as rows:
        return [(row.line, row.event.values if row.event else row.problem) for row in rows]


def test_identifier_column_wins_over_sku_and_a_bom_is_ignored(tmp_path: Path) -> None:
    source = tmp_path / "excel.csv"
    source.write_bytes("\ufeffidentifier;sku;name\r\nX1;X1;Ä\r\n".encode())
    with open_events(source, defaults=PINNED) as rows:
        [row] = list(rows)
    assert row.event == ChangeEvent("generated", 42, "UPSERT", "X1", {"sku": "X1", "name": "Ä"})


def test_null_marker_can_be_changed(tmp_path: Path) -> None:
    source = tmp_path / "rows.csv"
    source.write_text("sku,a,b\nX,NULL,<NULL>\n")
    assert rows_of(source, "NULL") == [(2, {"a": None, "b": "<NULL>"})]


def test_bad_event_fields_are_row_problems(tmp_path: Path) -> None:
    source = tmp_path / "rows.csv"
    source.write_text("sku;occurred_at;operation\nX;yesterday;\nY;;MERGE\nZ;;\n")
    assert rows_of(source) == [
        (2, "occurred_at is not an ISO-8601 time: 'yesterday'"),
        (3, "operation must be one of UPSERT, DELETE, got 'MERGE'"),
        (4, {}),
    ]


def test_an_ndjson_event_with_a_key_twice_is_a_row_problem(tmp_path: Path) -> None:
    source = tmp_path / "events.ndjson"
    source.write_text('{"identifier": "X", "values": {"name": "A", "name": "B"}}\n{"identifier": "Y"}\n')
    assert rows_of(source) == [(1, "values.name appears twice"), (2, {})]


@pytest.mark.parametrize(("header", "problem"), [
    ("sku;name;name", "column 'name' appears twice in the header"),
    ("sku;;name", "header column 2 has no name"),
    ("", "no header line"),
])
def test_unusable_headers(tmp_path: Path, header: str, problem: str) -> None:
    source = tmp_path / "rows.csv"
    source.write_text(header + "\n")
    with pytest.raises(EventFileError, match=problem):
        open_events(source)


@pytest.mark.parametrize(("header", "delimiter"), [
    ("sku;name;description~en_US", ";"),
    ("sku,name,description~en_US", ","),
    ('sku;"a,b,c"', ","),  # more commas: a comma file whose header quotes a semicolon-free name
    ("sku", ";"),
])
def test_delimiter_is_the_one_the_header_holds_more_of(header: str, delimiter: str) -> None:
    assert sniff_delimiter(header) == delimiter


def test_rows_with_a_family_variant_are_product_models(tmp_path: Path) -> None:
    """One file holds models and variants: the family_variant cell (or the entity column) decides."""
    source = tmp_path / "clothing.csv"
    source.write_text(
        "identifier;entity;family_variant;parent;name;size\n"
        "jacket;;clothing_size;;Jacket;\n"  # a root model
        "jacket-m;;;jacket;;m\n"  # its variant product: no family_variant cell
        "jacket-old;product_model;;;Old jacket;\n"  # an update of a model without its family variant
    )
    with open_events(source, defaults=PINNED) as rows:
        entities = [(row.event.identifier, row.event.entity) for row in rows if row.event]
    assert entities == [("jacket", "PRODUCT_MODEL"), ("jacket-m", "PRODUCT"), ("jacket-old", "PRODUCT_MODEL")]
    lines = tmp_path / "clothing.ndjson"
    lines.write_text('{"identifier": "coat", "values": {"family_variant": "clothing_size"}}\n'
                     '{"identifier": "coat-s", "values": {"parent": "coat", "size": "s"}}\n')
    with open_events(lines, defaults=PINNED) as rows:
        assert [row.event.entity for row in rows if row.event] == ["PRODUCT_MODEL", "PRODUCT"]
