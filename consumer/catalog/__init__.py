"""Akeneo's catalog structure for the mapping: snapshot model, live loader, refreshing cache, and the
facts of the product models met so far."""

from consumer.catalog.cache import CatalogCache, CatalogUnavailable, RefreshOutcome
from consumer.catalog.loader import ListSource, fetch_catalog_json, load_catalog
from consumer.catalog.model import AttributeInfo, Catalog, CatalogError, ChannelInfo
from consumer.catalog.product_models import ModelDirectory, ModelInfo, ModelLookup, ModelSource, look_up_model
from consumer.catalog.variants import FamilyVariantInfo

__all__ = [
    "AttributeInfo",
    "Catalog",
    "CatalogCache",
    "CatalogError",
    "CatalogUnavailable",
    "ChannelInfo",
    "FamilyVariantInfo",
    "ListSource",
    "ModelDirectory",
    "ModelInfo",
    "ModelLookup",
    "ModelSource",
    "RefreshOutcome",
    "fetch_catalog_json",
    "load_catalog",
    "look_up_model",
]
