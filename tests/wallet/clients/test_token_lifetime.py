"""ELICENSE_CLIENT_TOKEN_SECONDS sets how long a service's access token lasts (the issue's
"short-lived, default 5 minutes"); the token stops working when it says it does."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from issuers.errors import InvalidToken
from tests.app_fixtures import FixedClock
from tests.wallet.clients.client_calls import add_basic_client, ask_token, basic
from wallet.server.app import create_app, prepare_database
from wallet.server.settings import Settings
from wallet.server.wiring import Services, build_services


@pytest.fixture
def short_lived(settings: Settings, clock: FixedClock) -> Iterator[Services]:
    services = build_services(settings.model_copy(update={"client_token_seconds": 60}), clock)
    prepare_database(services)
    yield services
    services.engine.dispose()


def test_the_configured_lifetime_is_what_the_token_says_and_does(
    short_lived: Services, clock: FixedClock
) -> None:
    secret = add_basic_client(short_lived.clients)
    with TestClient(create_app(services=short_lived, prepare=False)) as client:
        response = ask_token(
            client, {"grant_type": "client_credentials"}, basic("xuhui-hukou", secret)
        )
    assert response.status_code == 200, response.text
    assert response.json()["expires_in"] == 60
    token = response.json()["access_token"]
    clock.now += timedelta(seconds=59)
    assert short_lived.clients.authenticate_bearer(token).client.client_id == "xuhui-hukou"
    clock.now += timedelta(seconds=2)
    with pytest.raises(InvalidToken):
        short_lived.clients.authenticate_bearer(token)


@pytest.mark.parametrize("seconds", [0, 29, 3601])
def test_a_lifetime_out_of_bounds_is_refused(settings: Settings, seconds: int) -> None:
    with pytest.raises(ValidationError):
        Settings(**{**settings.model_dump(), "client_token_seconds": seconds})
