"""Hooks through which the service plugs metrics into the client; every hook is an optional no-op."""

from __future__ import annotations

from typing import Literal, Protocol

TokenKind = Literal["password", "refresh"]
RetryReason = Literal["429", "5xx", "408", "timeout", "connection"]


class ClientObserver(Protocol):
    """Subclass and override what you need; the defaults do nothing.

    Hooks run on the calling thread, inside the request path: keep them cheap and never raise.
    """

    def on_request(self, endpoint: str, status: int, seconds: float) -> None:
        """One HTTP exchange ended. ``endpoint`` is a route template ("PATCH /products");
        ``status`` is 0 when no answer came (timeout, dropped connection)."""
        return None

    def on_retry(self, reason: RetryReason) -> None:
        """A request will be retried; reason is one of "429", "5xx", "408", "timeout", "connection"."""
        return None

    def on_backoff(self, reason: RetryReason, seconds: float) -> None:
        """The client is about to wait ``seconds`` before retrying (Retry-After or jittered backoff)."""
        return None

    def on_token(self, kind: TokenKind) -> None:
        """A token was obtained: kind "password" (full authentication) or "refresh"."""
        return None

    def on_in_flight(self, delta: int) -> None:
        """A request took (+1) or gave back (-1) a slot of the concurrency bound."""
        return None

    def on_concurrency_limit(self, limit: int) -> None:
        """The host's concurrency limit is now ``limit`` (told when the client joins the host's gate,
        then at every change, to every client of that host)."""
        return None

    def on_pause(self, seconds: float) -> None:
        """A 429's Retry-After holds every request to the host ``seconds`` longer than before (told
        to every client of that host)."""
        return None


class NoopObserver(ClientObserver):
    """The default observer."""
