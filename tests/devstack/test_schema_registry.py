"""The registry stand-in answers confluent-kafka's client as Confluent's registry would."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

from consumer.devstack.schema_registry import SchemaRegistryStandIn

PRODUCT = json.dumps({"type": "record", "name": "Product", "fields": [{"name": "sku", "type": "string"}]})
PRODUCT_V2 = json.dumps(
    {
        "type": "record",
        "name": "Product",
        "fields": [{"name": "sku", "type": "string"}, {"name": "name", "type": "string", "default": ""}],
    }
)


@pytest.fixture()
def registry() -> Iterator[SchemaRegistryStandIn]:
    with SchemaRegistryStandIn() as reg:
        yield reg


@pytest.fixture()
def client(registry: SchemaRegistryStandIn) -> Iterator[SchemaRegistryClient]:
    with SchemaRegistryClient({"url": registry.url}) as c:
        yield c


def _error(call: object) -> SchemaRegistryError:
    assert callable(call)
    with pytest.raises(SchemaRegistryError) as caught:
        call()
    return caught.value


def test_register_and_fetch_by_id(registry: SchemaRegistryStandIn, client: SchemaRegistryClient) -> None:
    first = client.register_schema("products-value", Schema(PRODUCT, "AVRO"))
    assert client.register_schema("products-value", Schema(PRODUCT, "AVRO")) == first  # idempotent
    spaced = json.dumps(json.loads(PRODUCT), indent=4)
    assert client.register_schema("other-value", Schema(spaced, "AVRO")) == first  # ids are global
    second = client.register_schema("products-value", Schema(PRODUCT_V2, "AVRO"))
    assert second != first
    assert registry.url.startswith("http://127.0.0.1:")
    with SchemaRegistryClient({"url": registry.url}) as fresh:  # no client-side cache
        assert json.loads(str(fresh.get_schema(second).schema_str)) == json.loads(PRODUCT_V2)
    assert client.get_versions("products-value") == [1, 2]
    assert client.get_subjects() == ["other-value", "products-value"]


def test_latest_version_and_lookup(registry: SchemaRegistryStandIn, client: SchemaRegistryClient) -> None:
    first = registry.register("products-value", PRODUCT)
    second = registry.register("products-value", PRODUCT_V2)
    latest = client.get_latest_version("products-value")
    assert (latest.schema_id, latest.version, latest.subject) == (second, 2, "products-value")
    found = client.lookup_schema("products-value", Schema(PRODUCT, "AVRO"))
    assert (found.schema_id, found.version) == (first, 1)
    assert client.get_version("products-value", 1).schema_id == first


def test_not_found_answers_carry_confluents_error_codes(
    registry: SchemaRegistryStandIn, client: SchemaRegistryClient
) -> None:
    registry.register("products-value", PRODUCT)
    cases = {
        40403: lambda: client.get_schema(404),
        40401: lambda: client.get_latest_version("nobody-value"),
        40402: lambda: client.get_version("products-value", 7),
    }
    for code, call in cases.items():
        err = _error(call)
        assert (err.http_status_code, err.error_code) == (404, code)
    missing = _error(lambda: client.lookup_schema("products-value", Schema(PRODUCT_V2, "AVRO")))
    assert (missing.error_code, missing.error_message) == (40403, "Schema not found")


def test_invalid_schemas_are_refused(client: SchemaRegistryClient) -> None:
    err = _error(lambda: client.register_schema("bad-value", Schema('{"type": "recordd"}', "AVRO")))
    assert (err.http_status_code, err.error_code) == (422, 42201)


def test_subject_names_are_url_decoded(client: SchemaRegistryClient) -> None:
    schema_id = client.register_schema("odd/name value", Schema(PRODUCT, "AVRO"))
    assert client.get_latest_version("odd/name value").schema_id == schema_id


def test_raw_http_shapes(registry: SchemaRegistryStandIn) -> None:
    schema_id = registry.register("p-value", PRODUCT)
    with urllib.request.urlopen(f"{registry.url}/schemas/ids/{schema_id}") as answer:
        assert answer.headers["Content-Type"] == "application/vnd.schemaregistry.v1+json"
        assert json.load(answer) == {"schema": PRODUCT}
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{registry.url}/no/such/endpoint")
    assert caught.value.code == 404
    assert json.load(caught.value) == {"error_code": 404, "message": "HTTP 404 Not Found"}
    assert registry.requests == [("GET", f"/schemas/ids/{schema_id}"), ("GET", "/no/such/endpoint")]


def test_runs_as_a_module_and_stops_on_sigterm() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "consumer.devstack.schema_registry", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = line.rsplit(" ", 1)[-1].strip()
        assert url.startswith("http://127.0.0.1:")
        with SchemaRegistryClient({"url": url}) as client:
            assert client.get_subjects() == []
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
