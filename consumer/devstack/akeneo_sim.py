"""Akeneo PIM simulator: the REST API as far as the client and the service can observe it.

Embeddable (``with AkeneoSimulator() as sim: ...``) or runnable::

    python -m consumer.devstack.akeneo_sim --port 8081 [--catalog FILE] [--token-ttl S] ...

Besides Akeneo's endpoints it serves an inspection API under ``/_sim/`` (no token needed) so that a
demo or a benchmark can read statistics and turn knobs of a simulator in another process.
See docs/simulator.md.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import FrameType, TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote

import orjson

from consumer.devstack.sim_api import (
    AkeneoApi,
    Headers,
    Match,
    Request,
    Response,
    check_accept,
    check_content_type,
    error,
)
from consumer.devstack.sim_auth import DEFAULT_CREDENTIALS, SimCredentials, TokenAuthority, as_credentials
from consumer.devstack.sim_catalog import Catalog, load_sample_catalog
from consumer.devstack.sim_entities import Entities
from consumer.devstack.sim_knobs import SimKnobs
from consumer.devstack.sim_server import HttpServer
from consumer.devstack.sim_stats import Stats
from consumer.devstack.sim_store import model_store, product_store
from consumer.devstack.sim_traffic import Refusal, Traffic

__all__ = [
    "DEFAULT_CREDENTIALS", "AkeneoSimulator", "SimCredentials", "SimKnobs", "load_sample_catalog", "main",
]

_INSPECT = "/_sim/"
# Proxies in front of Akeneo answer 502 with an HTML page, not JSON: clients must cope with both.
_BAD_GATEWAY_PAGE = b"<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>"


def _retry_after(seconds: float) -> str:
    """Whole seconds as HTTP says; a fraction only when a test asked for one below a second."""
    if seconds >= 1 or seconds == 0:
        return str(max(0, round(seconds)))
    return f"{seconds:.3f}".rstrip("0")


def path_segments(raw_path: str) -> list[str]:
    """The decoded segments a route is matched against, dot segments resolved away (RFC 3986 5.2.4).

    Akeneo's web server normalises paths before routing, decoding first, so a literal or
    percent-encoded `..` never names a product: `DELETE /products/..` is `DELETE /api/rest/v1/`.
    """
    decoded = [unquote(part) for part in raw_path.split("/")[1:]]
    segments: list[str] = []
    for position, part in enumerate(decoded):
        if part in (".", ".."):
            if part == ".." and segments:
                segments.pop()
            if position == len(decoded) - 1:
                segments.append("")  # ".../products/." is ".../products/": a directory, not a product
        else:
            segments.append(part)
    return segments


def _refusal_response(refusal: Refusal, request_headers: Headers) -> Response:
    headers = [] if refusal.retry_after_s is None else [("Retry-After", _retry_after(refusal.retry_after_s))]
    if refusal.status == 502:
        return Response(502, _BAD_GATEWAY_PAGE, "text/html", headers)
    message = refusal.message
    if refusal.echo_headers:  # what a misconfigured proxy or a debug page does: secrets included
        message += " " + "; ".join(f"{name}: {value}" for name, value in request_headers.items())
    return error(refusal.status, message, headers)


class AkeneoSimulator:
    """One simulated PIM: catalog, products, product models, tokens, knobs and statistics, over HTTP."""

    def __init__(self, catalog: Mapping[str, Any] | None = None,
                 credentials: Iterable[Any] = DEFAULT_CREDENTIALS, knobs: SimKnobs | None = None,
                 host: str = "127.0.0.1", port: int = 0, clock: Callable[[], float] = time.monotonic,
                 record_history: bool = False) -> None:
        """``clock`` (monotonic seconds) drives token expiry, rate limits and outages (tests fake it);
        ``record_history`` keeps every write per product and product model for ``history()`` and
        ``model_history()`` (memory grows with writes)."""
        self.catalog = Catalog(load_sample_catalog() if catalog is None else catalog)
        self._clock = clock
        self._store = product_store(self.catalog.identifier_attribute, record_history)
        self._models = model_store(record_history)
        self._credentials = [as_credentials(c) for c in credentials]
        self._auth = TokenAuthority(self._credentials, clock)
        self._stats = Stats()
        self._traffic = Traffic(clock)
        self._knobs = knobs or SimKnobs()
        self._traffic.seed(self._knobs.seed)
        self._knobs_lock = threading.Lock()
        self._entities = Entities(
            self.catalog, self._store, self._models, self._stats, lambda: self._knobs, self._traffic
        )
        self._api = AkeneoApi(self.catalog, self._entities, self._auth, lambda: self._knobs)
        self._address = (host, port)
        self._server: HttpServer | None = None

    # -- life cycle -------------------------------------------------------------------------------

    def start(self) -> AkeneoSimulator:
        if self._server is None:
            self._server = HttpServer(self.handle, *self._address)
            self._address = self._server.address
            self._server.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> AkeneoSimulator:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        host, port = self._address
        return f"http://{host}:{port}"

    def settings_env(self) -> dict[str, str]:
        """The service's AKENEO_* settings for this simulator and its first credentials."""
        creds = self._credentials[0]
        return {
            "AKENEO_HOST": self.base_url,
            "AKENEO_CLIENT_ID": creds.client_id,
            "AKENEO_CLIENT_SECRET": creds.secret,
            "AKENEO_USERNAME": creds.username,
            "AKENEO_PASSWORD": creds.password,
        }

    # -- knobs and faults -------------------------------------------------------------------------

    @property
    def knobs(self) -> SimKnobs:
        return self._knobs

    def set_knobs(self, **changes: Any) -> SimKnobs:
        """Change knobs by name (see SimKnobs; ``outage_for_s=S`` too). Raises ValueError on a bad one."""
        with self._knobs_lock:
            self._knobs = self._knobs.replace(clock=self._clock, **changes)
            if "seed" in changes:
                self._traffic.seed(self._knobs.seed)
            return self._knobs

    def start_outage(self, seconds: float) -> None:
        """Every API request answers 503 (with Retry-After) for the next ``seconds``."""
        self.set_knobs(outage_for_s=seconds)

    def fail_next(self, count: int = 1, status: int = 503, *, drop: bool = False, drop_after: bool = False,
                  retry_after_s: float | None = None, route: str | None = None,
                  echo_headers: bool = False) -> None:
        """The next ``count`` API requests (to spec path ``route`` only, if given) answer ``status``
        (``echo_headers``: with a message quoting the request's headers, its token included),
        or lose their connection unanswered: before being handled (``drop``) or after (``drop_after``:
        products are stored, the client never learns it)."""
        self._traffic.fail_next(count, status, drop=drop, drop_after=drop_after, retry_after_s=retry_after_s,
                                route=route, echo_headers=echo_headers)

    def expire_tokens(self) -> None:
        """Every access token issued so far now answers 401 "has expired"; refresh tokens stay valid."""
        self._auth.expire_access_tokens()

    def revoke_refresh_tokens(self) -> None:
        self._auth.revoke_refresh_tokens()

    # -- inspection -------------------------------------------------------------------------------

    @property
    def products(self) -> dict[str, dict[str, Any]]:
        """Stored products by identifier (a snapshot): as GET /products/{code} returns them, but for a
        variant product only the values it holds itself (GET adds its models' values)."""
        return self._store.snapshot()

    @property
    def product_models(self) -> dict[str, dict[str, Any]]:
        """Stored product models by code (a snapshot), each with the values it holds itself."""
        return self._models.snapshot()

    def history(self, identifier: str) -> list[Mapping[str, Any] | None]:
        """Every write applied to ``identifier``, oldest first (None: a delete); needs record_history."""
        return self._store.history(identifier)

    def model_history(self, code: str) -> list[Mapping[str, Any] | None]:
        """Every write applied to product model ``code``, oldest first; needs record_history."""
        return self._models.history(code)

    def seed_products(self, products: Iterable[Mapping[str, Any]]) -> None:
        """Store products directly, validated as a PATCH would be; ValueError names the first bad one."""
        self._entities.seed(self._entities.products, products)

    def seed_product_models(self, models: Iterable[Mapping[str, Any]]) -> None:
        """Store product models directly (parents first), validated as a PATCH would be."""
        self._entities.seed(self._entities.models, models)

    def clear_products(self) -> None:
        self._store.clear()

    def clear_product_models(self) -> None:
        """Forget every product model (their variant products stay: clear those with clear_products)."""
        self._models.clear()

    def stats(self) -> dict[str, Any]:
        """Requests by (method, route, status), product line outcomes, tokens, concurrency."""
        snapshot = self._stats.snapshot()
        snapshot.update(
            peak_concurrency=self._traffic.peak,
            current_concurrency=self._traffic.in_flight,
            peak_admitted=self._traffic.admitted_peak,
            busy_seconds=self._traffic.busy_seconds(),
            too_many_requests=self._stats.count(status=429),
            tokens_issued=dict(self._auth.issued),
            products_stored=len(self._store),
            product_models_stored=len(self._models),
        )
        return snapshot

    def request_count(self, method: str | None = None, route: str | None = None,
                      status: int | None = None) -> int:
        """Answered API requests matching every given part; ``route`` is the spec's path template."""
        return self._stats.count(method, route, status)

    def reset_stats(self) -> None:
        self._stats.reset()
        self._traffic.reset_peak()

    # -- request pipeline -------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: Headers, body: bytes) -> Response | None:
        """Answer one HTTP request; None drops the connection unanswered."""
        raw_path, _, raw_query = target.partition("?")
        if raw_path.startswith(_INSPECT):
            return self._inspect(method, raw_path[len(_INSPECT):], body)
        segments = path_segments(raw_path)
        match = self._api.router.match(method, segments)
        route = match.route.template if match.route else "unmatched"
        connection = self._auth.connection_of(headers.get("Authorization"))
        self._traffic.enter()
        entered = time.monotonic()
        knobs = self._knobs
        refusal = self._traffic.admit(knobs, connection)
        admitted = refusal is None  # injected faults below are answered by an admitted request
        try:
            fault = None if refusal else self._traffic.fault(knobs, route)
            if fault is not None:
                if fault.delay_s:
                    time.sleep(fault.delay_s)
                if fault.drop:
                    self._stats.event("dropped")
                    return None
                refusal = fault.refusal
            if refusal is not None:
                response = _refusal_response(refusal, headers)
            else:
                host = headers.get("Host")
                base = "" if knobs.relative_links else f"http://{host}" if host else self.base_url
                query = dict(parse_qsl(raw_query, keep_blank_values=True))
                response = self._dispatch(method, target, match, Request(method, match.params, query, headers,
                                                                          body, base))
                # The latency knobs give Akeneo's answer time, its own processing included: only
                # what our handling has not used up yet is slept.
                delay = knobs.latency_base_s + knobs.latency_per_product_s * response.products
                if delay:
                    time.sleep(max(0.0, delay - (time.monotonic() - entered)))
                if fault is not None and fault.drop_after:
                    self._stats.event("dropped_after_handling")
                    return None
            self._stats.request(method, route, response.status)
            return response
        finally:
            self._traffic.leave(connection, admitted)

    def _dispatch(self, method: str, target: str, match: Match, request: Request) -> Response:
        route = match.route
        if route is None:
            path = target.partition("?")[0]
            if match.allowed:
                allowed = ", ".join(match.allowed)
                message = f'No route found for "{method} {path}": Method Not Allowed (Allow: {allowed})'
                return error(405, message, [("Allow", allowed)])
            return error(404, f'No route found for "{method} {path}"')
        if not route.public:
            problem = self._auth.check(request.headers.get("Authorization"))
            if problem is not None:
                return error(401, problem, [("WWW-Authenticate",
                                             f'Bearer realm="Service", error="invalid_grant", '
                                             f'error_description="{problem}"')])
        if method == "GET":
            return check_accept(request.headers) or route.handler(request)
        return check_content_type(route, request.headers) or route.handler(request)

    # -- inspection API ---------------------------------------------------------------------------

    def _inspect(self, method: str, name: str, body: bytes) -> Response:
        def ok(payload: Any) -> Response:
            return Response(200, orjson.dumps(payload))

        try:
            params = orjson.loads(body) if body.strip() else {}
            if not isinstance(params, dict):
                raise ValueError("body must be a JSON object")
            if method == "GET" and name == "stats":
                return ok(self.stats())
            if method == "GET" and name == "products":
                return ok(self.products)
            if method == "GET" and name == "product-models":
                return ok(self.product_models)
            if method == "GET" and name == "knobs":
                return ok(self._knobs.as_dict(self._clock()))
            if method == "POST" and name == "knobs":
                return ok(self.set_knobs(**params).as_dict(self._clock()))
            if method == "POST" and name == "reset":
                self.reset_stats()
                return ok({"reset": "stats"})
            if method == "POST" and name == "clear-products":
                self.clear_products()
                return ok({"cleared": "products"})
            if method == "POST" and name == "clear-product-models":
                self.clear_product_models()
                return ok({"cleared": "product models"})
            if method == "POST" and name == "expire-tokens":
                self.expire_tokens()
                return ok({"expired": "access tokens"})
            if method == "POST" and name == "revoke-refresh-tokens":
                self.revoke_refresh_tokens()
                return ok({"revoked": "refresh tokens"})
            if method == "POST" and name == "fail-next":
                self.fail_next(**params)
                return ok({"scheduled": params.get("count", 1)})
        except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
            return error(400, str(exc))
        return error(404, f'No inspection route "{method} {_INSPECT}{name}"')


# -- command line ---------------------------------------------------------------------------------

_KNOB_FLAGS = {
    "token_ttl": ("token_ttl_s", float, "access token lifetime in seconds [3600]"),
    "latency_base": ("latency_base_s", float, "seconds added to every API answer [0]"),
    "latency_per_product": ("latency_per_product_s", float, "seconds added per product line [0]"),
    "max_concurrency": ("max_concurrency", int, "requests in progress above this answer 429 [0 = off]"),
    "rps_limit": ("rps_limit", float, "requests per second above this answer 429 [0 = off]"),
    "retry_after": ("retry_after_s", float, "Retry-After of 429 answers in seconds [1]"),
    "error_rate": ("error_rate", float, "share of requests answered 500/502/503 [0]"),
    "drop_rate": ("drop_rate", float, "share of connections dropped unanswered [0]"),
    "drop_after_rate": ("drop_after_rate", float, "share of requests handled, then dropped unanswered [0]"),
    "slow_rate": ("slow_rate", float, "share of requests delayed by --slow-s [0]"),
    "slow_s": ("slow_s", float, "delay of slow requests in seconds [0]"),
    "max_concurrency_per_connection": ("max_concurrency_per_connection", int,
                                       "requests in progress on one connection above this answer 429 [0]"),
    "echo_headers_rate": ("echo_headers_rate", float, "share of requests refused, headers echoed [0]"),
    "line_error_rate": ("line_error_rate", float, "share of collection lines answered 429/500/503 [0]"),
    "short_answer_rate": ("short_answer_rate", float, "share of collection answers missing lines [0]"),
    "garbled_answer_rate": ("garbled_answer_rate", float, "share of collection answers not NDJSON [0]"),
    "seed": ("seed", int, "seed of the fault dice"),
}


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m consumer.devstack.akeneo_sim",
                                     description="Serve a simulated Akeneo PIM REST API on a loopback port.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind [127.0.0.1]")
    parser.add_argument("--port", type=int, default=0, help="port to bind [0 = a free one]")
    parser.add_argument("--catalog", help="catalog JSON file [the bundled icecat sample]")
    for flag, (_, kind, text) in _KNOB_FLAGS.items():
        parser.add_argument("--" + flag.replace("_", "-"), dest=flag, type=kind, help=text)
    parser.add_argument("--no-validate", dest="validate", action="store_false",
                        help="store products unchecked (benchmarks of the service, not of the simulator)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    try:
        catalog = None
        if args.catalog:
            with open(args.catalog, encoding="utf-8") as handle:
                catalog = json.load(handle)
        if catalog is not None and not isinstance(catalog, dict):
            raise ValueError(f"catalog {args.catalog} is not a JSON object")
        changes = {name: getattr(args, flag) for flag, (name, _, _) in _KNOB_FLAGS.items()
                   if getattr(args, flag) is not None}
        changes["validate"] = args.validate
        knobs = SimKnobs().replace(**changes)
        sim = AkeneoSimulator(catalog, knobs=knobs, host=args.host, port=args.port).start()
    except (OSError, ValueError) as exc:
        print(f"akeneo_sim: error: {exc}", file=sys.stderr)
        return 2
    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print(f"Akeneo simulator listening on {sim.base_url}", flush=True)
    stopping.wait()
    sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
