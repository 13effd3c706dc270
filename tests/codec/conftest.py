"""Codecs of every format, over one registry stand-in for the codec tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from consumer.codec import Codec, make_codec
from consumer.devstack.schema_registry import SchemaRegistryStandIn

FORMATS = ("avro", "confluent-avro", "json")
TOPIC = "product-changes"
RESULTS = "product-feedback"


@pytest.fixture(scope="session")
def registry() -> Iterator[SchemaRegistryStandIn]:
    with SchemaRegistryStandIn() as reg:
        yield reg


@pytest.fixture(scope="module", params=FORMATS)
def codec(request: pytest.FixtureRequest, registry: SchemaRegistryStandIn) -> Iterator[Codec]:
    c = make_codec(request.param, registry.url, RESULTS)
    yield c
    c.close()


@pytest.fixture(scope="module")
def confluent(registry: SchemaRegistryStandIn) -> Iterator[Codec]:
    c = make_codec("confluent-avro", registry.url, RESULTS)
    yield c
    c.close()
