"""`akeneo-consumer map --catalog FILE`, run as the real command in a subprocess."""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from consumer.devstack.sim_catalog import load_sample_catalog

SAMPLE_FILE = Path(__file__).resolve().parents[2] / "consumer" / "devstack" / "data" / "icecat_catalog.json"


def _event(identifier: str, values: dict[str, str | None], operation: str = "UPSERT") -> str:
    return json.dumps({"event_id": f"ev-{identifier}", "occurred_at": 1_700_000_000_000,
                       "operation": operation, "identifier": identifier, "values": values})


def _run(stdin: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "consumer", "map", *args], input=stdin, capture_output=True,
                          text=True, timeout=60, env={**os.environ, **(env or {})})


def _lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines()]


def test_one_result_per_line_in_order() -> None:
    stdin = "\n".join([
        _event("cam-1", {"name": "Camera", "weight": "3 KGM", "price": "10.50 EUR", "family": "scanners"}),
        _event("cam-2", {"weight": "3 XYZ"}),
        "not json",
        "",
        _event("cam-3", {}, operation="DELETE"),
        json.dumps({"event_id": "ev-4", "occurred_at": 1, "identifier": "cam-4", "values": {"name": 5}}),
    ]) + "\n"
    done = _run(stdin, "--catalog", str(SAMPLE_FILE))
    assert (done.returncode, done.stderr) == (0, "")
    lines = _lines(done.stdout)
    assert [(line["identifier"], line["status"]) for line in lines] == [
        ("cam-1", "OK"), ("cam-2", "REJECTED"), (None, "REJECTED"), ("cam-3", "OK"), ("cam-4", "REJECTED")]
    assert lines[0] == {"identifier": "cam-1", "event_id": "ev-cam-1", "status": "OK", "payload": {
        "identifier": "cam-1", "family": "scanners", "values": {
            "name": [{"locale": None, "scope": None, "data": "Camera"}],
            "weight": [{"locale": None, "scope": None, "data": {"amount": "3", "unit": "KILOGRAM"}}],
            "price": [{"locale": None, "scope": None, "data": [{"amount": "10.50", "currency": "EUR"}]}]}}}
    assert lines[1]["errors"] == [{"property": "values", "attribute": "weight", "locale": None, "scope": None,
                                   "message": 'Column "weight": unit "XYZ" is not a unit of the Weight '
                                              "measurement family"}]
    assert lines[2]["errors"][0]["message"].startswith("line 3: not JSON")
    assert lines[3]["payload"] is None  # a DELETE has no body
    assert lines[4]["event_id"] == "ev-4"
    assert "values.name must be a string or null" in lines[4]["errors"][0]["message"]


def test_value_separator_from_the_environment() -> None:
    stdin = _event("p", {"multifunctional_functions": "copy|fax"}) + "\n"
    (line,) = _lines(_run(stdin, "--catalog", str(SAMPLE_FILE), env={"VALUE_SEPARATOR": "|"}).stdout)
    assert line["payload"]["values"]["multifunctional_functions"][0]["data"] == ["copy", "fax"]
    (line,) = _lines(_run(stdin, "--catalog", str(SAMPLE_FILE)).stdout)
    assert line["status"] == "REJECTED"


def test_a_dumped_catalog_is_read_back(tmp_path: Path) -> None:
    catalog = load_sample_catalog()
    for item in catalog["attributes"]:  # as `catalog dump` writes items: with Akeneo's links
        item["_links"] = {"self": {"href": f"https://pim.example/api/rest/v1/attributes/{item['code']}"}}
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(catalog))
    (line,) = _lines(_run(_event("p", {"sensor_type": "CCD"}), "--catalog", str(path)).stdout)
    assert line["payload"]["values"]["sensor_type"][0]["data"] == "ccd"


@pytest.mark.parametrize(("content", "problem"), [
    (None, "does not exist"),
    ("{not json", "is not JSON"),
    ('{"attributes": "caf\xe9"}', "is not valid UTF-8 (byte 0xe9 at offset 19)"),
    ('{"attributes": []}', "catalog is missing attribute_options"),
])
def test_unusable_catalog_is_one_line_and_exit_2(tmp_path: Path, content: str | None, problem: str) -> None:
    path = tmp_path / "catalog.json"
    if content is not None:
        path.write_bytes(content.encode("latin-1"))
    done = _run("", "--catalog", str(path))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and problem in done.stderr and "Traceback" not in done.stderr


def test_missing_catalog_option_is_a_usage_error() -> None:
    done = _run("")
    assert done.returncode == 2 and "--catalog" in done.stderr and "Traceback" not in done.stderr


def test_answers_each_line_as_it_comes_without_waiting_for_the_end() -> None:
    process = subprocess.Popen([sys.executable, "-m", "consumer", "map", "--catalog", str(SAMPLE_FILE)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdin is not None and process.stdout is not None
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            for identifier in ("first", "second"):
                process.stdin.write(_event(identifier, {"name": identifier}).encode() + b"\n")
                process.stdin.flush()
                assert selector.select(timeout=30), "no answer while stdin is still open"
                assert json.loads(process.stdout.readline())["identifier"] == identifier
    finally:
        process.stdin.close()
        assert process.wait(timeout=30) == 0
        process.stdout.close()
        if process.stderr is not None:
            process.stderr.close()


def test_models_and_variants_each_with_the_writes_they_imply() -> None:
    """Root model, sub-model, then a flat variant row: the models of earlier lines are known."""
    common = {"name": "Parka", "price": "199.00 EUR"}
    level_1 = {"color": "blue", "material": "wool"}
    stdin = "\n".join([
        _event("parka", {"family_variant": "clothing_color_size", **common}),
        _event("parka-blue", {"family_variant": "clothing_color_size", "parent": "parka", **level_1}),
        _event("parka-blue-m", {"parent": "parka-blue", **common, **level_1, "size": "m"}),
        _event("coat-m", {"parent": "coat", "size": "m"}),
        json.dumps({"event_id": "ev-del", "occurred_at": 1, "operation": "DELETE", "entity": "product_model",
                    "identifier": "parka-blue"}),
        _event("parka-blue-l", {"parent": "parka-blue", "size": "l"}),
    ]) + "\n"
    done = _run(stdin, "--catalog", str(SAMPLE_FILE))
    assert (done.returncode, done.stderr) == (0, "")
    root, sub, variant, orphan, deleted, after = _lines(done.stdout)

    def value(data: Any) -> list[dict[str, Any]]:
        return [{"locale": None, "scope": None, "data": data}]

    assert (root["entity"], root["status"], root["payload"]["family_variant"]) == (
        "PRODUCT_MODEL", "OK", "clothing_color_size")
    assert set(root["payload"]["values"]) == {"name", "price"} and "models" not in root
    assert sub["payload"]["parent"] == "parka" and set(sub["payload"]["values"]) == {"color", "material"}
    assert "entity" not in variant  # a product's line is as it always was, plus what it implies
    assert variant["payload"] == {"identifier": "parka-blue-m", "parent": "parka-blue",
                                  "values": {"size": value("m")}}
    assert variant["models"] == [
        {"code": "parka", "payload": {"code": "parka", "values": {
            "name": value("Parka"), "price": value([{"amount": "199.00", "currency": "EUR"}])}}},
        {"code": "parka-blue", "payload": {"code": "parka-blue", "values": {
            "color": value("blue"), "material": value("wool")}}},
    ]
    assert (orphan["status"], orphan["waiting_for"], orphan["errors"][0]["message"]) == (
        "REJECTED", "coat", "parent not known yet: coat")
    assert (deleted["entity"], deleted["payload"]) == ("PRODUCT_MODEL", None)
    assert after["waiting_for"] == "parka-blue"  # deleted: no longer known
