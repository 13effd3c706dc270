"""The Akeneo REST endpoints the simulator serves, as plain request -> response functions.

Routes are named by the path templates of Akeneo's own API description (akeneo-web-api.json), so
statistics and the conformance tests speak the spec's language. Transport, limits and faults are
elsewhere; this module only answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qsl, quote, urlencode

import orjson

from consumer.devstack.sim_auth import TokenAuthority, TokenError
from consumer.devstack.sim_catalog import Catalog
from consumer.devstack.sim_knobs import SimKnobs
from consumer.devstack.sim_stats import Stats
from consumer.devstack.sim_store import ProductStore
from consumer.devstack.sim_validation import Rejection, validate_product

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
_LINE_ERRORS = {429: "You have exceeded the limit of API requests per second.",
                503: "Service Unavailable"}
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
    products: int = 0  # product lines handled, for per-product latency


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


def _media_type(headers: Headers) -> str:
    return (headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()


def check_content_type(route: Route, headers: Headers) -> Response | None:
    """Akeneo's 415 answers for a missing or unexpected Content-Type."""
    if not route.content_types:
        return None
    allowed = '" or "'.join(route.content_types)
    media = _media_type(headers)
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


class _BadQuery(Exception):
    pass


def _positive(query: Mapping[str, str], name: str, default: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise _BadQuery(f'"{raw}" is not a valid {name} number.')
    return int(raw)


@dataclass(frozen=True, slots=True)
class _Paging:
    page: int
    limit: int
    with_count: bool


def _paging(query: Mapping[str, str]) -> _Paging:
    limit = _positive(query, "limit", DEFAULT_LIMIT)
    if limit > MAX_LIMIT:
        raise _BadQuery(f"You cannot request more than {MAX_LIMIT} items.")
    with_count = query.get("with_count", "false")
    if with_count not in ("true", "false"):
        raise _BadQuery(f'Parameter "with_count" has to be a boolean. Only "true" or "false" allowed, '
                        f'"{with_count}" given.')
    return _Paging(_positive(query, "page", 1), limit, with_count == "true")


def _href(base: str, path: str, query: Mapping[str, Any] | None = None) -> dict[str, str]:
    return {"href": f"{base}{path}?{urlencode(query)}" if query else f"{base}{path}"}


def _linked(base: str, path: str, item: Mapping[str, Any]) -> dict[str, Any]:
    return {"_links": {"self": _href(base, path)}, **item}


def _code_path(collection: str, code: str) -> str:
    return f"{collection}/{quote(code, safe='')}"


class AkeneoApi:
    """The endpoints; holds the catalog, the products and the token authority."""

    def __init__(self, catalog: Catalog, store: ProductStore, auth: TokenAuthority, stats: Stats,
                 knobs: Callable[[], SimKnobs], dice: Dice) -> None:
        self.catalog = catalog
        self.store = store
        self.auth = auth
        self.stats = stats
        self._knobs = knobs
        self._dice = dice
        c = catalog
        routes = [
            Route("POST", TOKEN_ROUTE, self.token, public=True, content_types=(JSON, FORM)),
            Route("GET", API, self.root, public=True),
            Route("GET", f"{API}/products", self.list_products),
            Route("POST", f"{API}/products", self.create_product, content_types=(JSON,)),
            Route("PATCH", f"{API}/products", self.patch_products, content_types=(COLLECTION,)),
            Route("GET", f"{API}/products/{{code}}", self.get_product),
            Route("PATCH", f"{API}/products/{{code}}", self.patch_product, content_types=(JSON,)),
            Route("DELETE", f"{API}/products/{{code}}", self.delete_product),
            Route("GET", f"{API}/attributes/{{attribute_code}}/options", self.list_options),
            Route("GET", f"{API}/attributes/{{attribute_code}}/options/{{code}}", self.get_option),
            Route("GET", f"{API}/measurement-families", self.measurement_families),
        ]
        for name, items, by_code, label in (
            ("attributes", c.attributes, c.attribute_by_code, "Attribute"),
            ("channels", c.channels, c.channel_by_code, "Channel"),
            ("locales", c.locales, c.locale_by_code, "Locale"),
            ("currencies", c.currencies, c.currency_by_code, "Currency"),
            ("families", c.families, c.family_by_code, "Family"),
            ("categories", c.categories, c.category_by_code, "Category"),
            ("association-types", c.association_types, c.association_type_by_code, "Association type"),
        ):
            routes.append(Route("GET", f"{API}/{name}", self._lister(f"{API}/{name}", items)))
            routes.append(Route("GET", f"{API}/{name}/{{code}}", self._getter(by_code, label)))
        self.router = Router(routes)

    # -- authentication ---------------------------------------------------------------------------

    def token(self, req: Request) -> Response:
        if _media_type(req.headers) == FORM:
            params: dict[str, Any] = dict(parse_qsl(req.body.decode("utf-8", "replace")))
        else:
            try:
                parsed = orjson.loads(req.body)
            except orjson.JSONDecodeError:
                return error(400, MSG_BAD_JSON)
            if not isinstance(parsed, dict):
                return error(400, MSG_BAD_JSON)
            params = parsed
        knobs = self._knobs()
        try:
            answer = self.auth.grant(req.headers.get("Authorization"), params, knobs.token_ttl_s,
                                     knobs.refresh_token_ttl_s)
        except TokenError as exc:
            return error(422, str(exc))
        return json_response(200, answer, [("Cache-Control", "no-store"), ("Pragma", "no-cache")])

    def root(self, req: Request) -> Response:
        routes = {f"{r.method} {r.template}": {"route": r.template, "methods": [r.method]}
                  for r in self.router.routes if r.template.startswith(API + "/")}
        return json_response(200, {
            "host": req.base_url,
            "authentication": {"fos_oauth_server_token": {"route": TOKEN_ROUTE, "methods": ["POST"]}},
            "routes": routes,
        })

    # -- catalog ----------------------------------------------------------------------------------

    def _page(self, req: Request, path: str, items: list[dict[str, Any]],
              item_path: Callable[[dict[str, Any]], str]) -> Response:
        try:
            paging = _paging(req.query)
        except _BadQuery as exc:
            return error(422, str(exc))
        start = (paging.page - 1) * paging.limit
        chunk = items[start:start + paging.limit]
        return self._page_answer(req, path, paging, [_linked(req.base_url, item_path(i), i) for i in chunk],
                                 has_next=start + paging.limit < len(items), total=len(items))

    def _page_answer(self, req: Request, path: str, paging: _Paging, items: list[dict[str, Any]],
                     has_next: bool, total: int) -> Response:
        def link(page: int) -> dict[str, str]:
            return _href(req.base_url, path, {**req.query, "page": page, "limit": paging.limit})

        links = {"self": link(paging.page), "first": link(1)}
        if paging.page > 1:
            links["previous"] = link(paging.page - 1)
        if has_next:
            links["next"] = link(paging.page + 1)
        body: dict[str, Any] = {"_links": links, "current_page": paging.page}
        if paging.with_count:
            body["items_count"] = total
        body["_embedded"] = {"items": items}
        return json_response(200, body)

    def _lister(self, path: str, items: list[dict[str, Any]]) -> Handler:
        def handler(req: Request) -> Response:
            return self._page(req, path, items, lambda item: _code_path(path, item["code"]))
        return handler

    @staticmethod
    def _getter(by_code: Mapping[str, dict[str, Any]], label: str) -> Handler:
        def handler(req: Request) -> Response:
            code = req.params["code"]
            item = by_code.get(code)
            if item is None:
                return error(404, f'{label} "{code}" does not exist.')
            return json_response(200, item)
        return handler

    def list_options(self, req: Request) -> Response:
        attribute = req.params["attribute_code"]
        if attribute not in self.catalog.attribute_by_code:
            return error(404, f'Attribute "{attribute}" does not exist.')
        path = _code_path(f"{API}/attributes", attribute) + "/options"
        return self._page(req, path, self.catalog.attribute_options.get(attribute, []),
                          lambda option: _code_path(path, option["code"]))

    def get_option(self, req: Request) -> Response:
        attribute, code = req.params["attribute_code"], req.params["code"]
        if attribute not in self.catalog.attribute_by_code:
            return error(404, f'Attribute "{attribute}" does not exist.')
        option = self.catalog.option(attribute, code)
        if option is None:
            return error(404, f'Attribute option "{attribute}.{code}" does not exist.')
        return json_response(200, option)

    def measurement_families(self, req: Request) -> Response:
        # Akeneo answers this endpoint with a plain JSON array, without pagination.
        return json_response(200, self.catalog.measurement_families)

    # -- products ---------------------------------------------------------------------------------

    def _product_url(self, req: Request, identifier: str) -> str:
        return f"{req.base_url}{_code_path(f'{API}/products', identifier)}"

    def list_products(self, req: Request) -> Response:
        path = f"{API}/products"
        kind = req.query.get("pagination_type", "page")
        try:
            paging = _paging(req.query)
        except _BadQuery as exc:
            return error(422, str(exc))

        def linked(product: dict[str, Any]) -> dict[str, Any]:
            return _linked(req.base_url, _code_path(path, product["identifier"]), product)

        if kind == "page":
            products, total = self.store.page((paging.page - 1) * paging.limit, paging.limit)
            return self._page_answer(req, path, paging, [linked(p) for p in products],
                                     has_next=paging.page * paging.limit < total, total=total)
        if kind != "search_after":
            return error(422, f'Pagination type "{kind}" does not exist.')
        cursor = req.query.get("search_after")
        products = self.store.after(cursor, paging.limit)
        base_query = {k: v for k, v in req.query.items() if k not in ("search_after", "page")}
        base_query.update(pagination_type="search_after", limit=str(paging.limit))
        here = {**base_query, "search_after": cursor} if cursor else base_query
        links = {"self": _href(req.base_url, path, here), "first": _href(req.base_url, path, base_query)}
        if len(products) == paging.limit:
            after = {**base_query, "search_after": products[-1]["identifier"]}
            links["next"] = _href(req.base_url, path, after)
        return json_response(200, {"_links": links, "_embedded": {"items": [linked(p) for p in products]}})

    def get_product(self, req: Request) -> Response:
        identifier = req.params["code"]
        product = self.store.get(identifier)
        if product is None:
            return _product_not_found(identifier)
        return json_response(200, product)

    def delete_product(self, req: Request) -> Response:
        identifier = req.params["code"]
        if not self.store.delete(identifier):
            return _product_not_found(identifier)
        return Response(204, content_type=None)

    def patch_product(self, req: Request) -> Response:
        identifier = req.params["code"]
        payload = _json_object(req.body)
        if payload is None:
            return error(400, MSG_BAD_JSON)
        given = payload.get("identifier", identifier)
        if given != identifier:
            return error(422, f'The identifier "{given}" provided in the request body must match the '
                              f'identifier "{identifier}" provided in the url.')
        rejection = self._validate(payload, "patch_products__code_")
        response = self._rejected(rejection) if rejection else self._upsert(req, identifier, payload)
        self.stats.lines([response.status])
        response.products = 1
        return response

    def create_product(self, req: Request) -> Response:
        payload = _json_object(req.body)
        if payload is None:
            return error(400, MSG_BAD_JSON)
        identifier = payload.get("identifier")
        if not isinstance(identifier, str) or not identifier:
            return error(422, "Validation failed.", errors=[
                {"property": "identifier", "message": "This value should not be blank."}])
        if self.store.get(identifier) is not None:
            duplicate = "The same identifier is already set on another product"
            return error(422, "Validation failed.", errors=[{"property": "identifier", "message": duplicate}])
        rejection = self._validate(payload, "post_products")
        if rejection:
            return self._rejected(rejection)
        self.store.upsert(identifier, payload)
        return Response(201, content_type=None, headers=[("Location", self._product_url(req, identifier))],
                        products=1)

    def _validate(self, payload: dict[str, Any], doc_anchor: str) -> Rejection | None:
        if not self._knobs().validate:
            return None
        return validate_product(payload, self.catalog, doc_anchor)

    def _upsert(self, req: Request, identifier: str, payload: dict[str, Any]) -> Response:
        created = self.store.upsert(identifier, payload)
        return Response(201 if created else 204, content_type=None,
                        headers=[("Location", self._product_url(req, identifier))])

    @staticmethod
    def _rejected(rejection: Rejection) -> Response:
        return json_response(422, {"code": 422, **rejection.body()})

    def patch_products(self, req: Request) -> Response:
        lines = req.body.split(b"\n")
        if lines and not lines[-1].strip():
            lines.pop()  # the newline that ends the last line
        if len(lines) > MAX_LINES:
            return error(413, MSG_TOO_MANY_LINES)
        knobs = self._knobs()
        answers = [self._line(number, raw, knobs) for number, raw in enumerate(lines, 1)]
        self.stats.lines([a["status_code"] for a in answers])
        return Response(200, self._answer_body(answers, knobs), COLLECTION, products=len(lines))

    def _answer_body(self, answers: list[dict[str, Any]], knobs: SimKnobs) -> bytes:
        """The NDJSON answer, or what the faults make of it: every line was handled either way."""
        if self._dice.chance(knobs.garbled_answer_rate):
            self.stats.event("garbled_answers")
            return MSG_GARBLED
        if answers and self._dice.chance(knobs.short_answer_rate):
            self.stats.event("short_answers")
            answers = answers[: self._dice.below(len(answers))]  # cut after a line, as a lost stream is
        return b"\n".join(orjson.dumps(a) for a in answers)

    def _line(self, number: int, raw: bytes, knobs: SimKnobs) -> dict[str, Any]:
        if len(raw) > MAX_LINE_BYTES:
            return {"line": number, "status_code": 413, "message": "Line is too long."}
        payload = _json_object(raw)
        if payload is None:
            return {"line": number, "status_code": 400, "message": MSG_BAD_JSON}
        identifier = payload.get("identifier")
        if not isinstance(identifier, str) or not identifier:
            return {"line": number, "status_code": 422, "message": "Identifier is missing."}
        if self._dice.chance(knobs.line_error_rate):  # refused before anything is applied
            status = self._dice.pick(knobs.line_error_statuses)
            return {"line": number, "identifier": identifier, "status_code": status,
                    "message": _LINE_ERRORS.get(status, MSG_LINE_FAILED)}
        rejection = self._validate(payload, "patch_products")
        if rejection:
            return {"line": number, "identifier": identifier, "status_code": 422, **rejection.body()}
        created = self.store.upsert(identifier, payload)
        return {"line": number, "identifier": identifier, "status_code": 201 if created else 204}


def _product_not_found(identifier: str) -> Response:
    return error(404, f'Product "{identifier}" does not exist or you do not have permission to access it.')


def _json_object(raw: bytes) -> dict[str, Any] | None:
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, dict) else None
