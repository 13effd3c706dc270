"""`akeneo-consumer feedback export` from the real broker, alone and after a real run of the service."""

from __future__ import annotations

import csv
import threading
from pathlib import Path

from confluent_kafka import Producer
from e2e.harness import ServiceProcess, Topics, kafka_env, read_feedback, service_env

from consumer.codec import ErrorDetail, FeedbackEvent, make_codec
from consumer.devstack.akeneo_sim import AkeneoSimulator
from consumer.devstack.kafka_broker import TansuBroker, create_topics

from . import cli_support
from .cli_support import run_cli

akeneo_sim = cli_support.akeneo_sim


def feedback(event_id: str, identifier: str, status: str, code: int, partition: int, offset: int,
             processed_at: int = 1, **fields: object) -> FeedbackEvent:
    return FeedbackEvent(event_id=event_id, identifier=identifier, operation="UPSERT", status=status,
                         status_code=code, topic="changes", partition=partition, offset=offset,
                         occurred_at=0, processed_at=processed_at, **fields)  # type: ignore[arg-type]


def publish(
    bootstrap: str, topic: str, items: list[FeedbackEvent | bytes], event_format: str = "json"
) -> None:
    codec = make_codec(event_format)
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20})
    for item in items:
        if isinstance(item, bytes):
            producer.produce(topic, key=b"garbage", value=item)
        else:
            producer.produce(topic, key=item.identifier.encode(), value=codec.encode_feedback(item, topic))
    assert producer.flush(30) == 0


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh, delimiter=";")
        return list(reader.fieldnames or []), list(reader)


def export(env: dict[str, str], out: Path, *extra: str) -> tuple[int, str, str]:
    result = run_cli("feedback", "export", "--out", str(out), "--idle", "0.5", *extra, env=env)
    return result.returncode, result.stdout, result.stderr


def test_latest_feedback_per_event_with_every_input_column(
    kafka_broker: TansuBroker, topics: Topics, tmp_path: Path
) -> None:
    errors = [
        ErrorDetail(property="values", attribute="description", locale="en_US", scope="ecommerce",
                    message="too long"),
        ErrorDetail(property="family", attribute=None, locale=None, scope=None, message="unknown family"),
    ]
    publish(kafka_broker.bootstrap, topics.results, [
        # the same event fed back twice (at least once): the later processing is the one kept,
        # whatever the order the two are read in
        feedback("e-1", "P1", "UPDATED", 204, 0, 0, processed_at=200, values={"name": "A", "color": None}),
        feedback("e-1", "P1", "CREATED", 201, 0, 0, processed_at=100, values={"name": "A", "color": None}),
        feedback("e-2", "P2", "REJECTED", 422, 1, 0, message="Validation failed.", errors=errors,
                 values={"name": "B", "description~en_US~ecommerce": "x" * 300}),
        # an unreadable event: no event_id; its place in the input topic tells it apart
        feedback("", "P3", "FAILED", 0, 2, 5, message="not JSON"),
        feedback("", "P4", "FAILED", 0, 2, 6, message="not JSON"),
        b"not a feedback event",
    ])
    out = tmp_path / "feedback.csv"
    code, stdout, stderr = export(kafka_env(kafka_broker, topics), out)

    assert (code, stderr) == (0, "")
    assert stdout.splitlines() == [
        f"exported 4 events from {topics.results} to {out}: FAILED 2, REJECTED 1, UPDATED 1",
        "read 6 messages: 1 duplicates dropped, 1 unreadable skipped",
        stdout.splitlines()[2],
    ]
    assert stdout.splitlines()[2].startswith("  partition ")
    header, rows = read_csv(out)
    assert header == ["name", "color", "description~en_US~ecommerce", "identifier", "event_id", "operation",
                      "entity", "status", "status_code", "message", "errors"]
    assert {r["entity"] for r in rows} == {"PRODUCT"}
    assert [(r["identifier"], r["event_id"], r["status"], r["status_code"]) for r in rows] == [
        ("P1", "e-1", "UPDATED", "204"), ("P2", "e-2", "REJECTED", "422"),
        ("P3", "", "FAILED", "0"), ("P4", "", "FAILED", "0"),
    ]
    assert (rows[0]["name"], rows[0]["color"], rows[0]["description~en_US~ecommerce"]) == ("A", "<NULL>", "")
    assert rows[1]["description~en_US~ecommerce"] == "x" * 300
    assert rows[1]["message"] == "Validation failed."
    assert rows[1]["errors"] == "description[en_US,ecommerce]: too long | family: unknown family"


def test_reads_to_the_real_end_of_a_large_topic(kafka_broker: TansuBroker, tmp_path: Path) -> None:
    fresh = Topics.fresh(partitions=3)
    create_topics(kafka_broker.bootstrap, {fresh.results: 3})
    items: list[FeedbackEvent | bytes] = [
        feedback(f"e-{n}", f"SKU-{n}", "CREATED", 201, n % 3, n, values={"name": f"n{n}"})
        for n in range(3000)
    ]
    publish(kafka_broker.bootstrap, fresh.results, items, "avro")  # batched: Tansu's watermark lags
    out = tmp_path / "all.csv"
    code, stdout, _ = export(kafka_env(kafka_broker, fresh, "avro"), out, "--delimiter", ",")

    assert code == 0
    assert stdout.startswith(f"exported 3000 events from {fresh.results}")
    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["event_id"] for r in rows} == {f"e-{n}" for n in range(3000)}
    # in the order of the input topic: partition, then offset
    assert [(r["identifier"]) for r in rows[:3]] == ["SKU-0", "SKU-3", "SKU-6"]


def test_a_busy_topic_still_ends(kafka_broker: TansuBroker, topics: Topics, tmp_path: Path) -> None:
    """The service keeps writing during the export: what was there at the start is exported, and it ends."""
    old: list[FeedbackEvent | bytes] = [
        feedback(f"old-{n}", f"O-{n}", "CREATED", 201, 0, n) for n in range(200)
    ]
    publish(kafka_broker.bootstrap, topics.results, old)
    stop = threading.Event()
    codec = make_codec("json")

    def keep_writing() -> None:
        producer = Producer({"bootstrap.servers": kafka_broker.bootstrap})
        n = 0
        while not stop.wait(0.02):
            event = feedback(f"new-{n}", f"N-{n}", "CREATED", 201, 1, n)
            producer.produce(topics.results, key=event.identifier.encode(),
                             value=codec.encode_feedback(event, topics.results))
            producer.poll(0)
            n += 1
        producer.flush(10)

    writer = threading.Thread(target=keep_writing, daemon=True)
    writer.start()
    try:
        code, _, stderr = export(kafka_env(kafka_broker, topics), tmp_path / "busy.csv")
    finally:
        stop.set()
        writer.join(timeout=30)
    assert code == 0, stderr
    _, rows = read_csv(tmp_path / "busy.csv")
    assert {f"old-{n}" for n in range(200)} <= {r["event_id"] for r in rows}


def test_empty_missing_and_disabled_topics(kafka_broker: TansuBroker, topics: Topics, tmp_path: Path) -> None:
    out = tmp_path / "empty.csv"
    code, stdout, _ = export(kafka_env(kafka_broker, topics), out)
    assert code == 0
    assert stdout.startswith(f"exported 0 events from {topics.results} to {out}\n")
    assert read_csv(out) == (
        ["identifier", "event_id", "operation", "entity", "status", "status_code", "message", "errors"], []
    )

    missing = tmp_path / "missing.csv"
    for env, expected in (
        (kafka_env(kafka_broker, topics, KAFKA_RESULTS_TOPIC="no-such-results"),
         "akeneo-consumer feedback: topic no-such-results does not exist"),
        (kafka_env(kafka_broker, topics, KAFKA_RESULTS_TOPIC=""),
         "akeneo-consumer feedback: KAFKA_RESULTS_TOPIC is empty"),
    ):
        code, stdout, stderr = export(env, missing)
        assert code == 2
        [line] = stderr.splitlines()
        assert line.startswith(expected)
        assert not missing.exists()


def test_after_a_real_run_every_row_comes_back_with_its_status(
    kafka_broker: TansuBroker, akeneo_sim: AkeneoSimulator, topics: Topics, tmp_path: Path
) -> None:
    """The loop a user runs: produce a CSV, let the service process it, export the feedback."""
    source = tmp_path / "rows.csv"
    source.write_text(
        "sku;event_id;family;name;maximum_print_size;main_color\n"
        "R-1;ev-1;printers;One;a4_210_x_297_mm_;<NULL>\n"
        "R-2;ev-2;printers;Two;a0_841_x_1189_mm;white\n"
        "R-3;ev-3;printers;;;black\n"
    )
    env = service_env(kafka_broker, akeneo_sim, topics, "avro")
    produced = run_cli("produce", "--from", str(source), env=env)
    assert produced.returncode == 0, produced.stderr
    service = ServiceProcess(env, tmp_path / "service.log").start()
    try:
        read_feedback(kafka_broker.bootstrap, topics, {"ev-1", "ev-2", "ev-3"}, "avro", timeout_s=60)
    finally:
        service.stop()

    out = tmp_path / "feedback.csv"
    code, _, stderr = export(env, out)
    assert code == 0, stderr
    header, rows = read_csv(out)
    assert header[:4] == ["family", "name", "maximum_print_size", "main_color"]
    by_id = {r["identifier"]: r for r in rows}
    assert [(by_id[i]["status"], by_id[i]["status_code"]) for i in ("R-1", "R-2", "R-3")] == [
        ("CREATED", "201"), ("REJECTED", "422"), ("CREATED", "201")
    ]
    assert by_id["R-1"]["main_color"] == "<NULL>" and by_id["R-3"]["name"] == ""
    assert by_id["R-2"]["errors"].startswith("maximum_print_size: ")
    assert "a0_841_x_1189_mm" in by_id["R-2"]["errors"]
