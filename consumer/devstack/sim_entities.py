"""The product and product model endpoints: lists, one entity's GET/PATCH/DELETE, the collection PATCH.

Both resources answer alike, as Akeneo's do; a ``Resource`` says what differs (the key, the words,
the store, the validation). Writes that touch a product model tree (models, variant products) are
validated and stored under one lock, so two siblings cannot both take the same axis values.
A GET answers an entity with the values it inherits from its ancestors, as Akeneo does; the
inspection API (``/_sim/``) shows what each one holds itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

import orjson

from consumer.devstack.sim_catalog import Catalog
from consumer.devstack.sim_family import Entity, Family
from consumer.devstack.sim_http import (
    API,
    COLLECTION,
    LINE_ERRORS,
    MAX_LINE_BYTES,
    MAX_LINES,
    MSG_BAD_JSON,
    MSG_GARBLED,
    MSG_LINE_FAILED,
    MSG_TOO_MANY_LINES,
    BadQuery,
    Dice,
    Request,
    Response,
    code_path,
    error,
    href,
    json_object,
    json_response,
    linked,
    page_answer,
    paging,
)
from consumer.devstack.sim_knobs import SimKnobs
from consumer.devstack.sim_stats import MODEL_LINES, PRODUCT_LINES, Stats
from consumer.devstack.sim_store import EntityStore
from consumer.devstack.sim_validation import Rejection, validate_product, validate_product_model

_UNLOCKED: AbstractContextManager[Any] = nullcontext()  # stateless, so one serves every write


@dataclass(frozen=True)
class Resource:
    """What differs between ``/products`` and ``/product-models``."""

    path: str  # the collection, e.g. /api/rest/v1/products
    key: str  # identifier or code
    label: str  # "Product", "Product model"
    missing: str  # the collection PATCH's answer to a line without its key
    anchor: str  # documentation anchors: patch_products, patch_product_models
    lines: str  # the statistics' counter
    store: EntityStore


class Entities:
    """Products and product models, over their stores, the catalog and the tree rules."""

    def __init__(self, catalog: Catalog, products: EntityStore, models: EntityStore, stats: Stats,
                 knobs: Callable[[], SimKnobs], dice: Dice) -> None:
        self._dice = dice
        self.catalog = catalog
        self.products = Resource(f"{API}/products", "identifier", "Product", "Identifier is missing.",
                                 "patch_products", PRODUCT_LINES, products)
        self.models = Resource(f"{API}/product-models", "code", "Product model", "Code is missing.",
                               "patch_product_models", MODEL_LINES, models)
        self.stats = stats
        self._knobs = knobs
        self.family = Family(catalog, self)
        self._tree_lock = threading.Lock()

    # -- the tree, for the rules (sim_family.Tree) -------------------------------------------------

    def model(self, code: str) -> Entity | None:
        return self.models.store.get(code)

    def children(self, code: str) -> list[Entity]:
        return self.models.store.children(code) + self.products.store.children(code)

    def with_ancestors(self, entity: Entity) -> Entity:
        """``entity`` with the values of its parent and grand-parent added, as Akeneo's GET answers."""
        parent, values = entity.get("parent"), entity.get("values")
        if parent is None or not isinstance(values, dict):
            return entity
        merged = dict(values)
        seen = {entity.get("code")}
        while parent is not None and parent not in seen:
            seen.add(parent)
            model = self.model(parent)
            if model is None:
                break
            for attribute, items in model["values"].items():
                merged.setdefault(attribute, items)
            parent = model.get("parent")
        return {**entity, "values": merged}

    # -- validation and storage -------------------------------------------------------------------

    def _in_tree(self, resource: Resource, key: str, payload: Entity) -> bool:
        return resource is self.models or bool(payload.get("parent") or resource.store.parent_of(key))

    def _writing(self, resource: Resource, key: str, payload: Entity) -> AbstractContextManager[Any]:
        # The lock itself, not a generator around it: this runs for every line of every request.
        return self._tree_lock if self._in_tree(resource, key, payload) else _UNLOCKED

    def _validate(self, resource: Resource, key: str, payload: Entity, anchor: str) -> Rejection | None:
        if not self._knobs().validate:
            return None
        existing = resource.store.get(key)
        if resource is self.models:
            check = self.family.model_check(key, existing)
            return validate_product_model(payload, self.catalog, anchor, check)
        return validate_product(payload, self.catalog, anchor, self.family.product_check(key, existing))

    def _store(self, resource: Resource, key: str, payload: Entity) -> bool:
        """Store a validated payload; True if created. The tree decides a variant's family and a
        sub-model's family variant, as Akeneo does."""
        # Only an entity of the tree is read here: a plain product's write reads it once, to merge.
        rule = None
        if self._in_tree(resource, key, payload):
            rule = self.family.family_variant_of({**(resource.store.get(key) or {}), **payload})
        if rule is None:
            return resource.store.upsert(key, payload)
        derived = {"family": rule.family}
        if resource is self.models:
            derived["family_variant"] = rule.code
        return resource.store.upsert(key, payload, derived)

    def write(
        self, resource: Resource, key: str, payload: Entity, anchor: str
    ) -> tuple[bool | None, Rejection | None]:
        """(created, None) once stored, or (None, why not)."""
        with self._writing(resource, key, payload):
            rejection = self._validate(resource, key, payload, anchor)
            if rejection is not None:
                return None, rejection
            return self._store(resource, key, payload), None

    def seed(self, resource: Resource, items: Iterable[Mapping[str, Any]]) -> None:
        """Store entities directly, validated as a PATCH would be; ValueError names the first bad one."""
        for item in items:
            payload = dict(item)
            key = payload.get(resource.key)
            if not isinstance(key, str) or not key:
                raise ValueError(f"cannot seed {resource.label.lower()} {key!r}: no {resource.key}")
            _, rejection = self.write(resource, key, payload, f"{resource.anchor}__code_")
            if rejection is not None:
                raise ValueError(f"cannot seed {resource.label.lower()} {key!r}: {rejection.body()}")

    def delete(self, resource: Resource, key: str) -> bool:
        """Delete one entity; a product model goes with its sub-models and variant products, as in Akeneo."""
        if resource is self.products:
            return resource.store.delete(key)
        with self._tree_lock:
            if key not in self.models.store:
                return False
            self._delete_tree(key)
            return True

    def _delete_tree(self, code: str) -> None:
        for child in self.models.store.children(code):
            self._delete_tree(child["code"])
        for product in self.products.store.children(code):
            self.products.store.delete(product["identifier"])
        self.models.store.delete(code)

    # -- endpoints --------------------------------------------------------------------------------

    def _url(self, req: Request, resource: Resource, key: str) -> str:
        return f"{req.base_url}{code_path(resource.path, key)}"

    def _not_found(self, resource: Resource, key: str) -> Response:
        return error(404, f'{resource.label} "{key}" does not exist or you do not have permission to access '
                          "it.")

    def lister(self, resource: Resource) -> Callable[[Request], Response]:
        """GET of the collection: ``page`` or ``search_after`` pagination, in key order."""

        def handler(req: Request) -> Response:
            path, store = resource.path, resource.store
            kind = req.query.get("pagination_type", "page")
            try:
                pages = paging(req.query)
            except BadQuery as exc:
                return error(422, str(exc))

            def shown(entity: Entity) -> Entity:
                own = code_path(path, entity[resource.key])
                return linked(req.base_url, own, self.with_ancestors(entity))

            if kind == "page":
                items, total = store.page((pages.page - 1) * pages.limit, pages.limit)
                return page_answer(req, path, pages, [shown(e) for e in items],
                                   has_next=pages.page * pages.limit < total, total=total)
            if kind != "search_after":
                return error(422, f'Pagination type "{kind}" does not exist.')
            cursor = req.query.get("search_after")
            items = store.after(cursor, pages.limit)
            base_query = {k: v for k, v in req.query.items() if k not in ("search_after", "page")}
            base_query.update(pagination_type="search_after", limit=str(pages.limit))
            here = {**base_query, "search_after": cursor} if cursor else base_query
            links = {"self": href(req.base_url, path, here), "first": href(req.base_url, path, base_query)}
            if len(items) == pages.limit:
                after = {**base_query, "search_after": items[-1][resource.key]}
                links["next"] = href(req.base_url, path, after)
            return json_response(200, {"_links": links, "_embedded": {"items": [shown(e) for e in items]}})

        return handler

    def getter(self, resource: Resource) -> Callable[[Request], Response]:
        def handler(req: Request) -> Response:
            key = req.params["code"]
            entity = resource.store.get(key)
            if entity is None:
                return self._not_found(resource, key)
            return json_response(200, self.with_ancestors(entity))

        return handler

    def deleter(self, resource: Resource) -> Callable[[Request], Response]:
        def handler(req: Request) -> Response:
            key = req.params["code"]
            if not self.delete(resource, key):
                return self._not_found(resource, key)
            return Response(204, content_type=None)

        return handler

    def patcher(self, resource: Resource) -> Callable[[Request], Response]:
        """PATCH of one entity: created (201) or updated (204), with ``Location``; 400 or 422 otherwise."""

        def handler(req: Request) -> Response:
            key = req.params["code"]
            payload = json_object(req.body)
            if payload is None:
                return error(400, MSG_BAD_JSON)
            given = payload.get(resource.key, key)
            if given != key:
                name = resource.key
                return error(422, f'The {name} "{given}" provided in the request body must match the '
                                  f'{name} "{key}" provided in the url.')
            created, rejection = self.write(resource, key, payload, f"{resource.anchor}__code_")
            if rejection is not None:
                response = json_response(422, {"code": 422, **rejection.body()})
            else:
                response = Response(201 if created else 204, content_type=None,
                                    headers=[("Location", self._url(req, resource, key))])
            self.stats.lines([response.status], resource.lines)
            response.products = 1
            return response

        return handler

    def create_product(self, req: Request) -> Response:
        """POST /products: a new product only."""
        payload = json_object(req.body)
        if payload is None:
            return error(400, MSG_BAD_JSON)
        identifier = payload.get("identifier")
        if not isinstance(identifier, str) or not identifier:
            return error(422, "Validation failed.", errors=[
                {"property": "identifier", "message": "This value should not be blank."}])
        if identifier in self.products.store:
            duplicate = "The same identifier is already set on another product"
            return error(422, "Validation failed.", errors=[{"property": "identifier", "message": duplicate}])
        _, rejection = self.write(self.products, identifier, payload, "post_products")
        if rejection is not None:
            return json_response(422, {"code": 422, **rejection.body()})
        return Response(201, content_type=None, products=1,
                        headers=[("Location", self._url(req, self.products, identifier))])

    def collection(self, resource: Resource) -> Callable[[Request], Response]:
        """The collection PATCH: one NDJSON answer line per line, each line handled alone."""

        def handler(req: Request) -> Response:
            lines = req.body.split(b"\n")
            if lines and not lines[-1].strip():
                lines.pop()  # the newline that ends the last line
            if len(lines) > MAX_LINES:
                return error(413, MSG_TOO_MANY_LINES)
            knobs = self._knobs()
            answers = [self._line(resource, number, raw, knobs) for number, raw in enumerate(lines, 1)]
            self.stats.lines([a["status_code"] for a in answers], resource.lines)
            return Response(200, self._answer_body(answers, knobs), COLLECTION, products=len(lines))

        return handler

    def _answer_body(self, answers: list[dict[str, Any]], knobs: SimKnobs) -> bytes:
        """The NDJSON answer, or what the faults make of it: every line was handled either way."""
        if self._dice.chance(knobs.garbled_answer_rate):
            self.stats.event("garbled_answers")
            return MSG_GARBLED
        if answers and self._dice.chance(knobs.short_answer_rate):
            self.stats.event("short_answers")
            answers = answers[: self._dice.below(len(answers))]  # cut after a line, as a lost stream is
        return b"\n".join(orjson.dumps(a) for a in answers)

    def _line(self, resource: Resource, number: int, raw: bytes, knobs: SimKnobs) -> dict[str, Any]:
        if len(raw) > MAX_LINE_BYTES:
            return {"line": number, "status_code": 413, "message": "Line is too long."}
        payload = json_object(raw)
        if payload is None:
            return {"line": number, "status_code": 400, "message": MSG_BAD_JSON}
        key = payload.get(resource.key)
        if not isinstance(key, str) or not key:
            return {"line": number, "status_code": 422, "message": resource.missing}
        if self._dice.chance(knobs.line_error_rate):  # refused before anything is applied
            status = self._dice.pick(knobs.line_error_statuses)
            return {"line": number, resource.key: key, "status_code": status,
                    "message": LINE_ERRORS.get(status, MSG_LINE_FAILED)}
        created, rejection = self.write(resource, key, payload, resource.anchor)
        if rejection is not None:
            return {"line": number, resource.key: key, "status_code": 422, **rejection.body()}
        return {"line": number, resource.key: key, "status_code": 201 if created else 204}
