"""One HTTP exchange, through libcurl (pycurl): the transport's wire, bounded in time and size.

libcurl does the exchange in C with the GIL released; ``requests`` spent about 0.65 ms of Python
per collection request (headers built, http.client parsing the answer's headers), which at a fast
PIM was a quarter of the service's senders' CPU and time the loop's thread could not have the GIL
(``benchmarks/RESULTS.md``). Settings follow what ``requests`` did before: proxies and the CA
bundle from the environment (``HTTPS_PROXY``, ``NO_PROXY``, ``REQUESTS_CA_BUNDLE``), read once;
TLS verified against certifi's bundle unless told otherwise; redirects not followed; ``~/.netrc``
never read. Each handle keeps its connection alive between exchanges; a pool lends one per call.
"""

from __future__ import annotations

import base64
import dataclasses
import os.path
import threading
import urllib.parse
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import certifi
import pycurl
import requests
import requests.utils
from requests.structures import CaseInsensitiveDict

MAX_ANSWER_BYTES = 64 * 1024 * 1024  # an answer larger than this is cut off and refused

# libcurl's codes for an exchange that ended without a usable answer (retried).
_TIMEOUT = frozenset({pycurl.E_OPERATION_TIMEDOUT})
_NO_ANSWER = frozenset(
    {
        pycurl.E_COULDNT_RESOLVE_PROXY,
        pycurl.E_COULDNT_RESOLVE_HOST,
        pycurl.E_COULDNT_CONNECT,
        pycurl.E_PARTIAL_FILE,
        pycurl.E_GOT_NOTHING,
        pycurl.E_SEND_ERROR,
        pycurl.E_RECV_ERROR,
        pycurl.E_HTTP2,
        92,  # CURLE_HTTP2_STREAM (pycurl names it in no constant)
        8,  # CURLE_WEIRD_SERVER_REPLY
    }
)
# ... and those that say the TLS peer could not be trusted or spoken to (final: retrying won't help).
_TLS = frozenset(
    {
        pycurl.E_PEER_FAILED_VERIFICATION,
        pycurl.E_SSL_CONNECT_ERROR,
        pycurl.E_SSL_CERTPROBLEM,
        pycurl.E_SSL_CIPHER,
        pycurl.E_SSL_CACERT_BADFILE,
        pycurl.E_SSL_ISSUER_ERROR,
        pycurl.E_SSL_PINNEDPUBKEYNOTMATCH,
        pycurl.E_SSL_INVALIDCERTSTATUS,
    }
)


class TooLarge(Exception):
    """The answer ran past ``MAX_ANSWER_BYTES``."""


class NoAnswer(Exception):
    """The exchange ended without an answer; ``timeout`` says whether time ran out."""

    def __init__(self, timeout: bool, code: int, resent: int) -> None:
        super().__init__(f"curl error {code}")
        self.timeout = timeout
        self.resent = resent


class TlsFailure(Exception):
    """The server's certificate or TLS handshake was refused (curl's own words, which name no secret)."""


class HttpFailure(Exception):
    """Any other failure of the exchange; its text is curl's error number only."""


@dataclasses.dataclass(frozen=True)
class Answer:
    status_code: int
    headers: Mapping[str, str]  # case-insensitive
    content: bytes
    url: str
    resent: int = 0  # times libcurl sent the request again itself (see ``exchange``)


@dataclasses.dataclass(frozen=True)
class Wire:
    """How to reach the PIM, settled once from the base URL, ``verify`` and the environment."""

    proxy: str  # "" for none
    ca_file: str | None
    ca_dir: str | None
    verify: bool

    @classmethod
    def settle(cls, base_url: str, verify: bool | str) -> Wire:
        # requests' own rules, so that proxies and CA settings mean what they meant before.
        env = requests.Session().merge_environment_settings(base_url, {}, None, verify, None)
        proxy = requests.utils.select_proxy(base_url, env["proxies"]) or ""
        chosen = env["verify"]
        if chosen is False:
            return cls(proxy, None, None, False)
        path = chosen if isinstance(chosen, str) else certifi.where()
        is_dir = os.path.isdir(path)
        return cls(proxy, None if is_dir else path, path if is_dir else None, True)


class _Sink:
    """Collects the answer's body, refusing it past the bound (libcurl stops the transfer)."""

    __slots__ = ("chunks", "size")

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int | None:
        self.size += len(data)
        if self.size > MAX_ANSWER_BYTES:
            return 0  # fewer bytes taken than given: libcurl aborts with E_WRITE_ERROR
        self.chunks.append(data)
        return None


class Http:
    """A pool of libcurl handles for one PIM; ``exchange`` may be called from any thread."""

    def __init__(self, wire: Wire, user_agent: str) -> None:
        self._wire = wire
        self._user_agent = user_agent
        self._lock = threading.Lock()
        self._idle: list[pycurl.Curl] = []
        self._all: list[pycurl.Curl] = []
        self._closed = False

    def close(self) -> None:
        with self._lock:
            self._closed = True
            handles, self._all, self._idle = self._all, [], []
        for handle in handles:
            handle.close()

    @contextmanager
    def _handle(self) -> Iterator[pycurl.Curl]:
        with self._lock:
            handle = self._idle.pop() if self._idle else None
            if handle is None:
                handle = pycurl.Curl()
                self._all.append(handle)
        try:
            yield handle
        finally:
            with self._lock:
                if self._closed:
                    handle.close()
                else:
                    self._idle.append(handle)

    def exchange(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        params: Mapping[str, Any] | None,
        basic_auth: tuple[str, str] | None,
        timeout_s: float,
    ) -> Answer:
        """Send one request and read its whole answer.

        Raises NoAnswer, TlsFailure, TooLarge or HttpFailure."""
        if params:
            url = f"{url}{'&' if '?' in url else '?'}{urllib.parse.urlencode(params, doseq=True)}"
        lines = [f"{name}: {value}" for name, value in headers.items()]
        if basic_auth is not None:
            login = base64.b64encode(f"{basic_auth[0]}:{basic_auth[1]}".encode()).decode()
            lines.append(f"Authorization: Basic {login}")
        if any("\r" in line or "\n" in line for line in lines):  # a token of Akeneo's, say
            raise HttpFailure("a header value holds a line break")  # never a header of its own
        lines.append("Expect:")  # no 100-continue round trip before a large body
        sink = _Sink()
        received: list[bytes] = []
        sends: list[None] = []

        def before_send(*_: object) -> int:
            sends.append(None)
            return int(pycurl.PREREQFUNC_OK)

        with self._handle() as c:
            c.reset()  # options of the previous exchange gone; the connection stays
            c.setopt(pycurl.URL, url)
            c.setopt(pycurl.HTTPHEADER, lines)
            c.setopt(pycurl.USERAGENT, self._user_agent)
            c.setopt(pycurl.NOSIGNAL, 1)
            c.setopt(pycurl.HTTP_VERSION, pycurl.CURL_HTTP_VERSION_1_1)
            c.setopt(pycurl.ACCEPT_ENCODING, "gzip, deflate")
            c.setopt(pycurl.TIMEOUT_MS, max(1, int(timeout_s * 1000)))
            c.setopt(pycurl.CONNECTTIMEOUT_MS, max(1, int(timeout_s * 1000)))
            c.setopt(pycurl.PROXY, self._wire.proxy)
            if self._wire.verify:
                if self._wire.ca_file is not None:
                    c.setopt(pycurl.CAINFO, self._wire.ca_file)
                if self._wire.ca_dir is not None:
                    c.setopt(pycurl.CAPATH, self._wire.ca_dir)
            else:
                c.setopt(pycurl.SSL_VERIFYPEER, 0)
                c.setopt(pycurl.SSL_VERIFYHOST, 0)
            if method == "GET":
                c.setopt(pycurl.HTTPGET, 1)
            elif body is not None:
                c.setopt(pycurl.CUSTOMREQUEST, method)
                c.setopt(pycurl.POSTFIELDS, body)
            else:
                c.setopt(pycurl.CUSTOMREQUEST, method)
            c.setopt(pycurl.WRITEFUNCTION, sink.write)
            c.setopt(pycurl.HEADERFUNCTION, received.append)
            # Called once a connection is ready, before each send: more than once when a kept-alive
            # connection closed unanswered and libcurl sent the request again on a fresh one, which
            # it does by itself and cannot be told not to. Those sends count as attempts too.
            c.setopt(pycurl.PREREQFUNCTION, before_send)
            try:
                c.perform()
            except pycurl.error as exc:
                code = exc.args[0] if exc.args else -1
                if code == pycurl.E_WRITE_ERROR and sink.size > MAX_ANSWER_BYTES:
                    raise TooLarge(f"the answer ran past {MAX_ANSWER_BYTES:,} bytes") from None
                if code in _TIMEOUT or code in _NO_ANSWER:
                    raise NoAnswer(code in _TIMEOUT, code, max(0, len(sends) - 1)) from None
                if code in _TLS:
                    said = exc.args[1] if len(exc.args) > 1 else ""
                    raise TlsFailure(f"curl error {code}: {said}") from None
                raise HttpFailure(f"curl error {code}") from None
            status = int(c.getinfo(pycurl.RESPONSE_CODE))
        return Answer(status, _headers(received), b"".join(sink.chunks), url, max(0, len(sends) - 1))


def _headers(lines: list[bytes]) -> CaseInsensitiveDict[str]:
    """The last header block's fields (an interim 1xx block comes first, if any)."""
    fields: CaseInsensitiveDict[str] = CaseInsensitiveDict()
    for raw in lines:
        line = raw.decode("latin-1").rstrip("\r\n")
        if line.startswith("HTTP/"):
            fields = CaseInsensitiveDict()
        elif ":" in line:
            name, _, value = line.partition(":")
            fields[name.strip()] = value.strip()
    return fields
