"""Where requests go: API URLs, URL-encoded identifiers and low-cardinality endpoint names for metrics."""

from __future__ import annotations

from urllib.parse import quote, unquote, urljoin, urlsplit

from consumer.akeneo.errors import UnsendableRequest

API_PREFIX = "/api/rest/v1/"
TOKEN_PATH = "/api/oauth/v1/token"
TOKEN_ENDPOINT = "POST /oauth/token"


# Dot segments survive percent-encoding (`.` is unreserved) and are then resolved away by the HTTP
# stack: `/products/..` would address `/api/rest/v1/`. No encoding makes them data, so refuse them.
_DOT_SEGMENTS = (".", "..")


def segment(identifier: str) -> str:
    """One path segment: every reserved character encoded, so `/`, `?`, `%` and spaces stay data.

    Raises UnsendableRequest (a ValueError) for an empty identifier and for `.` and `..`, which no
    encoding keeps in place.
    """
    if not identifier:
        raise UnsendableRequest("an empty identifier cannot be a URL path segment")
    if identifier in _DOT_SEGMENTS:
        raise UnsendableRequest(f'"{identifier}" cannot be a URL path segment: it is a dot segment')
    return quote(identifier, safe="")


class ApiUrls:
    """Builds URLs under one Akeneo base URL (which may carry a path prefix)."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("Akeneo base URL must be an http(s) URL with a host, e.g. https://pim.example.com")
        self.base = base_url.rstrip("/")
        self._origin = (parts.scheme, parts.netloc.lower())

    @property
    def token(self) -> str:
        return self.base + TOKEN_PATH

    def api(self, path: str) -> str:
        """``"products/a%2Fb"`` or ``"/api/rest/v1/products"`` to an absolute URL."""
        if path.startswith("/api/"):
            return self.base + path
        return self.base + API_PREFIX + path.lstrip("/")

    def follow(self, current_url: str, href: str) -> str:
        """Resolve a ``_links`` href (absolute or relative) against the page it came from.

        A link to another origin is refused: following it would hand our bearer token to that host.
        """
        target = urljoin(current_url, href)
        parts = urlsplit(target)
        if (parts.scheme, parts.netloc.lower()) != self._origin:
            raise ValueError(f"refusing to follow a link to another host: {parts.scheme}://{parts.netloc}")
        return target


def endpoint_name(method: str, url_or_path: str) -> str:
    """``PATCH /products``, ``GET /attributes/{code}/options``, ``DELETE /products/{identifier}``.

    Every other path segment below /api/rest/v1/ is an identifier or a code and becomes a placeholder,
    which keeps the metric label's cardinality fixed.
    """
    path = urlsplit(url_or_path).path
    if API_PREFIX in path:
        path = path.split(API_PREFIX, 1)[1]
    names = [unquote(s) for s in path.strip("/").split("/")] if path.strip("/") else []
    shown = [
        name if i % 2 == 0 else ("{identifier}" if names[i - 1] == "products" else "{code}")
        for i, name in enumerate(names)
    ]
    return f"{method} /{'/'.join(shown)}"
