"""The collections the client writes, products and product models: one shape, two paths and keys."""

from __future__ import annotations

import dataclasses

from consumer.akeneo.urls import endpoint_name, segment


@dataclasses.dataclass(frozen=True)
class Resource:
    """One collection of the API the client writes: where it is and what names its items."""

    path: str  # below /api/rest/v1/
    key: str  # the item's identifying field in the standard format
    noun: str  # for errors

    @property
    def upsert_endpoint(self) -> str:
        return endpoint_name("PATCH", self.path)

    @property
    def delete_endpoint(self) -> str:
        return endpoint_name("DELETE", f"{self.path}/x")

    def item_path(self, key: str) -> str:
        if not key:
            raise ValueError(f"a {self.noun} {self.key} must not be empty")
        return f"{self.path}/{segment(key)}"


PRODUCTS = Resource("products", "identifier", "product")
PRODUCT_MODELS = Resource("product-models", "code", "product model")
