"""``private_key_jwt`` (RFC 7523): assertions made by jwcrypto, not by our joserfc code."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jwcrypto import jwk

from issuers.errors import InvalidInput
from tests.app_fixtures import FixedClock
from tests.wallet.clients.client_calls import (
    HUKOU_USCC,
    add_jwt_client,
    ask_token,
    assertion,
    assertion_form,
    basic,
    oauth_error,
)
from wallet.clients.service import ClientService
from wallet.server.app import services_of

CLIENT = "newborn-jwt"


@pytest.fixture
def clients(app: FastAPI) -> ClientService:
    return services_of(app).clients


@pytest.fixture
def key(clients: ClientService) -> jwk.JWK:
    key = jwk.JWK.generate(kty="OKP", crv="Ed25519")
    add_jwt_client(clients, key, CLIENT)
    return key


@pytest.fixture
def audience(app: FastAPI) -> str:
    return services_of(app).settings.public_base_url.rstrip("/") + "/oauth/token"


def test_an_ed25519_assertion_gets_a_token(
    client: TestClient, clients: ClientService, key: jwk.JWK, audience: str, clock: FixedClock
) -> None:
    signed = assertion(key, CLIENT, audience, clock.now)
    response = ask_token(client, assertion_form(signed, client_id=CLIENT))
    assert response.status_code == 200, response.text
    resolved = clients.authenticate_bearer(response.json()["access_token"])
    assert resolved.client.client_id == CLIENT


def test_an_es256_assertion_gets_a_token(
    client: TestClient, clients: ClientService, audience: str, clock: FixedClock
) -> None:
    key = jwk.JWK.generate(kty="EC", crv="P-256")
    add_jwt_client(clients, key, "ec-client")
    signed = assertion(key, "ec-client", audience, clock.now, alg="ES256", aud=[audience, "x"])
    assert ask_token(client, assertion_form(signed)).status_code == 200


def test_a_replayed_assertion_is_refused(
    client: TestClient, key: jwk.JWK, audience: str, clock: FixedClock
) -> None:
    form = assertion_form(assertion(key, CLIENT, audience, clock.now))
    assert ask_token(client, form).status_code == 200
    again = ask_token(client, form)
    assert again.status_code == 401
    assert oauth_error(again) == "invalid_client"


@pytest.mark.parametrize(
    "change",
    [
        {"aud": "https://elsewhere.example/oauth/token"},
        {"lifetime": timedelta(seconds=-60)},  # expired
        {"lifetime": timedelta(minutes=30)},  # exp too far ahead
        {"drop": ("jti",)},
        {"drop": ("exp",)},
        {"sub": "someone-else"},
        {"nbf": 2_000_000_000},
    ],
    ids=["aud", "expired", "exp-too-far", "no-jti", "no-exp", "sub", "nbf-future"],
)
def test_a_bad_assertion_is_invalid_client(
    client: TestClient, key: jwk.JWK, audience: str, clock: FixedClock, change: dict[str, Any]
) -> None:
    signed = assertion(key, CLIENT, audience, clock.now, **change)
    response = ask_token(client, assertion_form(signed))
    assert response.status_code == 401
    assert oauth_error(response) == "invalid_client"


def test_another_key_hmac_and_none_are_refused(
    client: TestClient, key: jwk.JWK, audience: str, clock: FixedClock
) -> None:
    other = jwk.JWK.generate(kty="OKP", crv="Ed25519")
    hmac_key = jwk.JWK.generate(kty="oct", size=256)
    signed = [
        assertion(other, CLIENT, audience, clock.now),
        assertion(hmac_key, CLIENT, audience, clock.now, alg="HS256"),
    ]
    _, payload, _ = signed[0].split(".")
    none_header = "eyJhbGciOiJub25lIn0"  # {"alg":"none"}
    signed.append(f"{none_header}.{payload}.")
    for token in signed:
        response = ask_token(client, assertion_form(token))
        assert response.status_code == 401
        assert oauth_error(response) == "invalid_client"


def test_assertion_parameters(
    client: TestClient, key: jwk.JWK, audience: str, clock: FixedClock
) -> None:
    signed = assertion(key, CLIENT, audience, clock.now)
    wrong_type = assertion_form(signed, client_assertion_type="urn:other")
    assert oauth_error(ask_token(client, wrong_type)) == "invalid_client"
    no_type = {"grant_type": "client_credentials", "client_assertion": signed}
    assert oauth_error(ask_token(client, no_type)) == "invalid_request"
    other_id = assertion_form(signed, client_id="xuhui-hukou")
    assert oauth_error(ask_token(client, other_id)) == "invalid_client"
    too_big = assertion_form("a" * 9000)
    assert oauth_error(ask_token(client, too_big)) == "invalid_request"


def test_a_jwt_client_cannot_use_basic(client: TestClient, key: jwk.JWK) -> None:
    response = ask_token(client, {"grant_type": "client_credentials"}, basic(CLIENT, "x" * 43))
    assert response.status_code == 401
    assert oauth_error(response) == "invalid_client"


def test_a_disabled_jwt_client_is_refused(
    client: TestClient, clients: ClientService, key: jwk.JWK, audience: str, clock: FixedClock
) -> None:
    clients.disable(CLIENT)
    response = ask_token(client, assertion_form(assertion(key, CLIENT, audience, clock.now)))
    assert oauth_error(response) == "invalid_client"


def test_a_private_key_is_never_registered(clients: ClientService) -> None:
    private = json.loads(jwk.JWK.generate(kty="OKP", crv="Ed25519").export_private())
    with pytest.raises(InvalidInput) as caught:
        clients.add("x", HUKOU_USCC, ["birth_registration"], "private_key_jwt", private)
    assert caught.value.field == "public_jwk"
    rsa = json.loads(jwk.JWK.generate(kty="RSA", size=2048).export_public())
    with pytest.raises(InvalidInput):
        clients.add("x", HUKOU_USCC, ["birth_registration"], "private_key_jwt", rsa)
