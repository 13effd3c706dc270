"""The small HTTP server of ``/metrics``, ``/healthz`` and ``/readyz`` on METRICS_PORT.

``/healthz`` answers 200 while the main loop has beaten recently (a stuck loop turns it 503
so Kubernetes restarts the pod); ``/readyz`` answers 200 once partitions are assigned (or the
service is deliberately inactive) and Akeneo answered.
"""

from __future__ import annotations

import errno
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from consumer.errors import ConsumerError


class Health:
    """State the main loop reports and the probes read; thread-safe by assignment of simple values."""

    def __init__(self, stale_after_s: float = 60.0) -> None:
        self.stale_after_s = stale_after_s
        self._last_beat = time.monotonic()
        self.assigned = False
        self.akeneo_reachable = False
        self.inactive = False

    def beat(self) -> None:
        self._last_beat = time.monotonic()

    def alive(self) -> bool:
        return time.monotonic() - self._last_beat < self.stale_after_s

    def ready(self) -> tuple[bool, str]:
        if not self.alive():
            return False, "main loop stalled"
        if self.inactive:
            return True, "inactive (ACTIVE=false)"
        if not self.akeneo_reachable:
            return False, "Akeneo not reachable"
        if not self.assigned:
            return False, "no partitions assigned"
        return True, "ready"


class HealthServer:
    def __init__(self, registry: CollectorRegistry, health: Health, port: int, host: str = "0.0.0.0") -> None:
        self.health = health
        handler = _handler(registry, health)
        try:
            self._server = ThreadingHTTPServer((host, port), handler)
        except OSError as exc:  # a start-up failure: one line naming the setting, not a traceback
            in_use = exc.errno == errno.EADDRINUSE
            raise ConsumerError(
                f"METRICS_PORT {port} is already in use" if in_use else f"METRICS_PORT {port}: {exc.strerror}"
            ) from None
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="health-http", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> HealthServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> HealthServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _handler(registry: CollectorRegistry, health: Health) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self._send(200, generate_latest(registry), CONTENT_TYPE_LATEST)
            elif path == "/healthz":
                ok = health.alive()
                self._send(200 if ok else 503, b"ok\n" if ok else b"main loop stalled\n")
            elif path == "/readyz":
                ok, why = health.ready()
                self._send(200 if ok else 503, f"{why}\n".encode())
            else:
                self._send(404, b"not found\n")

        def _send(self, status: int, body: bytes, content_type: str = "text/plain; charset=utf-8") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # probes every few seconds would drown the JSON log

    return Handler
