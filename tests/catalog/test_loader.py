"""Loading the live catalog through the real client from the simulator, over loopback HTTP."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from consumer.akeneo import AkeneoAuthError, AkeneoClient, Credentials, RetryPolicy
from consumer.catalog import Catalog, fetch_catalog_json, load_catalog
from consumer.catalog.loader import read_optional
from consumer.catalog.model import SELECT_TYPES
from consumer.devstack.akeneo_sim import AkeneoSimulator
from consumer.devstack.sim_catalog import load_sample_catalog
from consumer.mapping import map_row

CREDENTIALS = Credentials("sim-client", "sim-secret", "admin", "admin")
FILLERS, BIG_OPTIONS = 150, 230  # more than one page of 100 either way


def _big_catalog() -> dict[str, Any]:
    data = copy.deepcopy(load_sample_catalog())
    data["attributes"] += [{"code": f"filler_{i:03d}", "type": "pim_catalog_text", "group": "other",
                            "localizable": False, "scopable": False, "labels": {}} for i in range(FILLERS)]
    data["attributes"].append({"code": "big select", "type": "pim_catalog_simpleselect", "group": "other",
                               "localizable": False, "scopable": False, "labels": {}})
    data["attribute_options"]["big select"] = [
        {"code": f"opt_{i:03d}", "attribute": "big select", "sort_order": i, "labels": {}}
        for i in range(BIG_OPTIONS)
    ]
    return data


@pytest.fixture(scope="module")
def served() -> dict[str, Any]:
    return _big_catalog()


@pytest.fixture(scope="module")
def sim(served: dict[str, Any]) -> Iterator[AkeneoSimulator]:
    with AkeneoSimulator(catalog=served) as simulator:
        yield simulator


@pytest.fixture
def client(sim: AkeneoSimulator) -> Iterator[AkeneoClient]:
    with AkeneoClient(sim.base_url, CREDENTIALS, retry=RetryPolicy(base_s=0.01, max_attempts=3)) as akeneo:
        yield akeneo


def _without_links(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in item.items() if k != "_links"} for item in items]


def test_every_page_of_every_list_is_read(client: AkeneoClient, sim: AkeneoSimulator,
                                          served: dict[str, Any]) -> None:
    sim.reset_stats()
    data = fetch_catalog_json(client)
    assert _without_links(data["attributes"]) == served["attributes"]
    assert len(data["attribute_options"]["big select"]) == BIG_OPTIONS
    for key in ("channels", "locales", "currencies", "families", "categories"):
        assert [item["code"] for item in data[key]] == [item["code"] for item in served[key]], key
    assert data["measurement_families"] == served["measurement_families"]  # a plain array, no _links
    routes = Counter(r["route"] for r in sim.stats()["requests"] for _ in range(r["count"]))
    assert routes["/api/rest/v1/attributes"] == 3  # 247 attributes
    selects = [a for a in served["attributes"] if a["type"] in SELECT_TYPES]
    assert routes["/api/rest/v1/attributes/{attribute_code}/options"] == len(selects) + 2  # "big select": 3


def test_optional_lists_are_read_where_the_pim_has_them(client: AkeneoClient) -> None:
    catalog = load_catalog(client)
    assert catalog.families is not None and "scanners" in catalog.families
    assert catalog.association_types is not None and "X_SELL" in catalog.association_types


def test_family_variants_are_read_per_family_every_page(
    client: AkeneoClient, sim: AkeneoSimulator, served: dict[str, Any]
) -> None:
    sim.reset_stats()
    data = fetch_catalog_json(client)
    assert {family: _without_links(items) for family, items in data["family_variants"].items()} == (
        served["family_variants"])  # only the families that have some
    routes = Counter(r["route"] for r in sim.stats()["requests"] for _ in range(r["count"]))
    assert routes["/api/rest/v1/families/{family_code}/variants"] == len(served["families"])
    variants = Catalog.from_json(data).family_variants
    assert variants is not None and variants["clothing_color_size"].levels == 2


def test_an_endpoint_the_pim_lacks_is_unknown_rather_than_an_error(client: AkeneoClient) -> None:
    assert read_optional(client, "no-such-list") is None


def test_the_loaded_catalog_maps_like_the_file(client: AkeneoClient, served: dict[str, Any]) -> None:
    live = load_catalog(client)
    offline = Catalog.from_json(served)
    row = {"name": "x", "weight": "3 KGM", "price": "1 EUR", "big select": "OPT_229", "family": "scanners",
           "description~fr_FR~print": "nope", "sensor_type": "cmos"}
    assert map_row("p1", row, live) == map_row("p1", row, offline)
    assert map_row("p1", {"big select": "opt_230"}, live).errors[0]["message"].endswith(
        'is not an option of attribute "big select"')


def test_refused_credentials_surface_as_the_client_error(sim: AkeneoSimulator) -> None:
    wrong = Credentials("sim-client", "sim-secret", "admin", "wrong")
    with AkeneoClient(sim.base_url, wrong, retry=RetryPolicy(base_s=0.01, max_attempts=2)) as akeneo, \
            pytest.raises(AkeneoAuthError):
        load_catalog(akeneo)
