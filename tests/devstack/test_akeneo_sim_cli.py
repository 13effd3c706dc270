"""`python -m consumer.devstack.akeneo_sim`: serves until SIGTERM; bad input is one line on stderr."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from .support import fetch_token, small_catalog

MODULE = [sys.executable, "-m", "consumer.devstack.akeneo_sim"]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(small_catalog()), encoding="utf-8")
    process = subprocess.Popen(
        [
            *MODULE,
            "--port",
            "0",
            "--catalog",
            str(catalog),
            "--token-ttl",
            "5",
            "--max-concurrency",
            "3",
            "--no-validate",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert banner.startswith("Akeneo simulator listening on http://127.0.0.1:"), banner
        yield banner.rsplit(" ", 1)[1].strip()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert process.stderr is not None and process.stderr.read() == ""


def test_serves_the_given_catalog_with_the_given_knobs(served: str) -> None:
    token = fetch_token(served)
    assert token["expires_in"] == 5
    knobs = requests.get(f"{served}/_sim/knobs", timeout=10).json()
    assert knobs["max_concurrency"] == 3
    assert knobs["validate"] is False
    channels = requests.get(
        f"{served}/api/rest/v1/channels",
        timeout=10,
        headers={"Authorization": f"Bearer {token['access_token']}"},
    ).json()
    assert [c["code"] for c in channels["_embedded"]["items"]] == ["ecommerce", "mobile"]


def test_serves_the_sample_catalog_by_default() -> None:
    process = subprocess.Popen([*MODULE], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        base = process.stdout.readline().rsplit(" ", 1)[1].strip()
        token = fetch_token(base)["access_token"]
        channels = requests.get(
            f"{base}/api/rest/v1/channels", timeout=10, headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert {c["code"] for c in channels["_embedded"]["items"]} == {"ecommerce", "mobile", "print"}
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--catalog", "/nonexistent/catalog.json"],
            "akeneo_sim: error: [Errno 2] No such file or directory",
        ),
        (["--error-rate", "2"], "akeneo_sim: error: knob 'error_rate' is a share between 0 and 1"),
    ],
)
def test_bad_input_is_one_line_on_stderr(args: list[str], message: str) -> None:
    done = subprocess.run([*MODULE, *args], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert done.stderr.startswith(message)
    assert done.stderr.count("\n") == 1
    assert done.stdout == ""


def test_a_catalog_that_is_not_json_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "catalog.json"
    bad.write_text("{nope", encoding="utf-8")
    done = subprocess.run([*MODULE, "--catalog", str(bad)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert done.stderr.startswith("akeneo_sim: error: ")
    assert "Traceback" not in done.stderr
