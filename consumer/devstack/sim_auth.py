"""OAuth2 as Akeneo does it: password and refresh-token grants, expiring bearer tokens.

Messages are those of Akeneo's token controller; every refusal is a 422 with ``{code, message}``.
A refresh token is single-use (the grant answers a new one), as in Akeneo.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

MSG_INVALID_CLIENT = 'Parameter "client_id" is missing or does not match any client, or secret is invalid'
MSG_INVALID_PASSWORD_REQUEST = 'Parameter "grant_type", "username" or "password" is missing, empty or invalid'
MSG_INVALID_REFRESH_REQUEST = 'Parameter "grant_type" or "refresh_token" is missing or empty'
MSG_UNKNOWN_USER = "No user found for the given username and password"
MSG_BAD_REFRESH = "Refresh token is invalid or has expired"
MSG_UNSUPPORTED_GRANT = "This grant type is not authorized for this client"
MSG_TOKEN_MISSING = "Authentication is required"
MSG_TOKEN_INVALID = "The access token provided is invalid."
MSG_TOKEN_EXPIRED = "The access token provided has expired."
# Housekeeping: forget expired tokens once this many are remembered.
_PURGE_ABOVE = 10_000


@dataclass(frozen=True, slots=True)
class SimCredentials:
    """One API connection the simulator accepts; repr hides the secrets."""

    client_id: str
    secret: str = field(repr=False)
    username: str
    password: str = field(repr=False)


DEFAULT_CREDENTIALS: tuple[SimCredentials, ...] = (
    SimCredentials("sim-client", "sim-secret", "admin", "admin"),
)


def as_credentials(item: Any) -> SimCredentials:
    """Accept SimCredentials, the client's Credentials (``client_secret``) or a 4-tuple."""
    if isinstance(item, SimCredentials):
        return item
    if isinstance(item, tuple | list) and len(item) == 4:
        return SimCredentials(*(str(part) for part in item))
    secret = getattr(item, "client_secret", None) or getattr(item, "secret", None)
    reveal = getattr(secret, "reveal", None)
    password = getattr(item, "password", None)
    reveal_password = getattr(password, "reveal", None)
    return SimCredentials(
        str(item.client_id),
        reveal() if callable(reveal) else str(secret),
        str(item.username),
        reveal_password() if callable(reveal_password) else str(password),
    )


class TokenError(Exception):
    """The token endpoint refuses: 422 with this message."""


@dataclass(slots=True)
class _Grant:
    deadline: float
    client_id: str
    username: str


class TokenAuthority:
    """Issues and checks tokens; thread-safe."""

    def __init__(self, credentials: Iterable[Any], clock: Callable[[], float] = time.monotonic) -> None:
        creds = [as_credentials(c) for c in credentials]
        self._clients = {c.client_id: c.secret for c in creds}
        self._users = {c.username: c.password for c in creds}
        self._clock = clock
        self._lock = threading.Lock()
        self._access: dict[str, _Grant] = {}
        self._refresh: dict[str, _Grant] = {}
        self.issued = {"password": 0, "refresh_token": 0}

    def grant(self, authorization: str | None, params: Mapping[str, Any], ttl_s: float,
              refresh_ttl_s: float) -> dict[str, Any]:
        """Answer of POST /api/oauth/v1/token for HTTP Basic ``authorization`` and body ``params``."""
        grant_type = params.get("grant_type")
        refresh_token = params.get("refresh_token")
        if grant_type == "refresh_token":
            if not isinstance(refresh_token, str) or not refresh_token:
                raise TokenError(MSG_INVALID_REFRESH_REQUEST)
        elif not isinstance(grant_type, str) or not grant_type:
            raise TokenError(MSG_INVALID_PASSWORD_REQUEST)
        client_id = self._client(authorization)
        if grant_type == "password":
            username, password = params.get("username"), params.get("password")
            if not isinstance(username, str) or not username or not isinstance(password, str) or not password:
                raise TokenError(MSG_INVALID_PASSWORD_REQUEST)
            if not secrets.compare_digest(self._users.get(username, "\0").encode(), password.encode()):
                raise TokenError(MSG_UNKNOWN_USER)
            return self._issue(client_id, username, "password", ttl_s, refresh_ttl_s)
        if grant_type == "refresh_token" and isinstance(refresh_token, str):
            with self._lock:
                grant = self._refresh.pop(refresh_token, None)
            if grant is None or grant.client_id != client_id or grant.deadline <= self._clock():
                raise TokenError(MSG_BAD_REFRESH)
            return self._issue(client_id, grant.username, "refresh_token", ttl_s, refresh_ttl_s)
        raise TokenError(MSG_UNSUPPORTED_GRANT)

    def _client(self, authorization: str | None) -> str:
        if not authorization or not authorization.startswith("Basic "):
            raise TokenError(MSG_INVALID_CLIENT)
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
            client_id, _, secret = decoded.partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise TokenError(MSG_INVALID_CLIENT) from None
        expected = self._clients.get(client_id)
        if expected is None or not secrets.compare_digest(expected.encode(), secret.encode()):
            raise TokenError(MSG_INVALID_CLIENT)
        return client_id

    def _issue(self, client_id: str, username: str, kind: str, ttl_s: float,
               refresh_ttl_s: float) -> dict[str, Any]:
        now = self._clock()
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self._lock:
            if len(self._access) > _PURGE_ABOVE:
                self._access = {t: g for t, g in self._access.items() if g.deadline > now}
            self._access[access] = _Grant(now + ttl_s, client_id, username)
            self._refresh[refresh] = _Grant(now + refresh_ttl_s, client_id, username)
            self.issued[kind] += 1
        return {"access_token": access, "expires_in": round(ttl_s), "token_type": "bearer", "scope": None,
                "refresh_token": refresh}

    def check(self, authorization: str | None) -> str | None:
        """None if ``authorization`` carries a live bearer token, else Akeneo's 401 message."""
        if not authorization or not authorization.startswith("Bearer "):
            return MSG_TOKEN_MISSING
        grant = self._access.get(authorization[7:].strip())
        if grant is None:
            return MSG_TOKEN_INVALID
        if grant.deadline <= self._clock():
            return MSG_TOKEN_EXPIRED
        return None

    def connection_of(self, authorization: str | None) -> str | None:
        """The API connection (client id) a request comes from, as far as it says: the one its
        bearer token was issued to, or the Basic login of a token request. Not a check."""
        if not authorization:
            return None
        if authorization.startswith("Bearer "):
            grant = self._access.get(authorization[7:].strip())
            return None if grant is None else grant.client_id
        if authorization.startswith("Basic "):
            try:
                return base64.b64decode(authorization[6:].strip(), validate=True).decode().partition(":")[0]
            except (binascii.Error, UnicodeDecodeError):
                return None
        return None

    def expire_access_tokens(self) -> None:
        """Every access token issued so far is now expired (refresh tokens stay valid)."""
        with self._lock:
            for grant in self._access.values():
                grant.deadline = float("-inf")

    def revoke_refresh_tokens(self) -> None:
        with self._lock:
            self._refresh.clear()
