"""Akeneo's catalog structure for the mapping: snapshot model, live loader, refreshing cache."""

from consumer.catalog.cache import CatalogCache, CatalogUnavailable, RefreshOutcome
from consumer.catalog.loader import ListSource, fetch_catalog_json, load_catalog
from consumer.catalog.model import AttributeInfo, Catalog, CatalogError, ChannelInfo

__all__ = [
    "AttributeInfo",
    "Catalog",
    "CatalogCache",
    "CatalogError",
    "CatalogUnavailable",
    "ChannelInfo",
    "ListSource",
    "RefreshOutcome",
    "fetch_catalog_json",
    "load_catalog",
]
