"""Secrets out of text before it is shown: one scrubber for every text that may carry one.

Akeneo's error bodies may echo the request (an ``Authorization: Bearer ...`` header, a token
answer), URLs may carry ``user:password@``, and third-party exceptions quote both. Whatever such
text reaches (a log line, an exception message, feedback ``message``/``errors``, a metric
label) goes through ``scrub`` first. Configured secrets are masked by value as well, in the
logs (consumer.logs), as a last line of defence.
"""

from __future__ import annotations

import re

MASK = "***"
# scheme://user:password@host -> scheme://***@host (userinfo never holds "/", "@" or spaces)
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#@\s]+@")
# An Authorization header as echoed ("Authorization: Bearer x", "authorization=Basic x",
# '"Authorization": "Bearer x"'): everything up to the end of its value.
_AUTH_HEADER = re.compile(r"(?i)\b((?:proxy-)?authorization\"?\s*[:=]\s*\"?)[^\"\r\n,;}]+")
# Credentials of an HTTP authentication scheme wherever they stand (RFC 7235 token68).
# Not `Bearer realm="..."` (a WWW-Authenticate challenge, no credentials in it).
_SCHEME_CREDENTIALS = re.compile(r"(?i)\b(bearer|basic)\s+(?![a-z_]+=\")[a-z0-9._~+/-]+=*")
# Token-answer and form fields: "access_token": "x", refresh_token=x, "password":"two words", ...
_SECRET_FIELD = re.compile(
    r"(?i)(\"?\b(?:access_token|refresh_token|id_token|client_secret|password|api_key|apikey)\b\"?\s*[:=]\s*)"
    r"(\"(?:[^\"\\]|\\.)*\"|[^\"&\s,;}]+)"
)


def _mask_field(match: re.Match[str]) -> str:
    quoted = match.group(2).startswith('"')
    return f'{match.group(1)}"{MASK}"' if quoted else f"{match.group(1)}{MASK}"


def scrub(text: str) -> str:
    """``text`` with credentials in URLs, authorization headers, bearer/basic credentials and
    token or password fields replaced by ``***``; everything else unchanged."""
    if not text:
        return text
    text = _USERINFO.sub(rf"\1{MASK}@", text)
    text = _AUTH_HEADER.sub(rf"\1{MASK}", text)
    text = _SCHEME_CREDENTIALS.sub(rf"\1 {MASK}", text)
    return _SECRET_FIELD.sub(_mask_field, text)


def safe_url(url: str) -> str:
    """A URL as it may be printed: ``user:password@`` replaced by ``***@``."""
    return _USERINFO.sub(rf"\1{MASK}@", url)
