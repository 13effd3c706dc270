"""The simulator's answers against Akeneo's own API description, endpoint by endpoint.

For every route the simulator serves, each status it can answer is provoked; the test checks the
status is one the spec documents for that operation, that the JSON body validates against the spec's
schema for it, and that documented headers (Location) are there. A few statuses that Akeneo really
answers are missing from the spec's per-operation lists; those are named in UNDOCUMENTED with the
reason, and their bodies must then match the spec's shared error response of that code.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
import requests

from consumer.devstack.akeneo_sim import AkeneoSimulator
from consumer.devstack.sim_catalog import Catalog

from . import spec_support as s
from .support import (
    API,
    CLIENT_ID,
    COLLECTION,
    PASSWORD,
    SECRET,
    USERNAME,
    Api,
    small_catalog,
    variant_catalog,
)

TOKEN = "/api/oauth/v1/token"
PRODUCTS = f"{API}/products"
PRODUCT = f"{API}/products/{{code}}"
OPTIONS = f"{API}/attributes/{{attribute_code}}/options"
OPTION = f"{API}/attributes/{{attribute_code}}/options/{{code}}"
JSON_TYPE = "application/json"
MODELS = f"{API}/product-models"
MODEL = f"{API}/product-models/{{code}}"
VARIANTS = f"{API}/families/{{family_code}}/variants"
CATALOG_RESOURCES = (
    "attributes",
    "channels",
    "locales",
    "currencies",
    "families",
    "categories",
    "association-types",
)

# (method, template, status) -> why Akeneo answers it although the operation does not list it.
UNDOCUMENTED = {
    **{
        ("GET", f"{API}/{r}", 422): "limit above 100 (documented in Akeneo's pagination guide)"
        for r in CATALOG_RESOURCES
    },
    ("GET", OPTIONS, 422): "limit above 100 (pagination guide)",
    ("GET", OPTIONS, 404): "attribute of the path does not exist",
    ("PATCH", PRODUCT, 400): "malformed JSON body (the spec's 400Error: 'malformed JSON request')",
    ("PATCH", MODEL, 400): "malformed JSON body, as for products",
    ("GET", VARIANTS, 404): "the family of the path does not exist",
    ("GET", VARIANTS, 422): "limit above 100 (pagination guide)",
}


@dataclass
class Ctx:
    sim: AkeneoSimulator
    api: Api

    def fresh_id(self) -> str:
        return f"spec-{uuid.uuid4().hex[:8]}"

    def create(self) -> str:
        identifier = self.fresh_id()
        assert self.api.patch_json(f"/products/{identifier}", {}).status_code == 201
        return identifier

    def create_model(self) -> str:
        code = self.fresh_id()
        assert self.api.patch_json(f"/product-models/{code}", ROOT_MODEL).status_code == 201
        return code

    def anonymous(self, method: str, path: str) -> requests.Response:
        return requests.request(method, self.api.url(path), timeout=10)


@pytest.fixture(scope="module")
def ctx() -> Iterator[Ctx]:
    with AkeneoSimulator(variant_catalog()) as sim:
        api = Api(sim.base_url)
        yield Ctx(sim, api)
        api.close()


Call = Callable[[Ctx], requests.Response]


def token_call(body: bytes, content_type: str, auth: tuple[str, str] = (CLIENT_ID, SECRET)) -> Call:
    return lambda c: requests.post(
        c.sim.base_url + TOKEN, data=body, auth=auth, timeout=10, headers={"Content-Type": content_type}
    )


def get(path: str, **headers: str) -> Call:
    return lambda c: c.api.get(path, headers=headers)


def anon(method: str, path: str) -> Call:
    """The same request without a token."""
    return lambda c: c.anonymous(method, path)


def delete(path: Callable[[Ctx], str]) -> Call:
    return lambda c: c.api.session.delete(c.api.url(path(c)), timeout=10)


def malformed(path: str) -> Call:
    """A PATCH whose JSON body does not parse."""
    headers = {"Content-Type": JSON_TYPE}
    return lambda c: c.api.session.patch(c.api.url(path), data=b"{", timeout=10, headers=headers)


def lines(*products: dict[str, Any], content_type: str = COLLECTION, path: str = "/products") -> Call:
    encoded = [orjson.dumps(p) for p in products]
    return lambda c: c.api.patch_lines(encoded, content_type=content_type, path=path)


ROOT_MODEL = {"family_variant": "clothing_size", "values": {"name": [{"locale": "en_US", "scope": None,
                                                                      "data": "Jacket"}]}}
WRONG_LEVEL = {"values": {"size": [{"locale": None, "scope": None, "data": "m"}]}}  # a variant's value


GRANT = orjson.dumps({"grant_type": "password", "username": USERNAME, "password": PASSWORD})
TEXT = {"Accept": "text/html"}
CASES: list[tuple[str, str, int, Call]] = [
    ("POST", TOKEN, 200, token_call(GRANT, "application/json")),
    ("POST", TOKEN, 400, token_call(b"{", "application/json")),
    ("POST", TOKEN, 415, token_call(GRANT, "text/plain")),
    ("POST", TOKEN, 422, token_call(GRANT, "application/json", auth=(CLIENT_ID, "wrong"))),
    ("GET", API, 200, lambda c: requests.get(c.sim.base_url + API, timeout=10)),
    ("GET", API, 406, lambda c: requests.get(c.sim.base_url + API, headers=TEXT, timeout=10)),
    ("GET", PRODUCTS, 200, lambda c: (c.create(), c.api.get("/products", params={"with_count": "true"}))[1]),
    ("GET", PRODUCTS, 200, get("/products?pagination_type=search_after&limit=1")),
    ("GET", PRODUCTS, 401, anon("GET", "/products")),
    ("GET", PRODUCTS, 406, get("/products", **TEXT)),
    ("GET", PRODUCTS, 422, get("/products?limit=101")),
    (
        "POST",
        PRODUCTS,
        201,
        lambda c: c.api.session.post(c.api.url("/products"), json={"identifier": c.fresh_id()}, timeout=10),
    ),
    (
        "POST",
        PRODUCTS,
        400,
        lambda c: c.api.session.post(
            c.api.url("/products"), data=b"{", timeout=10, headers={"Content-Type": "application/json"}
        ),
    ),
    ("POST", PRODUCTS, 401, anon("POST", "/products")),
    (
        "POST",
        PRODUCTS,
        415,
        lambda c: c.api.session.post(
            c.api.url("/products"), data=b"{}", timeout=10, headers={"Content-Type": "text/csv"}
        ),
    ),
    (
        "POST",
        PRODUCTS,
        422,
        lambda c: c.api.session.post(
            c.api.url("/products"), timeout=10, json={"identifier": c.fresh_id(), "family": "cars"}
        ),
    ),
    (
        "PATCH",
        PRODUCTS,
        200,
        lambda c: lines(
            {"identifier": c.fresh_id()},
            {"identifier": "x", "family": "cars"},
            {"identifier": "y", "values": {"zoom": [{"locale": None, "scope": None, "data": 99}]}},
        )(c),
    ),
    ("PATCH", PRODUCTS, 401, anon("PATCH", "/products")),
    ("PATCH", PRODUCTS, 413, lines(*({"identifier": f"p{i}"} for i in range(101)))),
    ("PATCH", PRODUCTS, 415, lines({"identifier": "x"}, content_type="application/json")),
    ("GET", PRODUCT, 200, lambda c: c.api.get(f"/products/{c.create()}")),
    ("GET", PRODUCT, 401, anon("GET", "/products/x")),
    ("GET", PRODUCT, 404, get("/products/nothing-here")),
    ("GET", PRODUCT, 406, get("/products/x", **TEXT)),
    ("PATCH", PRODUCT, 201, lambda c: c.api.patch_json(f"/products/{c.fresh_id()}", {})),
    ("PATCH", PRODUCT, 204, lambda c: c.api.patch_json(f"/products/{c.create()}", {"enabled": False})),
    ("PATCH", PRODUCT, 400, malformed("/products/x")),
    ("PATCH", PRODUCT, 401, anon("PATCH", "/products/x")),
    ("PATCH", PRODUCT, 415, lambda c: c.api.session.patch(c.api.url("/products/x"), data=b"{}", timeout=10)),
    (
        "PATCH",
        PRODUCT,
        422,
        lambda c: c.api.patch_json(
            "/products/x", {"values": {"color": [{"locale": None, "scope": None, "data": "pink"}]}}
        ),
    ),
    ("PATCH", PRODUCT, 422, lambda c: c.api.patch_json("/products/x", {"colour": 1})),
    ("DELETE", PRODUCT, 204, delete(lambda c: f"/products/{c.create()}")),
    ("DELETE", PRODUCT, 401, anon("DELETE", "/products/x")),
    ("DELETE", PRODUCT, 404, delete(lambda c: "/products/nothing-here")),
    ("GET", OPTIONS, 200, get("/attributes/color/options?with_count=true&limit=2")),
    ("GET", OPTIONS, 401, anon("GET", "/attributes/color/options")),
    ("GET", OPTIONS, 404, get("/attributes/nope/options")),
    ("GET", OPTIONS, 406, get("/attributes/color/options", **TEXT)),
    ("GET", OPTIONS, 422, get("/attributes/color/options?limit=101")),
    ("GET", OPTION, 200, get("/attributes/color/options/black")),
    ("GET", OPTION, 401, anon("GET", "/attributes/color/options/black")),
    ("GET", OPTION, 404, get("/attributes/color/options/pink")),
    ("GET", OPTION, 406, get("/attributes/color/options/black", **TEXT)),
    ("GET", f"{API}/measurement-families", 200, get("/measurement-families")),
    ("GET", f"{API}/measurement-families", 401, anon("GET", "/measurement-families")),
    ("GET", f"{API}/measurement-families", 406, get("/measurement-families", **TEXT)),
    ("GET", MODELS, 200, lambda c: (c.create_model(), c.api.get("/product-models?with_count=true"))[1]),
    ("GET", MODELS, 200, get("/product-models?pagination_type=search_after&limit=1")),
    ("GET", MODELS, 401, anon("GET", "/product-models")),
    ("GET", MODELS, 406, get("/product-models", **TEXT)),
    ("GET", MODELS, 422, get("/product-models?limit=101")),
    (
        "PATCH",
        MODELS,
        200,
        lambda c: lines(
            {"code": c.fresh_id(), **ROOT_MODEL},
            {"code": c.fresh_id(), "family_variant": "clothing_size", **WRONG_LEVEL},
            {"family_variant": "clothing_size"},
            path="/product-models",
        )(c),
    ),
    ("PATCH", MODELS, 401, anon("PATCH", "/product-models")),
    ("PATCH", MODELS, 413, lines(*({"code": f"m{i}"} for i in range(101)), path="/product-models")),
    ("PATCH", MODELS, 415, lines({"code": "x"}, content_type="application/json", path="/product-models")),
    ("GET", MODEL, 200, lambda c: c.api.get(f"/product-models/{c.create_model()}")),
    ("GET", MODEL, 401, anon("GET", "/product-models/x")),
    ("GET", MODEL, 404, get("/product-models/nothing-here")),
    ("GET", MODEL, 406, get("/product-models/x", **TEXT)),
    ("PATCH", MODEL, 201, lambda c: c.api.patch_json(f"/product-models/{c.fresh_id()}", ROOT_MODEL)),
    ("PATCH", MODEL, 204, lambda c: c.api.patch_json(f"/product-models/{c.create_model()}", {"values": {}})),
    ("PATCH", MODEL, 400, malformed("/product-models/x")),
    ("PATCH", MODEL, 401, anon("PATCH", "/product-models/x")),
    ("PATCH", MODEL, 415, lambda c: c.api.session.patch(c.api.url("/product-models/x"), data=b"{}")),
    ("PATCH", MODEL, 422, lambda c: c.api.patch_json(f"/product-models/{c.create_model()}", WRONG_LEVEL)),
    ("PATCH", MODEL, 422, lambda c: c.api.patch_json("/product-models/x", {"family_variant": "nope"})),
    ("DELETE", MODEL, 204, delete(lambda c: f"/product-models/{c.create_model()}")),
    ("DELETE", MODEL, 401, anon("DELETE", "/product-models/x")),
    ("DELETE", MODEL, 404, delete(lambda c: "/product-models/nothing")),
    ("GET", VARIANTS, 200, get("/families/clothing/variants?with_count=true&limit=1")),
    ("GET", VARIANTS, 401, anon("GET", "/families/clothing/variants")),
    ("GET", VARIANTS, 404, get("/families/boats/variants")),
    ("GET", VARIANTS, 406, get("/families/clothing/variants", **TEXT)),
    ("GET", VARIANTS, 422, get("/families/clothing/variants?limit=101")),
]
for _resource in CATALOG_RESOURCES:
    _code = getattr(Catalog(small_catalog()), _resource.replace("-", "_"))[0]["code"]
    CASES += [
        ("GET", f"{API}/{_resource}", 200, get(f"/{_resource}?limit=2&page=2&with_count=true")),
        ("GET", f"{API}/{_resource}", 401, anon("GET", f"/{_resource}")),
        ("GET", f"{API}/{_resource}", 406, get(f"/{_resource}", **TEXT)),
        ("GET", f"{API}/{_resource}", 422, get(f"/{_resource}?limit=101")),
        ("GET", f"{API}/{_resource}/{{code}}", 200, get(f"/{_resource}/{_code}")),
        ("GET", f"{API}/{_resource}/{{code}}", 401, anon("GET", f"/{_resource}/{_code}")),
        ("GET", f"{API}/{_resource}/{{code}}", 404, get(f"/{_resource}/does_not_exist")),
        ("GET", f"{API}/{_resource}/{{code}}", 406, get(f"/{_resource}/{_code}", **TEXT)),
    ]


def _body_documents(response: requests.Response) -> list[Any]:
    if response.headers.get("Content-Type") == COLLECTION:
        return [orjson.loads(line) for line in response.content.split(b"\n")]
    return list(s.documents(response.json()))


@pytest.mark.parametrize(
    ("method", "template", "status", "call"),
    CASES,
    ids=[f"{m} {t.removeprefix(API) or '/'} {st}" for m, t, st, _ in CASES],
)
def test_answer_matches_the_spec(ctx: Ctx, method: str, template: str, status: int, call: Call) -> None:
    response = call(ctx)
    assert response.status_code == status, response.text
    documented = s.documented_statuses(method, template)
    if status in documented:
        spec_response = s.operation(method, template)["responses"][str(status)]
    else:
        assert (method, template, status) in UNDOCUMENTED, (
            f"{status} is not documented for {method} {template}"
        )
        spec_response = s.spec()["responses"][f"{status}Error"]
    for header in spec_response.get("headers", {}):
        assert header in response.headers, f"documented header {header} missing"
    schema = s.response_schema(spec_response)
    if not response.content:
        assert schema is None or status in (201, 204), "the spec documents a body"
        return
    assert schema is not None, f"answer has a body the spec does not describe: {response.text[:200]}"
    for document in _body_documents(response):
        assert s.schema_errors(schema, document) == [], document


def test_every_route_of_the_simulator_is_in_the_spec_and_checked(ctx: Ctx) -> None:
    served = {(r.method, r.template) for r in ctx.sim._api.router.routes}
    checked = {(m, t) for m, t, _, _ in CASES}
    assert served == checked
    for method, template in served:
        assert s.operation(method, template)["responses"], f"{method} {template} not in the spec"


def test_every_documented_status_we_can_produce_is_checked() -> None:
    """Each operation's checked statuses cover what the spec lists, but for 403 (no permissions here)
    and what the simulator never answers (GET /api/rest/v1 needs no token, so no 401)."""
    for method, template in {(m, t) for m, t, _, _ in CASES}:
        checked = {st for m, t, st, _ in CASES if (m, t) == (method, template)}
        missing = s.documented_statuses(method, template) - checked - {403}
        assert missing == set(), f"{method} {template}: {sorted(missing)} not provoked"


def test_429_bodies_match_the_spec_error_shape(ctx: Ctx) -> None:
    """Rate limiting is a knob here, and 429 is listed for few operations: its body must still be the
    spec's 429Error, with a whole-second Retry-After."""
    ctx.sim.set_knobs(rps_limit=1)
    try:
        answers = [ctx.api.get("/channels") for _ in range(3)]
    finally:
        ctx.sim.set_knobs(rps_limit=0)
    limited = [a for a in answers if a.status_code == 429]
    assert limited
    schema = s.response_schema(s.spec()["responses"]["429Error"])
    assert schema is not None
    assert s.schema_errors(schema, limited[0].json()) == []
    assert limited[0].headers["Retry-After"].isdigit()


@pytest.mark.parametrize(("method", "template"), sorted({(m, t) for m, t, _, _ in CASES}))
def test_spec_examples_validate_under_our_reading(method: str, template: str) -> None:
    for code, response in s.operation(method, template)["responses"].items():
        schema = s.response_schema(response)
        for example in s.examples(response):
            for document in s.documents(example):
                assert schema is not None
                assert s.unexplained(s.schema_errors(schema, document)) == [], (code, document)


def test_known_spec_flaws_are_real() -> None:
    """Each entry of KNOWN_SPEC_FLAWS is hit by the spec's own examples, so the list cannot go stale."""
    hit: set[str] = set()
    for method, template in [("GET", f"{API}/attributes"), ("GET", PRODUCTS)]:
        response = s.operation(method, template)["responses"]["200"]
        schema = s.response_schema(response)
        assert schema is not None
        for example in s.examples(response):
            for error in s.schema_errors(schema, example):
                hit |= {marker for marker in s.KNOWN_SPEC_FLAWS if marker in error}
    assert hit == set(s.KNOWN_SPEC_FLAWS)


def test_sample_catalog_lists_validate_against_the_spec() -> None:
    with AkeneoSimulator() as sim:
        api = Api(sim.base_url)
        try:
            templates = {"attributes/color/options": "attributes/{attribute_code}/options",
                         "families/clothing/variants": "families/{family_code}/variants"}
            for resource in (*CATALOG_RESOURCES, *templates):
                template = f"{API}/{templates.get(resource, resource)}"
                schema = s.response_schema(s.operation("GET", template)["responses"]["200"])
                assert schema is not None
                url: str | None = api.url(f"/{resource}?limit=100")
                while url:
                    page = api.session.get(url, timeout=10).json()
                    assert s.unexplained(s.schema_errors(schema, page)) == [], resource
                    url = page["_links"].get("next", {}).get("href")
            families = api.get("/measurement-families").json()
            schema = s.response_schema(s.operation("GET", f"{API}/measurement-families")["responses"]["200"])
            assert schema is not None and len(families) > 1
            assert all(s.schema_errors(schema, family) == [] for family in families)
        finally:
            api.close()


def test_the_reading_rules_are_needed() -> None:
    token_200 = s.operation("POST", TOKEN)["responses"]["200"]
    token_example = next(s.examples(token_200))
    strict = s.response_schema(token_200, strict=True)
    assert strict is not None and s.schema_errors(strict, token_example) != []  # "scope": null
    product_200 = s.operation("GET", PRODUCT)["responses"]["200"]
    strict_product = s.response_schema(product_200, strict=True)
    example = {"identifier": "x", "values": {"name": [{"locale": "en_US", "scope": None, "data": "Name"}]}}
    assert strict_product is not None
    errors = s.schema_errors(strict_product, example)
    assert any("data" in e for e in errors) and any("scope" in e for e in errors)


def test_fault_answers_match_the_spec(ctx: Ctx) -> None:
    """What the fault knobs answer has the spec's shapes: a line refused with 429/5xx is an answer
    line of the collection PATCH; a per-connection 429 is the shared 429Error; an echoing 400 or 422
    the shared 400Error / 422Error (neither is listed for the collection PATCH, both are Akeneo's)."""
    line_schema = s.response_schema(s.operation("PATCH", PRODUCTS)["responses"]["200"])
    assert line_schema is not None
    ctx.sim.set_knobs(line_error_rate=1.0, line_error_statuses=(429, 500, 503), seed=1)
    try:
        answer = lines(*({"identifier": ctx.fresh_id()} for _ in range(30)))(ctx)
    finally:
        ctx.sim.set_knobs(line_error_rate=0.0)
    documents = _body_documents(answer)
    assert {d["status_code"] for d in documents} == {429, 500, 503}
    assert all(s.schema_errors(line_schema, d) == [] for d in documents)
    for status in (400, 422):
        ctx.sim.fail_next(1, status, echo_headers=True, route=PRODUCTS)
        refused = lines({"identifier": ctx.fresh_id()})(ctx)
        schema = s.response_schema(s.spec()["responses"][f"{status}Error"])
        assert refused.status_code == status and schema is not None
        assert s.schema_errors(schema, refused.json()) == []
    ctx.sim.set_knobs(max_concurrency_per_connection=1, latency_base_s=1.0)
    try:
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(lambda _: ctx.api.get("/channels"), range(2)))
    finally:
        ctx.sim.set_knobs(max_concurrency_per_connection=0, latency_base_s=0.0)
    limited = [a for a in answers if a.status_code == 429]
    schema = s.response_schema(s.spec()["responses"]["429Error"])
    assert limited and schema is not None
    assert s.schema_errors(schema, limited[0].json()) == [] and limited[0].headers["Retry-After"].isdigit()
