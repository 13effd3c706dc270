"""`akeneo-consumer run` as a user starts it: every start-up failure is one line on stderr, exit 2."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from .cli_support import run_cli


def _one_line(args: tuple[str, ...], env: dict[str, str]) -> str:
    result = run_cli(*args, env=env, timeout=60)
    lines = result.stderr.splitlines()
    assert (result.returncode, len(lines)) == (2, 1), result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return lines[0]


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.create_server(("0.0.0.0", 0)) as listener:
        yield listener.getsockname()[1]


def test_metrics_port_in_use(taken_port: int) -> None:
    line = _one_line(("run",), {"METRICS_PORT": str(taken_port)})
    assert line == f"akeneo-consumer run: METRICS_PORT {taken_port} is already in use"


@pytest.mark.parametrize(
    "host", ["http://", "pim.example.com", "ftp://pim.example.com", "https://pim example.com", "http://:8080"]
)
def test_unusable_akeneo_host(host: str) -> None:
    line = _one_line(("run",), {"AKENEO_HOST": host})
    assert line.startswith("akeneo-consumer run: AKENEO_HOST must be an http(s) URL with a host, e.g. https://")


def test_akeneo_host_with_credentials_never_shows_them() -> None:
    line = _one_line(("check",), {"AKENEO_HOST": "https://julia:pim-pass-77@pim.example.com"})
    assert line.startswith("akeneo-consumer check: AKENEO_HOST must not carry a user or password")
    assert "pim-pass-77" not in line and "julia" not in line


def test_config_file_not_utf8(tmp_path: Path) -> None:
    config = tmp_path / "service.toml"
    config.write_bytes(b'KAFKA_TOPIC = "caf\xe9"\n')
    line = _one_line(("run", "--config", str(config)), {})
    assert line == f"akeneo-consumer run: config file {config} is not valid UTF-8 (byte 0xe9 at offset 18)"


def test_missing_ca_bundle(tmp_path: Path) -> None:
    line = _one_line(("run",), {"AKENEO_CA_BUNDLE": str(tmp_path / "ca.pem")})
    assert line == f"akeneo-consumer run: AKENEO_CA_BUNDLE {tmp_path / 'ca.pem'} does not exist"

