"""Bytes to events and back, in the three EVENT_FORMATs (docs/codec.md).

    codec = make_codec(settings.event_format, settings.schema_registry_url, settings.kafka_results_topic)
    codec.prepare()                      # with a registry: registers the feedback schema
    event = codec.decode_change(msg.value(), msg.topic(), msg.key())   # or DecodeError(reason)
    data = codec.encode_feedback(feedback, results_topic)

Knows nothing of Kafka clients: it sees bytes, topic names and keys only.
"""

from __future__ import annotations

from consumer.codec.avro_codec import AvroCodec
from consumer.codec.base import Codec
from consumer.codec.errors import DecodeError, EncodeError, RegistryError
from consumer.codec.events import (
    DELETE,
    ENTITIES,
    OPERATIONS,
    PRODUCT,
    PRODUCT_MODEL,
    STATUSES,
    UPSERT,
    ChangeEvent,
    ErrorDetail,
    FeedbackEvent,
    Values,
    entity_of,
)
from consumer.codec.json_codec import JsonCodec
from consumer.errors import ConfigError

__all__ = [
    "DELETE",
    "ENTITIES",
    "OPERATIONS",
    "PRODUCT",
    "PRODUCT_MODEL",
    "STATUSES",
    "UPSERT",
    "ChangeEvent",
    "Codec",
    "DecodeError",
    "EncodeError",
    "ErrorDetail",
    "FeedbackEvent",
    "RegistryError",
    "Values",
    "entity_of",
    "make_codec",
]


def make_codec(
    event_format: str, schema_registry_url: str | None = None, results_topic: str = "product-feedback"
) -> Codec:
    """The codec for ``event_format`` (avro, confluent-avro or json).

    ``results_topic`` names the subject ``<results_topic>-value`` that ``prepare()`` registers the
    feedback schema under (confluent-avro only; empty means no feedback, nothing registered).
    """
    if event_format == "avro":
        return AvroCodec()
    if event_format == "json":
        return JsonCodec()
    if event_format == "confluent-avro":
        if not schema_registry_url:
            raise ConfigError("SCHEMA_REGISTRY_URL is required when EVENT_FORMAT is confluent-avro")
        # Imported here: confluent-kafka's registry client costs about 200 ms to import, which only
        # a registry user should pay (every `map` run would otherwise).
        from confluent_kafka.schema_registry import SchemaRegistryClient

        from consumer.codec.confluent_codec import ConfluentAvroCodec
        from consumer.codec.registry import Registry

        try:
            client = SchemaRegistryClient({"url": schema_registry_url})
        except Exception:  # its message may quote the URL, credentials included
            raise ConfigError("SCHEMA_REGISTRY_URL is not a usable registry URL") from None
        return ConfluentAvroCodec(Registry(client), results_topic)
    raise ConfigError(f"EVENT_FORMAT must be one of avro, confluent-avro, json, got {event_format!r}")
