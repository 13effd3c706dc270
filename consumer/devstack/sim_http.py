"""What every simulated endpoint shares: requests, responses, routes, Akeneo's header checks, pages.

Routes are named by the path templates of Akeneo's own API description (akeneo-web-api.json), so
statistics and the conformance tests speak the spec's language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote, urlencode

import orjson

API = "/api/rest/v1"
TOKEN_ROUTE = "/api/oauth/v1/token"
JSON = "application/json"
COLLECTION = "application/vnd.akeneo.collection+json"
FORM = "application/x-www-form-urlencoded"
MAX_LINES = 100
MAX_LINE_BYTES = 1_000_000
MAX_LIMIT = 100
DEFAULT_LIMIT = 10
MSG_BAD_JSON = "Invalid json message received"
MSG_TOO_MANY_LINES = f"Too many resources to process, {MAX_LINES} is the maximum allowed."
MSG_LINE_FAILED = "An unexpected error occurred while processing this line."
LINE_ERRORS = {429: "You have exceeded the limit of API requests per second.", 503: "Service Unavailable"}
# A 200 body that is not NDJSON: what a proxy's error page or a mangled stream looks like.
MSG_GARBLED = b"<html><body><h1>Upstream answered garbage</h1></body></html>"


class Headers(Protocol):
    """Case-insensitive request headers (http.client.HTTPMessage, or a dict in tests)."""

    def get(self, name: str, /) -> str | None: ...

    def items(self) -> Iterable[tuple[str, str]]: ...


class Dice(Protocol):
    """The simulator's seeded fault dice (sim_traffic.Traffic)."""

    def chance(self, share: float) -> bool: ...

    def pick(self, choices: Sequence[int]) -> int: ...

    def below(self, count: int) -> int: ...


@dataclass(slots=True)
class Request:
    method: str
    params: dict[str, str]  # path parameters, decoded
    query: dict[str, str]
    headers: Headers
    body: bytes
    base_url: str  # scheme://host:port the client used, for absolute links


@dataclass(slots=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = JSON
    headers: list[tuple[str, str]] = field(default_factory=list)
    products: int = 0  # product (or product model) lines handled, for per-product latency


def json_response(status: int, payload: Any, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, orjson.dumps(payload), JSON, headers or [])


def error(status: int, message: str, headers: list[tuple[str, str]] | None = None,
          **extra: Any) -> Response:
    return json_response(status, {"code": status, "message": message, **extra}, headers)


Handler = Callable[[Request], Response]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    template: str
    handler: Handler
    public: bool = False  # no bearer token needed
    content_types: tuple[str, ...] = ()  # accepted request bodies (PATCH/POST)

    @property
    def segments(self) -> list[str]:
        return self.template.split("/")[1:]


@dataclass(frozen=True, slots=True)
class Match:
    route: Route | None
    params: dict[str, str]
    allowed: tuple[str, ...] = ()  # methods of the path when the method did not match


class Router:
    def __init__(self, routes: list[Route]) -> None:
        self.routes = routes
        self._by_length: dict[int, list[tuple[list[str], Route]]] = {}
        for route in routes:
            segs = route.segments
            self._by_length.setdefault(len(segs), []).append((segs, route))

    def match(self, method: str, segments: list[str]) -> Match:
        allowed: list[str] = []
        for template, route in self._by_length.get(len(segments), ()):
            params: dict[str, str] = {}
            for want, got in zip(template, segments, strict=True):
                if want.startswith("{"):
                    if not got:
                        break
                    params[want[1:-1]] = got
                elif want != got:
                    break
            else:
                if route.method == method:
                    return Match(route, params)
                allowed.append(route.method)
        return Match(None, {}, tuple(allowed))


def media_type(headers: Headers) -> str:
    return (headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()


def check_content_type(route: Route, headers: Headers) -> Response | None:
    """Akeneo's 415 answers for a missing or unexpected Content-Type."""
    if not route.content_types:
        return None
    allowed = '" or "'.join(route.content_types)
    media = media_type(headers)
    if not media:
        return error(415, f'The "Content-Type" header is missing. "{allowed}" has to be specified as value.')
    if media not in route.content_types:
        verb = "are" if len(route.content_types) > 1 else "is"
        message = f'"{media}" in "Content-Type" header is not valid. Only "{allowed}" {verb} allowed.'
        return error(415, message)
    return None


def check_accept(headers: Headers) -> Response | None:
    """Akeneo's 406 for a GET whose Accept header excludes JSON."""
    accept = headers.get("Accept")
    if accept is None or JSON in accept or "*/*" in accept or "application/*" in accept:
        return None
    return error(406, f'"{accept}" in "Accept" header is not valid. Only "{JSON}" is allowed.')


class BadQuery(Exception):
    pass


def _positive(query: Mapping[str, str], name: str, default: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise BadQuery(f'"{raw}" is not a valid {name} number.')
    return int(raw)


@dataclass(frozen=True, slots=True)
class Paging:
    page: int
    limit: int
    with_count: bool


def paging(query: Mapping[str, str]) -> Paging:
    limit = _positive(query, "limit", DEFAULT_LIMIT)
    if limit > MAX_LIMIT:
        raise BadQuery(f"You cannot request more than {MAX_LIMIT} items.")
    with_count = query.get("with_count", "false")
    if with_count not in ("true", "false"):
        raise BadQuery(f'Parameter "with_count" has to be a boolean. Only "true" or "false" allowed, '
                        f'"{with_count}" given.')
    return Paging(_positive(query, "page", 1), limit, with_count == "true")


def href(base: str, path: str, query: Mapping[str, Any] | None = None) -> dict[str, str]:
    return {"href": f"{base}{path}?{urlencode(query)}" if query else f"{base}{path}"}


def linked(base: str, path: str, item: Mapping[str, Any]) -> dict[str, Any]:
    return {"_links": {"self": href(base, path)}, **item}


def code_path(collection: str, code: str) -> str:
    return f"{collection}/{quote(code, safe='')}"


def page_answer(req: Request, path: str, pages: Paging, items: list[dict[str, Any]], has_next: bool,
                total: int) -> Response:
    """One page of a list, with Akeneo's ``_links`` (self, first, previous, next) and ``items_count``."""
    def link(page: int) -> dict[str, str]:
        return href(req.base_url, path, {**req.query, "page": page, "limit": pages.limit})

    links = {"self": link(pages.page), "first": link(1)}
    if pages.page > 1:
        links["previous"] = link(pages.page - 1)
    if has_next:
        links["next"] = link(pages.page + 1)
    body: dict[str, Any] = {"_links": links, "current_page": pages.page}
    if pages.with_count:
        body["items_count"] = total
    body["_embedded"] = {"items": items}
    return json_response(200, body)


def page_of(req: Request, path: str, items: list[dict[str, Any]],
            item_path: Callable[[dict[str, Any]], str]) -> Response:
    """The requested page of ``items`` (all in memory), each linked to ``item_path(item)``."""
    try:
        query = paging(req.query)
    except BadQuery as exc:
        return error(422, str(exc))
    start = (query.page - 1) * query.limit
    chunk = items[start:start + query.limit]
    return page_answer(req, path, query, [linked(req.base_url, item_path(i), i) for i in chunk],
                       has_next=start + query.limit < len(items), total=len(items))


def json_object(raw: bytes) -> dict[str, Any] | None:
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, dict) else None
