"""The Akeneo REST endpoints the simulator serves, as plain request -> response functions.

Routes are named by the path templates of Akeneo's own API description (akeneo-web-api.json), so
statistics and the conformance tests speak the spec's language. Transport, limits and faults are
elsewhere; this module only answers: authentication and the catalog here, products and product
models in sim_entities.py, what they share in sim_http.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

import orjson

from consumer.devstack.sim_auth import TokenAuthority, TokenError
from consumer.devstack.sim_catalog import Catalog
from consumer.devstack.sim_entities import Entities
from consumer.devstack.sim_http import (
    API,
    COLLECTION,
    FORM,
    JSON,
    MSG_BAD_JSON,
    TOKEN_ROUTE,
    Handler,
    Headers,
    Match,
    Request,
    Response,
    Route,
    Router,
    check_accept,
    check_content_type,
    code_path,
    error,
    json_response,
    media_type,
    page_of,
)
from consumer.devstack.sim_knobs import SimKnobs

__all__ = [
    "AkeneoApi", "Headers", "Match", "Request", "Response", "check_accept", "check_content_type", "error",
]


class AkeneoApi:
    """The endpoints; holds the catalog, the products and product models, and the token authority."""

    def __init__(self, catalog: Catalog, entities: Entities, auth: TokenAuthority,
                 knobs: Callable[[], SimKnobs]) -> None:
        self.catalog = catalog
        self.entities = entities
        self.auth = auth
        self._knobs = knobs
        c, e = catalog, entities
        routes = [
            Route("POST", TOKEN_ROUTE, self.token, public=True, content_types=(JSON, FORM)),
            Route("GET", API, self.root, public=True),
            Route("POST", f"{API}/products", e.create_product, content_types=(JSON,)),
            Route("GET", f"{API}/attributes/{{attribute_code}}/options", self.list_options),
            Route("GET", f"{API}/attributes/{{attribute_code}}/options/{{code}}", self.get_option),
            Route("GET", f"{API}/measurement-families", self.measurement_families),
            Route("GET", f"{API}/families/{{family_code}}/variants", self.list_family_variants),
        ]
        for resource in (e.products, e.models):
            routes += [
                Route("GET", resource.path, e.lister(resource)),
                Route("PATCH", resource.path, e.collection(resource), content_types=(COLLECTION,)),
                Route("GET", f"{resource.path}/{{code}}", e.getter(resource)),
                Route("PATCH", f"{resource.path}/{{code}}", e.patcher(resource), content_types=(JSON,)),
                Route("DELETE", f"{resource.path}/{{code}}", e.deleter(resource)),
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
        if media_type(req.headers) == FORM:
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

    def _lister(self, path: str, items: list[dict[str, Any]]) -> Handler:
        def handler(req: Request) -> Response:
            return page_of(req, path, items, lambda item: code_path(path, item["code"]))
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

    @staticmethod
    def _owned_list(req: Request, collection: str, code: str, known: Mapping[str, Any], label: str,
                    items: Mapping[str, list[dict[str, Any]]], suffix: str) -> Response:
        """The list of what a catalog item owns (an attribute's options, a family's variants)."""
        if code not in known:
            return error(404, f'{label} "{code}" does not exist.')
        path = code_path(f"{API}/{collection}", code) + suffix
        return page_of(req, path, items.get(code, []), lambda item: code_path(path, item["code"]))

    def list_options(self, req: Request) -> Response:
        c = self.catalog
        return self._owned_list(req, "attributes", req.params["attribute_code"], c.attribute_by_code,
                                "Attribute", c.attribute_options, "/options")

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

    def list_family_variants(self, req: Request) -> Response:
        c = self.catalog
        return self._owned_list(req, "families", req.params["family_code"], c.family_by_code, "Family",
                                c.family_variants, "/variants")
