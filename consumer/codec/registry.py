"""The few Schema Registry calls the codec makes, through confluent-kafka's own client.

Schema ids are immutable, so answers are cached for the process's life; an id the registry
does not know is not asked about again for a minute (a burst of poison messages costs one call).
Not-found answers are the event's fault (DecodeError); anything else is the registry's (RegistryError).
"""

from __future__ import annotations

import time

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

from consumer.codec.errors import DecodeError, RegistryError
from consumer.redact import scrub

UNKNOWN_ID_RETRY_S = 60.0


def _failure(action: str, exc: Exception) -> RegistryError:
    if isinstance(exc, SchemaRegistryError):
        detail = f"HTTP {exc.http_status_code}, error {exc.error_code}: {exc.error_message}"
    else:
        detail = f"{type(exc).__name__}: {exc}"
    # Registry URLs carry the key and secret as user:password@; never repeat them.
    return RegistryError(scrub(f"schema registry: {action} failed ({detail})"))


class Registry:
    def __init__(self, client: SchemaRegistryClient) -> None:
        self._client = client
        self._ids: dict[tuple[str, str], int] = {}  # (subject, schema text) -> id
        self._unknown: dict[int, float] = {}  # schema id -> when the registry said it does not exist

    def close(self) -> None:
        self._client.close()

    def writer_schema(self, schema_id: int) -> str:
        """The Avro schema text registered under ``schema_id``."""
        asked = self._unknown.get(schema_id)
        if asked is not None and time.monotonic() - asked < UNKNOWN_ID_RETRY_S:
            raise DecodeError(f"schema id {schema_id} is unknown to the registry")
        try:
            schema = self._client.get_schema(schema_id)
        except SchemaRegistryError as exc:
            if exc.http_status_code == 404:
                self._unknown[schema_id] = time.monotonic()
                raise DecodeError(f"schema id {schema_id} is unknown to the registry") from None
            raise _failure(f"fetching schema id {schema_id}", exc) from None
        except Exception as exc:  # transport errors: the registry, not the event, is at fault
            raise _failure(f"fetching schema id {schema_id}", exc) from None
        self._unknown.pop(schema_id, None)
        if (schema.schema_type or "AVRO") != "AVRO":
            raise DecodeError(f"schema id {schema_id} is a {schema.schema_type} schema, not Avro")
        if schema.references:
            raise DecodeError(f"schema id {schema_id} uses schema references, which are not supported")
        return str(schema.schema_str)

    def schema_id(self, subject: str, schema_text: str) -> int:
        """The id of our schema under ``subject``: looked up first, registered if absent. Cached."""
        key = (subject, schema_text)
        known = self._ids.get(key)
        if known is not None:
            return known
        schema = Schema(schema_text, "AVRO")
        try:
            found = self._client.lookup_schema(subject, schema).schema_id
        except SchemaRegistryError as exc:
            if exc.http_status_code != 404:
                raise _failure(f"looking up the schema under {subject}", exc) from None
            found = None
        except Exception as exc:
            raise _failure(f"looking up the schema under {subject}", exc) from None
        if found is None:
            try:
                found = self._client.register_schema(subject, schema)
            except Exception as exc:
                raise _failure(f"registering the schema under {subject}", exc) from None
        self._ids[key] = int(found)
        return self._ids[key]
