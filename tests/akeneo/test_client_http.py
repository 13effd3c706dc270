"""The client's wire (libcurl): proxies and CA settings from the environment, answers bounded in size."""

from __future__ import annotations

import http.client
import http.server
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import certifi
import pytest

from consumer.akeneo import AkeneoClient, AkeneoError
from consumer.akeneo import http as wire
from consumer.akeneo.http import Wire
from consumer.devstack.akeneo_sim import AkeneoSimulator

from .support import FAST_RETRY, SIM_CREDENTIALS, product


class ForwardProxy:
    """A plain-HTTP forward proxy on loopback that passes every request on and remembers its line."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                proxy.seen.append(f"{self.command} {self.path}")
                target = urllib.parse.urlsplit(self.path)  # a proxy is asked for the absolute URL
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                upstream = http.client.HTTPConnection(target.hostname or "", target.port, timeout=10)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("proxy-connection",)}
                path = target.path + (f"?{target.query}" if target.query else "")
                upstream.request(self.command, path, body=body or None, headers=headers)
                answer = upstream.getresponse()
                content = answer.read()
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in ("transfer-encoding", "content-length", "connection"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)
                upstream.close()

            do_GET = do_POST = do_PATCH = do_DELETE = _forward

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> ForwardProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def proxy() -> Iterator[ForwardProxy]:
    with ForwardProxy() as running:
        yield running


def test_requests_go_through_the_proxy_the_environment_names(
    sim: AkeneoSimulator, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with AkeneoClient(sim.base_url, SIM_CREDENTIALS, retry=FAST_RETRY) as client:
        [result] = client.upsert_products([product("via-proxy")])
    assert result.status_code == 201
    assert "via-proxy" in sim.products
    assert f"POST {sim.base_url}/api/oauth/v1/token" in proxy.seen
    assert f"PATCH {sim.base_url}/api/rest/v1/products" in proxy.seen


def test_no_proxy_for_the_pim_host_goes_direct(
    sim: AkeneoSimulator, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with AkeneoClient(sim.base_url, SIM_CREDENTIALS, retry=FAST_RETRY) as client:
        [result] = client.upsert_products([product("direct")])
    assert result.status_code == 201
    assert proxy.seen == []


def test_wire_settings_follow_the_environment_and_verify(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = ("HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
    for name in names:
        monkeypatch.delenv(name, raising=False)
    assert Wire.settle("https://pim.example.com", True) == Wire("", certifi.where(), None, True)
    assert Wire.settle("https://pim.example.com", False).verify is False
    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    assert Wire.settle("https://pim.example.com", str(bundle)).ca_file == str(bundle)
    assert Wire.settle("https://pim.example.com", str(tmp_path)).ca_dir == str(tmp_path)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    assert Wire.settle("https://pim.example.com", True).ca_file == str(bundle)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    assert Wire.settle("https://pim.example.com", True).proxy == "http://proxy.internal:3128"
    monkeypatch.setenv("NO_PROXY", ".example.com")
    assert Wire.settle("https://pim.example.com", True).proxy == ""


def test_an_answer_over_the_size_bound_is_refused_not_read_to_the_end(
    sim: AkeneoSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    with AkeneoClient(sim.base_url, SIM_CREDENTIALS, retry=FAST_RETRY) as client:
        assert client.get_json("channels")  # the token's answer and this one fit
        monkeypatch.setattr(wire, "MAX_ANSWER_BYTES", 200)
        with pytest.raises(AkeneoError, match="the answer ran past 200 bytes"):
            client.get_json("attributes")


def test_a_header_value_with_a_line_break_is_never_sent(sim: AkeneoSimulator) -> None:
    http = wire.Http(Wire.settle(sim.base_url, True), "test")
    try:
        sim.reset_stats()
        with pytest.raises(wire.HttpFailure, match="line break"):
            http.exchange("GET", f"{sim.base_url}/api/rest/v1/channels",
                          {"Authorization": "Bearer t\r\nX-Injected: 1"}, None, None, None, 5.0)
        assert sim.stats()["requests_total"] == 0
    finally:
        http.close()
