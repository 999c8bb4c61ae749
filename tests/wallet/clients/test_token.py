"""``POST /oauth/token`` with HTTP Basic: tokens, scopes, every RFC 6749 §5.2 error
this endpoint can give, and the tokens' life (expiry, disable, rotation)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from issuers.errors import InvalidToken
from tests.app_fixtures import FixedClock
from tests.wallet.clients.client_calls import (
    FORM,
    add_basic_client,
    ask_token,
    basic,
    basic_token,
    oauth_error,
)
from wallet.clients.service import ClientService
from wallet.clients.store.tables import client_access_tokens
from wallet.server.app import services_of

GRANT = {"grant_type": "client_credentials"}


@pytest.fixture
def clients(app: FastAPI) -> ClientService:
    return services_of(app).clients


@pytest.fixture
def secret(clients: ClientService) -> str:
    return add_basic_client(clients)


def test_basic_gives_a_five_minute_token_with_every_scope(
    client: TestClient, clients: ClientService, secret: str
) -> None:
    response = ask_token(client, GRANT, basic("xuhui-hukou", secret))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 300
    assert body["scope"] == "consent:pull consent:request"
    resolved = clients.authenticate_bearer(body["access_token"])
    assert resolved.client.client_id == "xuhui-hukou"
    assert resolved.scopes == {"consent:pull", "consent:request"}


def test_a_token_asks_for_fewer_scopes(
    client: TestClient, clients: ClientService, secret: str
) -> None:
    token = basic_token(client, "xuhui-hukou", secret, scope="consent:pull")
    assert clients.authenticate_bearer(token).scopes == {"consent:pull"}
    response = ask_token(
        client, {**GRANT, "scope": "consent:pull admin"}, basic("xuhui-hukou", secret)
    )
    assert response.status_code == 400
    assert oauth_error(response) == "invalid_scope"


def test_wrong_secret_and_unknown_client_get_one_answer(client: TestClient, secret: str) -> None:
    wrong = ask_token(client, GRANT, basic("xuhui-hukou", secret + "x"))
    unknown = ask_token(client, GRANT, basic("no-such-client", secret))
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert oauth_error(response) == "invalid_client"
        assert response.headers["www-authenticate"].startswith("Basic")
    assert wrong.json() == unknown.json()


@pytest.mark.parametrize(
    ("body", "auth", "status", "code"),
    [
        ({}, True, 400, "invalid_request"),  # no grant_type
        ({"grant_type": "password"}, True, 400, "unsupported_grant_type"),
        (
            "grant_type=client_credentials&grant_type=client_credentials",
            True,
            400,
            "invalid_request",
        ),
        (GRANT, False, 401, "invalid_client"),  # no client authentication
        ({**GRANT, "client_id": "xuhui-hukou", "client_secret": "s"}, False, 401, "invalid_client"),
        ({**GRANT, "client_secret": "s"}, True, 400, "invalid_request"),  # two methods
        ({**GRANT, "client_assertion": "a.b.c"}, True, 400, "invalid_request"),  # two methods
        ({**GRANT, "client_id": "someone-else"}, True, 400, "invalid_request"),
    ],
)
def test_oauth_errors(
    client: TestClient, secret: str, body: dict[str, str] | str, auth: bool, status: int, code: str
) -> None:
    headers = basic("xuhui-hukou", secret) if auth else FORM
    response = ask_token(client, body, headers)
    assert response.status_code == status
    assert oauth_error(response) == code


def test_the_body_must_be_a_form(client: TestClient, secret: str) -> None:
    headers = {**basic("xuhui-hukou", secret), "Content-Type": "application/json"}
    response = client.post("/oauth/token", json=GRANT, headers=headers)
    assert response.status_code == 400
    assert oauth_error(response) == "invalid_request"


def test_an_empty_parameter_counts_as_omitted(client: TestClient, secret: str) -> None:
    response = ask_token(
        client, "grant_type=client_credentials&scope=", basic("xuhui-hukou", secret)
    )
    assert response.status_code == 200
    assert response.json()["scope"] == "consent:pull consent:request"


def test_the_token_is_stored_only_as_its_hash(
    client: TestClient, app: FastAPI, secret: str
) -> None:
    token = basic_token(client, "xuhui-hukou", secret)
    with services_of(app).engine.connect() as conn:
        rows = [tuple(row) for row in conn.execute(select(client_access_tokens))]
    assert len(rows) == 1
    assert rows[0][0] == hashlib.sha256(token.encode()).hexdigest()
    assert not any(token in str(value) for value in rows[0])


def test_a_token_expires(
    client: TestClient, clients: ClientService, clock: FixedClock, secret: str
) -> None:
    token = basic_token(client, "xuhui-hukou", secret)
    clock.now += timedelta(minutes=4, seconds=59)
    clients.authenticate_bearer(token)
    clock.now += timedelta(seconds=1)
    with pytest.raises(InvalidToken):
        clients.authenticate_bearer(token)


def test_a_disabled_client_gets_no_token_and_loses_its_tokens(
    client: TestClient, clients: ClientService, secret: str
) -> None:
    token = basic_token(client, "xuhui-hukou", secret)
    clients.disable("xuhui-hukou")
    with pytest.raises(InvalidToken):
        clients.authenticate_bearer(token)
    response = ask_token(client, GRANT, basic("xuhui-hukou", secret))
    assert response.status_code == 401
    assert response.json() == ask_token(client, GRANT, basic("nobody", secret)).json()


def test_a_rotated_secret_stops_the_old_one_and_its_tokens(
    client: TestClient, clients: ClientService, secret: str
) -> None:
    token = basic_token(client, "xuhui-hukou", secret)
    new = clients.rotate_secret("xuhui-hukou")
    assert new != secret
    assert oauth_error(ask_token(client, GRANT, basic("xuhui-hukou", secret))) == "invalid_client"
    with pytest.raises(InvalidToken):
        clients.authenticate_bearer(token)
    assert basic_token(client, "xuhui-hukou", new)


def test_expired_tokens_are_pruned(
    client: TestClient, app: FastAPI, clock: FixedClock, secret: str
) -> None:
    basic_token(client, "xuhui-hukou", secret)
    clock.now += timedelta(minutes=6)
    fresh = basic_token(client, "xuhui-hukou", secret)
    with services_of(app).engine.connect() as conn:
        hashes = list(conn.execute(select(client_access_tokens.c.token_hash)).scalars())
    assert hashes == [hashlib.sha256(fresh.encode()).hexdigest()]
