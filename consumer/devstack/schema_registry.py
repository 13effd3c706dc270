"""A Schema Registry stand-in for tests and the demo: the few endpoints confluent-kafka's client calls.

    with SchemaRegistryStandIn() as registry:
        registry.url                                  # http://127.0.0.1:<free port>
        registry.register("orders-value", avsc_text)  # -> schema id, as POST /subjects/.../versions

Endpoints, with Confluent's JSON shapes and error codes (40401 subject, 40402 version,
40403 schema not found; 42201 invalid schema):

    GET  /schemas/ids/{id}                  GET /subjects
    GET  /subjects/{subject}/versions       GET /subjects/{subject}/versions/{n|latest}
    POST /subjects/{subject}/versions       POST /subjects/{subject}   (lookup)
    GET  /config

Ids are global and reused for an identical schema, as in Confluent's registry. Compatibility is
NONE: any valid schema registers, so tests can set up incompatible writers on purpose.
Run alone: ``python -m consumer.devstack.schema_registry --port 8081``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import signal
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType, TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

import fastavro

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"


class RegistryProblem(Exception):
    """An error answer: HTTP status, Confluent error code and message."""

    def __init__(self, status: int, error_code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message


def _subject_not_found(subject: str) -> RegistryProblem:
    return RegistryProblem(404, 40401, f"Subject '{subject}' not found.")


@dataclasses.dataclass(frozen=True)
class _Schema:
    text: str
    schema_type: str
    references: tuple[tuple[str, str, int], ...]  # (name, subject, version)

    def body(self) -> dict[str, Any]:
        """The fields Confluent adds to every answer that carries a schema."""
        out: dict[str, Any] = {"schema": self.text}
        if self.schema_type != "AVRO":
            out["schemaType"] = self.schema_type
        if self.references:
            out["references"] = [{"name": n, "subject": s, "version": v} for n, s, v in self.references]
        return out


def _identity(schema: _Schema) -> tuple[str, str, tuple[tuple[str, str, int], ...]]:
    """Equal schemas get one id: Avro compared as JSON (whitespace and key order aside)."""
    text = schema.text
    if schema.schema_type == "AVRO":
        text = json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    return schema.schema_type, text, schema.references


def _parse(body: object) -> _Schema:
    if not isinstance(body, dict) or not isinstance(body.get("schema"), str):
        raise RegistryProblem(422, 42201, "Invalid schema: the request needs a 'schema' string")
    schema_type = body.get("schemaType") or "AVRO"
    try:
        refs = tuple(
            (str(r["name"]), str(r["subject"]), int(r["version"])) for r in body.get("references") or []
        )
    except (KeyError, TypeError, ValueError):
        raise RegistryProblem(422, 42201, "Invalid schema: malformed references") from None
    schema = _Schema(body["schema"], str(schema_type), refs)
    if schema.schema_type == "AVRO" and not refs:  # referenced names cannot be checked alone
        try:
            fastavro.parse_schema(json.loads(schema.text))
        except Exception as exc:
            raise RegistryProblem(422, 42201, f"Invalid schema {schema.text[:80]!r}: {exc}") from None
    return schema


class _Store:
    """All schemas and subjects; every method holds the lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._schemas: list[_Schema] = []  # id = position + 1
        self._ids: dict[tuple[str, str, tuple[tuple[str, str, int], ...]], int] = {}
        self._subjects: dict[str, list[int]] = {}  # subject -> schema id of each version

    def register(self, subject: str, schema: _Schema) -> int:
        with self._lock:
            key = _identity(schema)
            schema_id = self._ids.get(key)
            if schema_id is None:
                self._schemas.append(schema)
                schema_id = self._ids[key] = len(self._schemas)
            versions = self._subjects.setdefault(subject, [])
            if schema_id not in versions:
                versions.append(schema_id)
            return schema_id

    def schema(self, schema_id: int) -> _Schema:
        with self._lock:
            if not 1 <= schema_id <= len(self._schemas):
                raise RegistryProblem(404, 40403, f"Schema {schema_id} not found")
            return self._schemas[schema_id - 1]

    def subjects(self) -> list[str]:
        with self._lock:
            return sorted(self._subjects)

    def versions(self, subject: str) -> list[int]:
        with self._lock:
            if subject not in self._subjects:
                raise _subject_not_found(subject)
            return list(range(1, len(self._subjects[subject]) + 1))

    def version(self, subject: str, version: str) -> dict[str, Any]:
        with self._lock:
            ids = self._subjects.get(subject)
            if ids is None:
                raise _subject_not_found(subject)
            if version == "latest":
                number = len(ids)
            elif version.isdigit() and int(version) >= 1:
                number = int(version)
            else:
                raise RegistryProblem(422, 42202, f"The specified version '{version}' is not a valid version")
            if number > len(ids):
                raise RegistryProblem(404, 40402, f"Version {number} not found.")
            return self._answer(subject, number, ids[number - 1])

    def lookup(self, subject: str, schema: _Schema) -> dict[str, Any]:
        with self._lock:
            ids = self._subjects.get(subject)
            if ids is None:
                raise _subject_not_found(subject)
            schema_id = self._ids.get(_identity(schema))
            if schema_id not in ids:
                raise RegistryProblem(404, 40403, "Schema not found")
            return self._answer(subject, ids.index(schema_id) + 1, schema_id)

    def _answer(self, subject: str, version: int, schema_id: int) -> dict[str, Any]:
        schema = self._schemas[schema_id - 1]
        return {"subject": subject, "version": version, "id": schema_id, **schema.body()}


_Route = tuple[str, re.Pattern[str], Callable[["_Handler", re.Match[str]], object]]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 10  # a stuck client cannot hold a thread for long

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def log_message(self, format: str, *args: Any) -> None:  # tests read the request log instead
        pass

    def _dispatch(self, method: str) -> None:
        path = urlsplit(self.path).path
        self.server.log(method, path)
        try:
            for route_method, pattern, action in _ROUTES:
                match = pattern.fullmatch(path)
                if match and route_method == method:
                    self._send(200, action(self, match))
                    return
            raise RegistryProblem(404, 404, "HTTP 404 Not Found")
        except RegistryProblem as problem:
            self._send(problem.status, {"error_code": problem.error_code, "message": problem.message})

    def _body(self) -> object:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            return json.loads(self.rfile.read(length) or b"null")
        except ValueError:
            raise RegistryProblem(400, 400, "Unrecognized JSON in the request body") from None

    def _send(self, status: int, payload: object) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", CONTENT_TYPE)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    # the endpoints
    def schema_by_id(self, m: re.Match[str]) -> object:
        return self.server.store.schema(int(m["id"])).body()

    def subjects(self, m: re.Match[str]) -> object:
        return self.server.store.subjects()

    def versions(self, m: re.Match[str]) -> object:
        return self.server.store.versions(unquote(m["subject"]))

    def version(self, m: re.Match[str]) -> object:
        return self.server.store.version(unquote(m["subject"]), m["version"])

    def register(self, m: re.Match[str]) -> object:
        return {"id": self.server.store.register(unquote(m["subject"]), _parse(self._body()))}

    def lookup(self, m: re.Match[str]) -> object:
        return self.server.store.lookup(unquote(m["subject"]), _parse(self._body()))

    def config(self, m: re.Match[str]) -> object:
        return {"compatibilityLevel": "NONE"}


_ROUTES: list[_Route] = [
    ("GET", re.compile(r"/schemas/ids/(?P<id>\d{1,10})"), _Handler.schema_by_id),
    ("GET", re.compile(r"/subjects/?"), _Handler.subjects),
    ("GET", re.compile(r"/subjects/(?P<subject>[^/]+)/versions/?"), _Handler.versions),
    ("GET", re.compile(r"/subjects/(?P<subject>[^/]+)/versions/(?P<version>[^/]+)"), _Handler.version),
    ("POST", re.compile(r"/subjects/(?P<subject>[^/]+)/versions/?"), _Handler.register),
    ("POST", re.compile(r"/subjects/(?P<subject>[^/]+)/?"), _Handler.lookup),
    ("GET", re.compile(r"/config/?"), _Handler.config),
]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], store: _Store) -> None:
        super().__init__(address, _Handler)
        self.store = store
        self._log_lock = threading.Lock()
        self.requests: list[tuple[str, str]] = []

    def log(self, method: str, path: str) -> None:
        with self._log_lock:
            self.requests.append((method, path))


class SchemaRegistryStandIn:
    """A registry on 127.0.0.1 (a free port unless given), served from a background thread."""

    def __init__(self, port: int = 0) -> None:
        self._store = _Store()
        self._server = _Server(("127.0.0.1", port), self._store)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def requests(self) -> list[tuple[str, str]]:
        """(method, path) of every HTTP request served so far, oldest first."""
        with self._server._log_lock:
            return list(self._server.requests)

    def register(self, subject: str, schema: str, schema_type: str = "AVRO") -> int:
        """Register directly (no HTTP); the same rules as POST /subjects/{subject}/versions."""
        return self._store.register(subject, _parse({"schema": schema, "schemaType": schema_type}))

    def start(self) -> SchemaRegistryStandIn:
        if self._thread is None:
            self._thread = threading.Thread(  # a short poll interval makes stop() prompt
                target=self._server.serve_forever, args=(0.05,), name="schema-registry", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> SchemaRegistryStandIn:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m consumer.devstack.schema_registry", description="A Schema Registry stand-in."
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    args = parser.parse_args(argv)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with SchemaRegistryStandIn(args.port) as registry:
        print(f"schema registry stand-in listening on {registry.url}", flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
