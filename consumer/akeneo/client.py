"""AkeneoClient: the REST API as the service uses it. Safe to share between threads.

Products and product models are two resources of one shape (a collection PATCH of NDJSON lines,
one entity's GET and DELETE), told apart by a ``resources.Resource``: their path and their key.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any

import orjson

from consumer.akeneo.auth import TokenManager
from consumer.akeneo.errors import AkeneoError
from consumer.akeneo.lists import iter_items
from consumer.akeneo.models import Credentials, LineResult
from consumer.akeneo.observer import ClientObserver, NoopObserver
from consumer.akeneo.products import COLLECTION_TYPE, Chunk, plan, read_answer, whole_request_failed
from consumer.akeneo.resources import PRODUCT_MODELS, PRODUCTS, Resource
from consumer.akeneo.retry import RetryPolicy
from consumer.akeneo.transport import Reply, Transport
from consumer.akeneo.urls import ApiUrls, endpoint_name
from consumer.redact import safe_url

# A collection request Akeneo refuses as a whole for what it contains: every product in it gets
# that answer (the caller reports it per product); other final errors concern the connection
# itself (403 rights, 404 wrong base URL, redirects) and are raised.
_WHOLE_REQUEST_PER_LINE = frozenset({400, 413, 415, 422})


class AkeneoClient:
    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        max_in_flight: int = 4,
        timeout_s: float = 30.0,
        verify: bool | str = True,
        retry: RetryPolicy | None = None,
        observer: ClientObserver | None = None,
        stop_event: threading.Event | None = None,
        adaptive_concurrency: bool = True,
    ) -> None:
        self._urls = ApiUrls(base_url)
        observer = observer if observer is not None else NoopObserver()
        self._transport = Transport(
            self._urls.base,
            max_in_flight,
            timeout_s,
            verify,
            retry or RetryPolicy(),
            observer,
            stop_event,
            adaptive_concurrency,
        )
        self._tokens = TokenManager(self._transport, self._urls.token, credentials, observer)

    def __repr__(self) -> str:
        return f"AkeneoClient({safe_url(self._urls.base)!r})"

    @property
    def concurrency_limit(self) -> int:
        """Requests the process may have on the wire to this host now (the adaptive limit, at most
        ``max_in_flight``): a caller with more work ready than this only makes it wait in line."""
        return self._transport.gate.limit

    @property
    def paused_for(self) -> float:
        """Seconds left of a Retry-After pause of this host (0 when requests may go)."""
        return self._transport.gate.paused_for()

    def upsert_products(
        self, products: Sequence[Mapping[str, Any]], cancel: threading.Event | None = None
    ) -> list[LineResult]:
        """Create or update products; one result per product, in input order.

        Requests hold at most 100 products and go one after the other, so a product listed twice
        ends in the state of its later line. Setting ``cancel`` stops retries of this call
        (AkeneoCancelled); a request already on the wire still completes.
        """
        return self._upsert(PRODUCTS, products, cancel)

    def upsert_product_models(
        self, models: Sequence[Mapping[str, Any]], cancel: threading.Event | None = None
    ) -> list[LineResult]:
        """Create or update product models (``PATCH /product-models``): as ``upsert_products``, each
        result's ``identifier`` being the model's code."""
        return self._upsert(PRODUCT_MODELS, models, cancel)

    def _upsert(
        self, resource: Resource, items: Sequence[Mapping[str, Any]], cancel: threading.Event | None
    ) -> list[LineResult]:
        work = plan(items, key=resource.key)
        results: list[LineResult | None] = [None] * len(items)
        for position, early in work.early.items():
            results[position] = early
        for chunk in work.chunks:
            for result in self._send_chunk(resource, chunk, work.identifiers, cancel):
                results[result.line - 1] = result
        assert all(r is not None for r in results)
        return results  # type: ignore[return-value]

    def _send_chunk(
        self, resource: Resource, chunk: Chunk, identifiers: list[str], cancel: threading.Event | None
    ) -> list[LineResult]:
        endpoint = resource.upsert_endpoint
        reply = self._transport.send(
            "PATCH",
            self._urls.api(resource.path),
            endpoint,
            tokens=self._tokens,
            headers={"Content-Type": COLLECTION_TYPE},
            body=chunk.body,
            cancel=cancel,
        )
        if 200 <= reply.status < 300:
            return read_answer(chunk, identifiers, reply.content, reply.attempts)
        error = reply.error(endpoint)
        if reply.status in _WHOLE_REQUEST_PER_LINE:
            return whole_request_failed(chunk, identifiers, error, reply.attempts)
        raise error

    def delete_product(self, identifier: str, cancel: threading.Event | None = None) -> int:
        """204 when deleted, 404 when there was no such product (the caller may count it as deleted)."""
        return self.delete_product_result(identifier, cancel).status_code

    def delete_product_result(self, identifier: str, cancel: threading.Event | None = None) -> LineResult:
        """``delete_product`` with the requests it took (``attempts``) and Akeneo's message on a 404."""
        return self._delete(PRODUCTS, identifier, cancel)

    def delete_product_model(self, code: str, cancel: threading.Event | None = None) -> int:
        """204 when deleted (Akeneo deletes its sub-models and variant products too), 404 when absent."""
        return self.delete_product_model_result(code, cancel).status_code

    def delete_product_model_result(self, code: str, cancel: threading.Event | None = None) -> LineResult:
        """``DELETE /product-models/{code}`` as a LineResult, like ``delete_product_result``."""
        return self._delete(PRODUCT_MODELS, code, cancel)

    def _delete(self, resource: Resource, key: str, cancel: threading.Event | None) -> LineResult:
        endpoint = resource.delete_endpoint
        reply = self._transport.send(
            "DELETE", self._urls.api(resource.item_path(key)), endpoint, tokens=self._tokens, cancel=cancel
        )
        if reply.status in (204, 404) or 200 <= reply.status < 300:
            message = reply.error(endpoint).message if reply.status == 404 else None
            return LineResult(1, key, reply.status, message, attempts=reply.attempts)
        raise reply.error(endpoint)

    def get_product(self, identifier: str) -> dict[str, Any]:
        """The product in the standard format (with the values it inherits from its models)."""
        return self._get_one(PRODUCTS, identifier)

    def get_product_model(self, code: str) -> dict[str, Any]:
        """The product model in the standard format: ``code``, ``family_variant``, ``parent``, ...;
        AkeneoApiError with status 404 when there is none."""
        return self._get_one(PRODUCT_MODELS, code)

    def _get_one(self, resource: Resource, key: str) -> dict[str, Any]:
        path = resource.item_path(key)
        item = self.get_json(path)
        if not isinstance(item, dict):
            raise AkeneoError(f"{endpoint_name('GET', path)}: Akeneo's answer is not a {resource.noun}")
        return item

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET one resource below /api/rest/v1/ (identifiers in ``path`` already URL-encoded)."""
        reply = self._get(self._urls.api(path), params)
        try:
            return reply.json()
        except orjson.JSONDecodeError:
            raise AkeneoError(f"{endpoint_name('GET', path)}: Akeneo's answer is not JSON") from None

    def iter_list(
        self, path: str, params: Mapping[str, Any] | None = None, limit: int = 100
    ) -> Iterator[dict[str, Any]]:
        """Every item of a list endpoint (``"attributes"``, ``"attributes/color/options"``), page by page."""
        return iter_items(self._get, self._urls, path, params, limit)

    def _get(self, url: str, params: Mapping[str, Any] | None) -> Reply:
        endpoint = endpoint_name("GET", url)
        reply = self._transport.send("GET", url, endpoint, tokens=self._tokens, params=params)
        if reply.status != 200:
            raise reply.error(endpoint)
        return reply

    def close(self) -> None:
        """Close pooled connections and leave the host's concurrency gate."""
        self._transport.close()

    def __enter__(self) -> AkeneoClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


