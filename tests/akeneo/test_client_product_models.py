"""Product models against the simulator: the collection upsert and its limits, one model's GET and DELETE."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from consumer.akeneo import AkeneoApiError, AkeneoClient
from consumer.akeneo.products import MAX_LINE_CHARS
from consumer.devstack.akeneo_sim import AkeneoSimulator

from .support import FAST_RETRY, MODEL_CATALOG, SIM_CREDENTIALS, Recorder, model

MODELS_ROUTE = "/api/rest/v1/product-models"


@pytest.fixture
def sim() -> Iterator[AkeneoSimulator]:
    with AkeneoSimulator(catalog=MODEL_CATALOG) as simulator:
        yield simulator


@pytest.fixture
def client(sim: AkeneoSimulator) -> Iterator[tuple[AkeneoClient, Recorder]]:
    recorder = Recorder()
    with AkeneoClient(sim.base_url, SIM_CREDENTIALS, retry=FAST_RETRY, observer=recorder) as akeneo:
        yield akeneo, recorder


def test_models_are_created_then_updated_with_one_result_each(
    sim: AkeneoSimulator, client: tuple[AkeneoClient, Recorder]
) -> None:
    akeneo, recorder = client
    first = akeneo.upsert_product_models([model("shirt-1", "Oxford"), model("shirt-2")])
    assert [(r.line, r.identifier, r.status_code, r.attempts) for r in first] == [
        (1, "shirt-1", 201, 1), (2, "shirt-2", 201, 1)]
    again = akeneo.upsert_product_models([{"code": "shirt-1", "values": {
        "name": [{"locale": None, "scope": None, "data": "Poplin"}]}}])
    assert [(r.identifier, r.status_code) for r in again] == [("shirt-1", 204)]
    assert sim.product_models["shirt-1"]["values"]["name"][0]["data"] == "Poplin"
    assert ("PATCH /product-models", 200) in recorder.requests


def test_limits_and_refusals_are_per_model_as_for_products(
    sim: AkeneoSimulator, client: tuple[AkeneoClient, Recorder]
) -> None:
    akeneo, _ = client
    long_name = [{"locale": None, "scope": None, "data": "x" * MAX_LINE_CHARS}]
    huge = {**model("huge"), "values": {"name": long_name}}
    wrong_level = {**model("sized"), "values": {"size": [{"locale": None, "scope": None, "data": "m"}]}}
    batch = [model(f"m{i:03d}") for i in range(150)] + [huge, wrong_level]
    results = akeneo.upsert_product_models(batch)
    assert sim.request_count("PATCH", MODELS_ROUTE, 200) == 2  # 151 lines sent, in requests of at most 100
    assert [r.status_code for r in results[:150]] == [201] * 150
    assert (results[150].identifier, results[150].status_code, results[150].attempts) == ("huge", 413, 0)
    refused = results[151]
    assert (refused.identifier, refused.status_code, refused.message) == ("sized", 422, "Validation failed.")
    # Akeneo's error in the project's one error shape (absent keys given as None)
    message = 'Cannot set the property "size" to this entity as it is not in the attribute set'
    assert refused.errors == [
        {"property": "attribute", "attribute": None, "locale": None, "scope": None, "message": message}
    ]


def test_get_and_delete_one_model_by_its_url_encoded_code(
    sim: AkeneoSimulator, client: tuple[AkeneoClient, Recorder]
) -> None:
    akeneo, recorder = client
    code = "shirt/blue 42%"
    akeneo.upsert_product_models([model(code)])
    got = akeneo.get_product_model(code)
    assert (got["code"], got["family_variant"], got["parent"]) == (code, "shirts_by_size", None)
    deleted = akeneo.delete_product_model_result(code)
    assert (deleted.identifier, deleted.status_code, deleted.attempts) == (code, 204, 1)
    assert akeneo.delete_product_model(code) == 404
    with pytest.raises(AkeneoApiError) as caught:
        akeneo.get_product_model(code)
    assert caught.value.status == 404
    assert caught.value.message.startswith(f'Product model "{code}" does not exist')
    endpoints = {endpoint for endpoint, _ in recorder.requests}
    assert {"GET /product-models/{code}", "DELETE /product-models/{code}"} <= endpoints
    with pytest.raises(ValueError, match="a product model code must not be empty"):
        akeneo.get_product_model("")
