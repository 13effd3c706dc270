"""Token endpoint and bearer checks: credentials, expiry, refresh, Akeneo's 401/422 bodies."""

from __future__ import annotations

import requests

from consumer.devstack.akeneo_sim import AkeneoSimulator, SimKnobs

from .support import API, CLIENT_ID, PASSWORD, SECRET, USERNAME, FakeClock, fetch_token, small_catalog

TOKEN = "/api/oauth/v1/token"


def _token(
    sim: AkeneoSimulator, body: dict[str, str], auth: tuple[str, str] = (CLIENT_ID, SECRET)
) -> requests.Response:
    return requests.post(sim.base_url + TOKEN, auth=auth, json=body, timeout=10)


def _get(sim: AkeneoSimulator, token: str | None) -> requests.Response:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return requests.get(f"{sim.base_url}{API}/channels", headers=headers, timeout=10)


def test_password_grant_answers_akeneo_token_shape(sim: AkeneoSimulator) -> None:
    token = fetch_token(sim.base_url)
    assert set(token) == {"access_token", "expires_in", "token_type", "scope", "refresh_token"}
    assert token["expires_in"] == 3600
    assert token["token_type"] == "bearer"
    assert token["scope"] is None
    assert _get(sim, token["access_token"]).status_code == 200


def test_form_encoded_grant_is_accepted(sim: AkeneoSimulator) -> None:
    answer = requests.post(
        sim.base_url + TOKEN,
        auth=(CLIENT_ID, SECRET),
        timeout=10,
        data={"grant_type": "password", "username": USERNAME, "password": PASSWORD},
    )
    assert answer.status_code == 200
    assert answer.json()["token_type"] == "bearer"


def test_wrong_client_secret_is_refused(sim: AkeneoSimulator) -> None:
    answer = _token(
        sim,
        {"grant_type": "password", "username": USERNAME, "password": PASSWORD},
        auth=(CLIENT_ID, "not-the-secret"),
    )
    assert answer.status_code == 422
    assert answer.json() == {
        "code": 422,
        "message": 'Parameter "client_id" is missing or does not match any client, or secret is invalid',
    }


def test_unknown_client_and_missing_basic_auth_are_refused(sim: AkeneoSimulator) -> None:
    grant = {"grant_type": "password", "username": USERNAME, "password": PASSWORD}
    assert _token(sim, grant, auth=("someone", SECRET)).status_code == 422
    bare = requests.post(sim.base_url + TOKEN, json=grant, timeout=10)
    assert bare.status_code == 422
    assert "client_id" in bare.json()["message"]


def test_wrong_password_is_refused(sim: AkeneoSimulator) -> None:
    answer = _token(sim, {"grant_type": "password", "username": USERNAME, "password": "nope"})
    assert answer.status_code == 422
    assert answer.json()["message"] == "No user found for the given username and password"


def test_missing_grant_fields_are_refused(sim: AkeneoSimulator) -> None:
    answer = _token(sim, {"grant_type": "password", "username": USERNAME})
    assert answer.status_code == 422
    assert answer.json()["message"] == (
        'Parameter "grant_type", "username" or "password" is missing, empty or invalid'
    )
    assert _token(sim, {"username": USERNAME, "password": PASSWORD}).status_code == 422
    unsupported = _token(sim, {"grant_type": "client_credentials"})
    assert unsupported.json()["message"] == "This grant type is not authorized for this client"


def test_token_body_must_be_json_or_form(sim: AkeneoSimulator) -> None:
    bad_json = requests.post(
        sim.base_url + TOKEN,
        auth=(CLIENT_ID, SECRET),
        data=b"{nope",
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert bad_json.status_code == 400
    assert bad_json.json() == {"code": 400, "message": "Invalid json message received"}
    wrong_type = requests.post(
        sim.base_url + TOKEN,
        auth=(CLIENT_ID, SECRET),
        data=b"x",
        headers={"Content-Type": "text/plain"},
        timeout=10,
    )
    assert wrong_type.status_code == 415
    assert wrong_type.json()["message"] == (
        '"text/plain" in "Content-Type" header is not valid. '
        'Only "application/json" or "application/x-www-form-urlencoded" are allowed.'
    )


def test_requests_without_a_valid_bearer_get_akeneo_401_bodies(sim: AkeneoSimulator) -> None:
    missing = _get(sim, None)
    assert missing.status_code == 401
    assert missing.json() == {"code": 401, "message": "Authentication is required"}
    invalid = _get(sim, "made-up")
    assert invalid.status_code == 401
    assert invalid.json() == {"code": 401, "message": "The access token provided is invalid."}
    assert invalid.headers["WWW-Authenticate"].startswith("Bearer ")


def test_tokens_expire_after_the_ttl_knob(clock: FakeClock) -> None:
    with AkeneoSimulator(small_catalog(), knobs=SimKnobs(token_ttl_s=60), clock=clock) as sim:
        token = fetch_token(sim.base_url)
        assert token["expires_in"] == 60
        clock.advance(59)
        assert _get(sim, token["access_token"]).status_code == 200
        clock.advance(1)
        expired = _get(sim, token["access_token"])
        assert expired.status_code == 401
        assert expired.json() == {"code": 401, "message": "The access token provided has expired."}


def test_ttl_knob_changes_tokens_issued_afterwards(sim: AkeneoSimulator) -> None:
    sim.set_knobs(token_ttl_s=5)
    assert fetch_token(sim.base_url)["expires_in"] == 5


def test_expire_tokens_expires_every_access_token_but_not_refresh_tokens(sim: AkeneoSimulator) -> None:
    token = fetch_token(sim.base_url)
    sim.expire_tokens()
    assert _get(sim, token["access_token"]).json()["message"] == "The access token provided has expired."
    refreshed = _token(sim, {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]})
    assert refreshed.status_code == 200
    assert _get(sim, refreshed.json()["access_token"]).status_code == 200


def test_refresh_token_is_single_use(sim: AkeneoSimulator) -> None:
    token = fetch_token(sim.base_url)
    first = _token(sim, {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]})
    assert first.status_code == 200
    assert first.json()["refresh_token"] != token["refresh_token"]
    again = _token(sim, {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]})
    assert again.status_code == 422
    assert again.json()["message"] == "Refresh token is invalid or has expired"
    assert sim.stats()["tokens_issued"] == {"password": 1, "refresh_token": 1}


def test_refresh_needs_the_client_credentials_and_a_token(sim: AkeneoSimulator) -> None:
    token = fetch_token(sim.base_url)
    grant = {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]}
    assert _token(sim, grant, auth=(CLIENT_ID, "wrong")).status_code == 422
    missing = _token(sim, {"grant_type": "refresh_token"})
    assert missing.json()["message"] == 'Parameter "grant_type" or "refresh_token" is missing or empty'


def test_revoked_refresh_tokens_are_refused(sim: AkeneoSimulator) -> None:
    token = fetch_token(sim.base_url)
    sim.revoke_refresh_tokens()
    answer = _token(sim, {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]})
    assert answer.status_code == 422
    assert answer.json()["message"] == "Refresh token is invalid or has expired"


def test_refresh_tokens_expire_too(clock: FakeClock) -> None:
    with AkeneoSimulator(small_catalog(), knobs=SimKnobs(refresh_token_ttl_s=100), clock=clock) as sim:
        token = fetch_token(sim.base_url)
        clock.advance(100)
        answer = _token(sim, {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]})
        assert answer.status_code == 422


def test_credentials_are_configurable_and_hidden_from_repr(clock: FakeClock) -> None:
    creds = [("erp", "erp-secret", "julia", "s3cret!")]
    with AkeneoSimulator(small_catalog(), credentials=creds, clock=clock) as sim:
        grant = {"grant_type": "password", "username": "julia", "password": "s3cret!"}
        assert _token(sim, grant, auth=("erp", "erp-secret")).status_code == 200
        assert _token(sim, {**grant, "username": USERNAME, "password": PASSWORD}).status_code == 422
    from consumer.devstack.sim_auth import as_credentials

    shown = repr(as_credentials(creds[0]))
    assert "erp-secret" not in shown and "s3cret!" not in shown
