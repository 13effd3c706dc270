"""Read the catalog from Akeneo through the REST client's list endpoints (every page).

Options are read per select attribute, a few attributes at a time (the client bounds concurrency
for the whole process anyway). Families, categories, groups and association types are read when
the PIM has those endpoints; a 404 leaves them unknown rather than failing the load. Family
variants are read per family the same way (families without any are left out). Product models
are never loaded here: there can be millions; ``product_models.look_up_model`` reads one when needed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol
from urllib.parse import quote

from consumer.catalog.model import SELECT_TYPES, VARIANTS_KEY, Catalog

# catalog JSON key -> list endpoint below /api/rest/v1/
REQUIRED_ENDPOINTS = {
    "attributes": "attributes",
    "channels": "channels",
    "locales": "locales",
    "currencies": "currencies",
    "measurement_families": "measurement-families",
}
OPTIONAL_ENDPOINTS = {
    "families": "families",
    "categories": "categories",
    "groups": "groups",
    "association_types": "association-types",
}


class ListSource(Protocol):
    """The part of ``consumer.akeneo.AkeneoClient`` the loader uses."""

    def iter_list(
        self, path: str, params: Mapping[str, Any] | None = None, limit: int = 100
    ) -> Iterator[dict[str, Any]]: ...


def _options_path(attribute_code: str) -> str:
    return f"attributes/{quote(attribute_code, safe='')}/options"


def _variants_path(family_code: str) -> str:
    return f"families/{quote(family_code, safe='')}/variants"


def read_optional(source: ListSource, path: str) -> list[dict[str, Any]] | None:
    """Every item of ``path``, or None when the PIM has no such endpoint (404)."""
    try:
        return list(source.iter_list(path))
    except Exception as exc:  # the client's AkeneoApiError; duck-typed so this module needs no HTTP import
        if getattr(exc, "status", None) == 404:
            return None
        raise


def fetch_catalog_json(source: ListSource, workers: int = 4, optional: bool = True) -> dict[str, Any]:
    """The contract's catalog JSON, read live. Raises whatever the client raises."""
    data: dict[str, Any] = {key: list(source.iter_list(path)) for key, path in REQUIRED_ENDPOINTS.items()}
    selects = [a["code"] for a in data["attributes"] if a.get("type") in SELECT_TYPES and "code" in a]
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="catalog-options") as pool:
        lists = pool.map(lambda code: list(source.iter_list(_options_path(code))), selects)
        data["attribute_options"] = dict(zip(selects, lists, strict=True))
    if optional:
        for key, path in OPTIONAL_ENDPOINTS.items():
            items = read_optional(source, path)
            if items is not None:
                data[key] = items
        if "families" in data:
            variants = read_family_variants(source, data["families"], workers)
            if variants is not None:
                data[VARIANTS_KEY] = variants
    return data


def read_family_variants(
    source: ListSource, families: list[dict[str, Any]], workers: int = 4
) -> dict[str, list[dict[str, Any]]] | None:
    """The family variants of every family that has some, or None when the PIM has no such endpoint."""
    codes = [f["code"] for f in families if isinstance(f.get("code"), str)]
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="catalog-variants") as pool:
        lists = list(pool.map(lambda code: read_optional(source, _variants_path(code)), codes))
    if codes and all(items is None for items in lists):
        return None
    return {code: items for code, items in zip(codes, lists, strict=True) if items}


def load_catalog(source: ListSource, workers: int = 4, optional: bool = True) -> Catalog:
    """A fresh snapshot of the live catalog."""
    return Catalog.from_json(fetch_catalog_json(source, workers, optional))
