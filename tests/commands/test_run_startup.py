"""`akeneo-consumer run` as a user starts it: every start-up failure is one line on stderr, exit 2."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from consumer.devstack.kafka_broker import free_port

from .cli_support import cli_env, run_cli


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


class SilentPim:
    """Accepts connections and never answers: a PIM behind a stuck load balancer."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.accepted = threading.Event()
        self._held: list[socket.socket] = []
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def _serve(self) -> None:
        while not self._done.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            self._held.append(conn)
            self.accepted.set()

    def close(self) -> None:
        self._done.set()
        self._thread.join(timeout=5)
        for conn in self._held:
            conn.close()
        self._listener.close()


@pytest.fixture
def silent_pim() -> Iterator[SilentPim]:
    pim = SilentPim()
    yield pim
    pim.close()


def _against(pim: SilentPim) -> dict[str, str]:
    """Settings of a PIM that never answers, with a timeout far beyond the test's own."""
    return {
        "AKENEO_HOST": pim.url, "AKENEO_CLIENT_ID": "c", "AKENEO_CLIENT_SECRET": "s", "AKENEO_USERNAME": "u",
        "AKENEO_PASSWORD": "p", "AKENEO_TIMEOUT_S": "3600", "METRICS_PORT": str(free_port()),
    }


def test_start_up_against_a_pim_that_never_answers_gives_up_within_its_budget(silent_pim: SilentPim) -> None:
    """Without the bound, the first request alone would wait AKENEO_TIMEOUT_S (an hour): run_cli's
    timeout would end the test long before."""
    line = _one_line(("run",), _against(silent_pim))
    assert line.startswith(f"akeneo-consumer run: cannot load the catalog from Akeneo at {silent_pim.url}: ")
    assert "gave up" in line and "timeout" in line


def test_sigterm_during_start_up_stops_at_once_with_exit_0(silent_pim: SilentPim) -> None:
    """Without it, start-up would go on until its budget is spent and exit 2: the exit code tells."""
    env = _against(silent_pim)
    process = subprocess.Popen(
        [sys.executable, "-m", "consumer", "run"], env=cli_env(env), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )
    try:
        assert silent_pim.accepted.wait(30), "the service never called Akeneo"
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert (process.returncode, stderr) == (0, "")
    assert "stopped during start-up, before consuming anything" in stdout
