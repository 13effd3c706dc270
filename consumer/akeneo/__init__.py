"""The Akeneo REST client: tokens, collection upserts, deletes, paginated lists, retries, a concurrency bound.

See docs/akeneo-client.md.
"""

from consumer.akeneo.client import AkeneoClient
from consumer.akeneo.errors import (
    AkeneoApiError,
    AkeneoAuthError,
    AkeneoCancelled,
    AkeneoError,
    AkeneoUnavailable,
    UnsendableRequest,
)
from consumer.akeneo.models import Credentials, LineResult
from consumer.akeneo.observer import ClientObserver, NoopObserver
from consumer.akeneo.retry import RetryPolicy
from consumer.akeneo.urls import segment

__all__ = [
    "AkeneoApiError",
    "AkeneoAuthError",
    "AkeneoCancelled",
    "AkeneoClient",
    "AkeneoError",
    "AkeneoUnavailable",
    "ClientObserver",
    "Credentials",
    "LineResult",
    "NoopObserver",
    "RetryPolicy",
    "UnsendableRequest",
    "segment",
]
