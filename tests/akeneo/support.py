"""Helpers of the client tests: a small inline catalog, products, and an observer that records every hook."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from consumer.akeneo import AkeneoClient, ClientObserver, Credentials, RetryPolicy

SIM_CREDENTIALS = Credentials("sim-client", "sim-secret", "admin", "admin")
# Short waits keep storms fast; many attempts make give-ups impossible unless a test asks for one.
FAST_RETRY = RetryPolicy(base_s=0.005, cap_s=0.05, max_attempts=50)
PAGED_ATTRIBUTES = 25  # filler attributes, so that lists span pages
COLOR_OPTIONS = 12


def _attribute(code: str, kind: str, **flags: Any) -> dict[str, Any]:
    return {"code": code, "type": kind, "group": "general", "localizable": False, "scopable": False,
            "labels": {"en_US": code}, **flags}


CATALOG: dict[str, Any] = {
    "attributes": [
        _attribute("sku", "pim_catalog_identifier"),
        _attribute("name", "pim_catalog_text"),
        _attribute("description", "pim_catalog_textarea", localizable=True, scopable=True),
        _attribute("color", "pim_catalog_simpleselect"),
        *(_attribute(f"filler_{i:02d}", "pim_catalog_text") for i in range(PAGED_ATTRIBUTES)),
    ],
    "attribute_options": {
        "color": [{"code": f"color_{i:02d}", "sort_order": i, "labels": {"en_US": f"Color {i}"}}
                  for i in range(COLOR_OPTIONS)],
    },
    "channels": [{"code": "ecommerce", "locales": ["en_US"], "currencies": ["EUR"], "category_tree": "master",
                  "labels": {"en_US": "Ecommerce"}}],
    "locales": [{"code": "en_US", "enabled": True}, {"code": "fr_FR", "enabled": False}],
    "currencies": [{"code": "EUR", "enabled": True}],
    "measurement_families": [
        {"code": "Weight", "labels": {"en_US": "Weight"}, "standard_unit_code": "GRAM",
         "units": {"GRAM": {"code": "GRAM", "labels": {"en_US": "Gram"},
                            "convert_from_standard": [{"operator": "mul", "value": "1"}], "symbol": "g"}}},
    ],
}


# CATALOG with a family of product models: shirts by size (a one-level family variant).
MODEL_CATALOG: dict[str, Any] = {
    **CATALOG,
    "attributes": [*CATALOG["attributes"], _attribute("size", "pim_catalog_simpleselect")],
    "attribute_options": {**CATALOG["attribute_options"], "size": [
        {"code": code, "sort_order": i, "labels": {"en_US": code.upper()}} for i, code in enumerate("sml")]},
    "families": [{"code": "shirts", "attributes": ["sku", "name", "color", "size"],
                  "labels": {"en_US": "Shirts"}}],
    "family_variants": {"shirts": [{"code": "shirts_by_size", "labels": {"en_US": "Shirts by size"},
                                    "variant_attribute_sets": [{"level": 1, "axes": ["size"],
                                                                "attributes": ["size", "sku"]}]}]},
}


def model(code: str, name: str = "A shirt") -> dict[str, Any]:
    """A root product model of MODEL_CATALOG."""
    return {"code": code, "family_variant": "shirts_by_size",
            "values": {"name": [{"locale": None, "scope": None, "data": name}]}}


def product(identifier: str, name: str = "A product") -> dict[str, Any]:
    return {"identifier": identifier, "values": {"name": [{"locale": None, "scope": None, "data": name}]}}


class Recorder(ClientObserver):
    """Keeps every hook call; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: list[tuple[str, int]] = []
        self.retries: Counter[str] = Counter()
        self.backoffs: list[tuple[str, float]] = []
        self.tokens: list[str] = []
        self.in_flight = 0
        self.peak_in_flight = 0
        self.limits: list[int] = []
        self.pauses: list[float] = []

    def on_request(self, endpoint: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests.append((endpoint, status))

    def on_retry(self, reason: str) -> None:
        with self._lock:
            self.retries[reason] += 1

    def on_backoff(self, reason: str, seconds: float) -> None:
        with self._lock:
            self.backoffs.append((reason, seconds))

    def on_token(self, kind: str) -> None:
        with self._lock:
            self.tokens.append(kind)

    def on_in_flight(self, delta: int) -> None:
        with self._lock:
            self.in_flight += delta
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def on_concurrency_limit(self, limit: int) -> None:
        with self._lock:
            self.limits.append(limit)

    def on_pause(self, seconds: float) -> None:
        with self._lock:
            self.pauses.append(seconds)


Connect = Callable[..., tuple[AkeneoClient, Recorder]]
