"""Paginated GET for any Akeneo list endpoint: a lazy iterator over the items of every page.

Akeneo pages carry ``_embedded.items`` and ``_links.next.href`` (absolute or relative; followed until
absent). A few endpoints (``measurement-families``) answer with a plain JSON array instead: that
is one page holding every item.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from consumer.akeneo.errors import AkeneoError
from consumer.akeneo.transport import Reply
from consumer.akeneo.urls import ApiUrls

MAX_LIMIT = 100

# GET ``url`` with ``params`` and return Akeneo's final 200 answer (errors raised by the caller).
Fetch = Callable[[str, Mapping[str, Any] | None], Reply]


def iter_items(
    fetch: Fetch, urls: ApiUrls, path: str, params: Mapping[str, Any] | None, limit: int
) -> Iterator[dict[str, Any]]:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    url = urls.api(path)
    query: Mapping[str, Any] | None = {**(params or {}), "limit": limit}
    seen: set[str] = set()
    while True:
        reply = fetch(url, query)
        page = reply.json()
        if isinstance(page, list):
            yield from page
            return
        if not isinstance(page, dict):
            raise AkeneoError(f"GET {path}: Akeneo's answer is neither a page nor a list")
        yield from (page.get("_embedded") or {}).get("items") or []
        href = ((page.get("_links") or {}).get("next") or {}).get("href")
        if not href:
            return
        seen.add(reply.url)
        try:
            url = urls.follow(reply.url, href)
        except ValueError as exc:
            raise AkeneoError(f"GET {path}: {exc}") from None
        if url in seen:
            raise AkeneoError(f"GET {path}: the next page link points back to a page already read")
        query = None  # the next link carries every parameter
