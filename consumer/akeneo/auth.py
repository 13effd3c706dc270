"""The token lifecycle: the only place that holds, renews and forgets Akeneo tokens.

Password grant (client id and secret as HTTP Basic) when there is no usable refresh token,
refresh-token grant otherwise; renewal happens before ``expires_in`` runs out (10 % of the
lifetime early, at most 60 s), and on demand after a 401. One lock makes renewal single-flight:
threads that need a token while it is being renewed wait for the new one.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import orjson

from consumer.akeneo.errors import AkeneoAuthError, AkeneoError
from consumer.akeneo.models import Credentials
from consumer.akeneo.observer import ClientObserver, TokenKind
from consumer.akeneo.transport import Transport
from consumer.akeneo.urls import TOKEN_ENDPOINT

log = logging.getLogger(__name__)

_EARLY_FRACTION = 0.1
_EARLY_MAX_S = 60.0


class _RefreshRefused(Exception):
    pass


class TokenManager:
    def __init__(
        self, transport: Transport, token_url: str, credentials: Credentials, observer: ClientObserver
    ) -> None:
        self._transport = transport
        self._token_url = token_url
        self._credentials = credentials
        self._observer = observer
        self._lock = threading.Lock()
        self._access: str | None = None
        self._refresh: str | None = None
        self._renew_at = 0.0

    def bearer(self, cancel: threading.Event | None = None) -> str:
        """A valid access token, renewed first if it is missing, invalidated or about to expire.

        ``cancel`` is the calling request's: it also stops retries of a renewal made on its behalf.
        """
        with self._lock:
            if self._access is None or time.monotonic() >= self._renew_at:
                self._renew(cancel)
            assert self._access is not None
            return self._access

    def invalidate(self, token: str) -> None:
        """Akeneo answered 401 to ``token``: renew at the next ``bearer()`` (once, however many saw it)."""
        with self._lock:
            if token == self._access:
                self._renew_at = 0.0

    def _renew(self, cancel: threading.Event | None) -> None:
        if self._refresh is not None:
            try:
                refresh_grant = {"grant_type": "refresh_token", "refresh_token": self._refresh}
                self._grant(refresh_grant, "refresh", cancel)
                return
            except _RefreshRefused:
                log.info("Akeneo refused the refresh token; authenticating again with the password grant")
                self._refresh = None
        creds = self._credentials
        password_grant = {"grant_type": "password", "username": creds.username, "password": creds.password}
        self._grant(password_grant, "password", cancel)

    def _grant(self, body: dict[str, str], kind: TokenKind, cancel: threading.Event | None) -> None:
        sent_at = time.monotonic()
        reply = self._transport.send(
            "POST",
            self._token_url,
            TOKEN_ENDPOINT,
            basic_auth=(self._credentials.client_id, self._credentials.client_secret),
            headers={"Content-Type": "application/json"},
            body=orjson.dumps(body),
            cancel=cancel,
        )
        if reply.status != 200:
            if 400 <= reply.status < 500:
                if kind == "refresh":
                    raise _RefreshRefused()
                refused = reply.error(TOKEN_ENDPOINT)
                raise AkeneoAuthError(
                    f"Akeneo refused the API credentials of client {self._credentials.client_id!r} "
                    f"and user {self._credentials.username!r} ({reply.status}): {refused.message}",
                    reply.status,
                )
            raise reply.error(TOKEN_ENDPOINT)
        access, refresh, expires_in = _read_token(reply.content)
        self._access = access
        self._refresh = refresh
        self._renew_at = sent_at + expires_in - min(_EARLY_MAX_S, expires_in * _EARLY_FRACTION)
        self._observer.on_token(kind)


def _read_token(content: bytes) -> tuple[str, str | None, float]:
    try:
        data: Any = orjson.loads(content)
    except orjson.JSONDecodeError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("access_token"), str):
        raise AkeneoError("Akeneo's token answer has no access_token")
    expires_in = data.get("expires_in", 3600)
    if not isinstance(expires_in, int | float):
        expires_in = 3600  # Akeneo's documented default
    expires_in = max(expires_in, 0)
    refresh = data.get("refresh_token")
    return data["access_token"], refresh if isinstance(refresh, str) else None, float(expires_in)
