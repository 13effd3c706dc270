"""Helpers of the mapping tests: the sample icecat catalog and short ways to map one row."""

from __future__ import annotations

from typing import Any

from consumer.catalog import Catalog
from consumer.devstack.sim_catalog import load_sample_catalog
from consumer.mapping import MappingOptions, MapResult, map_row

SAMPLE_JSON: dict[str, Any] = load_sample_catalog()
SAMPLE = Catalog.from_json(SAMPLE_JSON)
# A catalog JSON from before family variants: `parent` is then a plain field, sent unchecked.
WITHOUT_VARIANTS = Catalog.from_json({k: v for k, v in SAMPLE_JSON.items() if k != "family_variants"})


def with_attributes(*attributes: dict[str, Any]) -> Catalog:
    """The sample catalog with ``attributes`` instead of its own."""
    return Catalog.from_json({**SAMPLE_JSON, "attributes": list(attributes)})


def mapped(row: dict[str, str | None], identifier: str = "sku-1", catalog: Catalog = SAMPLE,
           separator: str | None = None) -> MapResult:
    options = MappingOptions(separator) if separator is not None else None
    return map_row(identifier, row, catalog, options)


def payload(row: dict[str, str | None], **kwargs: Any) -> dict[str, Any]:
    result = mapped(row, **kwargs)
    assert result.ok, result.errors
    assert result.payload is not None
    return result.payload


def values(row: dict[str, str | None], **kwargs: Any) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = payload(row, **kwargs)["values"]
    return found


def data(column: str, cell: str | None, **kwargs: Any) -> Any:
    """The data of the one value that ``column`` = ``cell`` gives."""
    (items,) = values({column: cell}, **kwargs).values()
    (item,) = items
    return item["data"]


def errors(row: dict[str, str | None], **kwargs: Any) -> list[dict[str, Any]]:
    result = mapped(row, **kwargs)
    assert not result.ok, f"expected a rejection, got {result.payload}"
    assert result.errors
    return result.errors


def message(column: str, cell: str | None, **kwargs: Any) -> str:
    """The one rejection message of ``column`` = ``cell``."""
    (error,) = errors({column: cell}, **kwargs)
    text: str = error["message"]
    assert text.startswith(f'Column "{column}": '), text
    return text
