"""Safety: TLS verified by default, no secret or token in logs, errors or reprs."""

from __future__ import annotations

import logging
import re
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from consumer.akeneo import AkeneoClient, AkeneoError, Credentials, RetryPolicy
from consumer.akeneo.products import plan, read_answer
from consumer.devstack.akeneo_sim import AkeneoSimulator

from .support import SIM_CREDENTIALS, Connect, Recorder, product


@pytest.fixture
def self_signed_tls_port(tmp_path: Path) -> Iterator[int]:
    """A loopback TLS endpoint with a self-signed certificate: handshakes, never answers HTTP."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)  # so that the loop notices the end of the test
    done = threading.Event()

    def serve() -> None:
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            try:
                context.wrap_socket(conn, server_side=True).close()
            except (ssl.SSLError, OSError):
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    done.set()
    thread.join(timeout=5)
    listener.close()


def test_tls_is_verified_by_default_and_a_bad_certificate_is_final(self_signed_tls_port: int) -> None:
    recorder = Recorder()
    client = AkeneoClient(f"https://127.0.0.1:{self_signed_tls_port}", SIM_CREDENTIALS, observer=recorder,
                          retry=RetryPolicy(base_s=0.001, max_attempts=5))
    with client, pytest.raises(AkeneoError, match="TLS verification failed"):
        client.get_json("channels")
    assert recorder.requests == [("POST /oauth/token", 0)]  # one attempt: not retried
    assert not recorder.retries


def test_a_base_url_with_userinfo_shows_masked() -> None:
    with AkeneoClient("https://julia:url-pass-9@pim.example.com", SIM_CREDENTIALS) as client:
        assert repr(client) == "AkeneoClient('https://***@pim.example.com')"


def test_credentials_repr_hides_the_secret_and_the_password() -> None:
    creds = Credentials("my-client", "client-secret-value", "julia", "password-value")
    for text in (repr(creds), str(creds), f"{creds}", repr([creds])):
        assert "client-secret-value" not in text and "password-value" not in text
        assert "my-client" in text and "julia" in text


def test_nothing_logged_or_raised_carries_a_secret_or_a_token(
    sim: AkeneoSimulator, connect: Connect, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # urllib3's and ours, at their most talkative
    client, _ = connect(retry=RetryPolicy(base_s=0.001, cap_s=0.002, max_attempts=2))
    client.upsert_products([product("logged")])
    sim.expire_tokens()
    sim.fail_next(1, 503, retry_after_s=0.01)
    client.upsert_products([product("logged-again")])  # 401, renewal, 503, retry
    sim.set_knobs(error_rate=1.0, error_statuses=(500,))
    with pytest.raises(AkeneoError) as failure:
        client.get_product("logged")
    tokens_issued = sum(sim.stats()["tokens_issued"].values())
    assert tokens_issued == 2
    everything = caplog.text + str(failure.value) + repr(failure.value) + repr(client)
    assert "retrying" in caplog.text  # the retries were logged ...
    for secret in ("sim-secret", "Bearer", "access_token", "refresh_token", "Basic "):
        assert secret not in everything  # ... but never a secret or a token
    assert "password" not in caplog.text.lower()


def test_a_netrc_entry_for_the_host_does_not_replace_our_token(
    sim: AkeneoSimulator, connect: Connect, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password elsewhere\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))  # where requests looks for it
    client, _ = connect()
    assert client.upsert_products([product("netrc-proof")])[0].status_code == 201
    assert sim.request_count(status=401) == 0


def _tokens_in(text: str) -> list[str]:
    """Bearer tokens and Basic credentials (the simulator's are 43 URL-safe characters) in ``text``."""
    return re.findall(r"(?:Bearer|Basic)\s+[A-Za-z0-9_=+/-]{12,}", text)


@pytest.mark.parametrize("status", [400, 422])
def test_an_error_body_echoing_our_headers_reaches_no_message_with_the_token(
    sim: AkeneoSimulator, connect: Connect, status: int
) -> None:
    """Akeneo (or a proxy) answering a whole request with our headers quoted: every product gets the
    message, with the Authorization header's value masked."""
    client, _ = connect()
    sim.fail_next(1, status, echo_headers=True, route="/api/rest/v1/products")
    results = client.upsert_products([product("echo-1"), product("echo-2")])
    assert [r.status_code for r in results] == [status, status]
    for result in results:
        assert result.message is not None and "Request headers:" in result.message
        assert "Authorization: ***" in result.message and _tokens_in(result.message) == []
    sim.fail_next(1, 400, echo_headers=True, route="/api/rest/v1/channels")
    with pytest.raises(AkeneoError) as refused:
        client.get_json("channels")
    assert "Authorization: ***" in str(refused.value) and _tokens_in(str(refused.value)) == []


def test_a_token_refusal_echoing_our_basic_login_shows_neither_secret_nor_login(
    sim: AkeneoSimulator, connect: Connect
) -> None:
    client, _ = connect()
    sim.fail_next(1, 400, echo_headers=True, route="/api/oauth/v1/token")
    with pytest.raises(AkeneoError) as refused:
        client.get_json("channels")
    text = str(refused.value) + repr(refused.value)
    assert "Authorization: ***" in text and _tokens_in(text) == [] and "sim-secret" not in text


def test_answer_lines_and_validation_errors_are_scrubbed_too() -> None:
    """A line's message or error text quoting a token (as an echoing PIM plug-in might) is masked."""
    leaked = (
        '{"line":1,"identifier":"l","status_code":422,"message":"Authorization: Bearer abcdefghijklmnop",'
        '"errors":[{"property":"values","message":"access_token=abcdefghijklmnop"}]}'
    )
    work = plan([product("l")])
    (result,) = read_answer(work.chunks[0], work.identifiers, leaked.encode(), 1)
    assert result.message == "Authorization: ***"
    masked = {"property": "values", "attribute": None, "locale": None, "scope": None}
    masked["message"] = "access_token=***"
    assert result.errors == [masked]
