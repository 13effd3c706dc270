"""Helpers of the simulator tests: a small Akeneo-shaped catalog, a fake clock, a raw HTTP session."""

from __future__ import annotations

from typing import Any

import requests

CLIENT_ID, SECRET, USERNAME, PASSWORD = "sim-client", "sim-secret", "admin", "admin"
API = "/api/rest/v1"
COLLECTION = "application/vnd.akeneo.collection+json"


def _attribute(code: str, kind: str, **flags: Any) -> dict[str, Any]:
    item = {
        "code": code,
        "type": kind,
        "group": "marketing",
        "localizable": False,
        "scopable": False,
        "available_locales": [],
        "unique": kind == "pim_catalog_identifier",
        "labels": {"en_US": code},
    }
    item.update(flags)
    return item


def small_catalog() -> dict[str, Any]:
    """Every attribute type and flag combination the validation rules care about."""
    return {
        "attributes": [
            _attribute("sku", "pim_catalog_identifier"),
            _attribute("name", "pim_catalog_text", localizable=True),
            _attribute("description", "pim_catalog_textarea", localizable=True, scopable=True),
            _attribute("teaser", "pim_catalog_text", scopable=True),
            _attribute("ean", "pim_catalog_text", max_characters=13),
            _attribute("legal_fr", "pim_catalog_text", localizable=True, available_locales=["fr_FR"]),
            _attribute("release_date", "pim_catalog_date"),
            _attribute("color_scanning", "pim_catalog_boolean"),
            _attribute(
                "zoom",
                "pim_catalog_number",
                decimals_allowed=False,
                negative_allowed=False,
                number_min="1",
                number_max="50",
            ),
            _attribute("temperature", "pim_catalog_number", decimals_allowed=True, negative_allowed=True),
            _attribute(
                "weight",
                "pim_catalog_metric",
                metric_family="Weight",
                default_metric_unit="KILOGRAM",
                decimals_allowed=True,
                negative_allowed=False,
            ),
            _attribute(
                "price",
                "pim_catalog_price_collection",
                decimals_allowed=True,
                negative_allowed=None,
                number_max="10000",
            ),
            _attribute("color", "pim_catalog_simpleselect"),
            _attribute("functions", "pim_catalog_multiselect"),
            _attribute("picture", "pim_catalog_image"),
        ],
        "attribute_options": {
            "color": [
                {"code": c, "sort_order": i, "labels": {"en_US": c.title()}}
                for i, c in enumerate(["black", "white", "Red"], 1)
            ],
            "functions": [
                {"code": c, "sort_order": i, "labels": {"en_US": c}}
                for i, c in enumerate(["copy", "fax", "print", "scan"], 1)
            ],
        },
        "channels": [
            {
                "code": "ecommerce",
                "locales": ["en_US", "fr_FR", "de_DE"],
                "currencies": ["EUR", "USD"],
                "category_tree": "master",
                "conversion_units": {},
                "labels": {"en_US": "Ecommerce"},
            },
            {
                "code": "mobile",
                "locales": ["en_US", "fr_FR"],
                "currencies": ["EUR"],
                "category_tree": "master",
                "conversion_units": {},
                "labels": {"en_US": "Mobile"},
            },
        ],
        "locales": [
            {"code": "de_DE", "enabled": True},
            {"code": "en_US", "enabled": True},
            {"code": "fr_FR", "enabled": True},
            {"code": "it_IT", "enabled": False},
        ],
        "currencies": [
            {"code": "EUR", "enabled": True, "label": "Euro"},
            {"code": "USD", "enabled": True, "label": "US dollar"},
            {"code": "GBP", "enabled": False, "label": "British pound"},
        ],
        "measurement_families": [
            {
                "code": "Weight",
                "labels": {"en_US": "Weight"},
                "standard_unit_code": "KILOGRAM",
                "units": {
                    "GRAM": {
                        "code": "GRAM",
                        "labels": {"en_US": "Gram"},
                        "convert_from_standard": [{"operator": "mul", "value": "0.001"}],
                        "symbol": "g",
                    },
                    "KILOGRAM": {
                        "code": "KILOGRAM",
                        "labels": {"en_US": "Kilogram"},
                        "convert_from_standard": [{"operator": "mul", "value": "1"}],
                        "symbol": "kg",
                    },
                },
            },
            {
                "code": "Length",
                "labels": {"en_US": "Length"},
                "standard_unit_code": "METER",
                "units": {
                    "METER": {
                        "code": "METER",
                        "labels": {"en_US": "Meter"},
                        "convert_from_standard": [{"operator": "mul", "value": "1"}],
                        "symbol": "m",
                    },
                },
            },
        ],
        "families": [
            {
                "code": "printers",
                "attribute_as_label": "name",
                "attribute_as_image": None,
                "attributes": ["sku", "name"],
                "attribute_requirements": {"ecommerce": ["sku"]},
                "labels": {"en_US": "Printers"},
            }
        ],
        "categories": [
            {"code": "master", "parent": None, "labels": {"en_US": "Master"}},
            {"code": "printers", "parent": "master", "labels": {"en_US": "Printers"}},
        ],
    }


class FakeClock:
    """Monotonic seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def fetch_token(
    base_url: str, session: requests.Session | None = None, credentials: tuple[str, str] = (CLIENT_ID, SECRET)
) -> dict[str, Any]:
    http = session or requests
    grant = {"grant_type": "password", "username": USERNAME, "password": PASSWORD}
    answer = http.post(f"{base_url}/api/oauth/v1/token", auth=credentials, json=grant, timeout=10)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


class Api:
    """A bare authenticated HTTP session on the simulator, for tests that check raw answers."""

    def __init__(self, base_url: str, credentials: tuple[str, str] = (CLIENT_ID, SECRET)) -> None:
        """``credentials``: the API connection (client id and secret) the session's token belongs to."""
        self.base_url = base_url
        self.session = requests.Session()
        self.token = fetch_token(base_url, self.session, credentials)
        self.session.headers["Authorization"] = f"Bearer {self.token['access_token']}"

    def url(self, path: str) -> str:
        return f"{self.base_url}{API}{path}"

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.get(self.url(path), timeout=10, **kwargs)

    def patch_json(self, path: str, payload: Any) -> requests.Response:
        return self.session.patch(self.url(path), json=payload, timeout=10)

    def patch_lines(self, lines: list[bytes], content_type: str | None = COLLECTION,
                    path: str = "/products") -> requests.Response:
        headers = {} if content_type is None else {"Content-Type": content_type}
        return self.session.patch(self.url(path), data=b"\n".join(lines), headers=headers, timeout=10)

    def close(self) -> None:
        self.session.close()


def variant_catalog() -> dict[str, Any]:
    """``small_catalog`` with a clothing family and its one- and two-level family variants."""
    catalog = small_catalog()
    catalog["attributes"] += [
        _attribute("size", "pim_catalog_simpleselect"),
        _attribute("material", "pim_catalog_simpleselect"),
    ]
    catalog["attribute_options"].update({
        "size": [{"code": c, "sort_order": i, "labels": {"en_US": c.upper()}}
                 for i, c in enumerate("sml", 1)],
        "material": [{"code": c, "sort_order": i, "labels": {"en_US": c}}
                     for i, c in enumerate(["cotton", "wool"], 1)],
    })
    catalog["families"].append({
        "code": "clothing", "attribute_as_label": "name", "attribute_as_image": None,
        "attributes": ["sku", "name", "description", "price", "color", "material", "size", "ean", "weight"],
        "attribute_requirements": {"ecommerce": ["sku"]}, "labels": {"en_US": "Clothing"},
    })
    catalog["family_variants"] = {"clothing": [
        {"code": "clothing_size", "labels": {"en_US": "By size"}, "variant_attribute_sets": [
            {"level": 1, "axes": ["size"], "attributes": ["size", "ean", "weight", "sku"]}]},
        {"code": "clothing_color_size", "labels": {"en_US": "By color and size"}, "variant_attribute_sets": [
            {"level": 1, "axes": ["color"], "attributes": ["color", "material"]},
            {"level": 2, "axes": ["size"], "attributes": ["size", "ean", "weight", "sku"]}]},
    ]}
    return catalog
