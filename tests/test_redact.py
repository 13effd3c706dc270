"""Secrets are scrubbed from any text by their shape, and nothing else in the text changes."""

from __future__ import annotations

import pytest

from consumer.redact import safe_url, scrub


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Authorization: Bearer abc.DEF-123_x; Accept: */*", "Authorization: ***; Accept: */*"),
        ('{"headers":{"Authorization":"Bearer eyJhbGciOi.J9"}}', '{"headers":{"Authorization":"***"}}'),
        ("proxy-authorization=Basic c2ltOnNlY3JldA==", "proxy-authorization=***"),
        ("sent Basic c2ltLWNsaWVudDpzaW0tc2VjcmV0 then", "sent Basic *** then"),
        ("token was bearer  a1b2c3d4e5 ok", "token was bearer *** ok"),
        ('{"access_token":"NzFiYTM4","expires_in":3600,"refresh_token":"MDk2"}',
         '{"access_token":"***","expires_in":3600,"refresh_token":"***"}'),
        ('{"password": "two words \\" quoted", "user": "julia"}', '{"password": "***", "user": "julia"}'),
        ("grant_type=password&username=admin&password=s3cr%26et&x=1",
         "grant_type=password&username=admin&password=***&x=1"),
        ("at https://user:p%40ss@pim.example.com:8443/api", "at https://***@pim.example.com:8443/api"),
        ("GET /api?access_token=abc123 failed", "GET /api?access_token=*** failed"),
    ],
)
def test_secrets_are_masked(text: str, shown: str) -> None:
    assert scrub(text) == shown


@pytest.mark.parametrize(
    "text",
    [
        "No user found for the given username and password",
        'Parameter "grant_type", "username" or "password" is missing, empty or invalid',
        'Bearer realm="Service", error="invalid_grant"',
        'Property "colour" does not exist. Check the expected format on the API documentation.',
        "The access token provided has expired.",
        "https://pim.example.com/api/rest/v1/products/a%2Fb",
        "",
    ],
)
def test_texts_without_secrets_are_unchanged(text: str) -> None:
    assert scrub(text) == text


def test_safe_url_masks_only_the_userinfo() -> None:
    assert safe_url("https://KEY:SECRET@psrc-1.confluent.cloud/x") == "https://***@psrc-1.confluent.cloud/x"
    assert safe_url("http://pim:8080") == "http://pim:8080"
