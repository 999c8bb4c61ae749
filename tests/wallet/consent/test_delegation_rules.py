"""What a citizen may delegate: not the same thing twice while it stands, not to a
minor, not to oneself; each refusal typed, and nothing stored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.app_fixtures import FixedClock
from tests.helpers import LI_NA, ZHANG_WEI, assert_error, csrf_meta, web_login
from tests.wallet.citizens import login
from wallet.accounts.service import AccountService
from wallet.server.wiring import Services

ZHANG_HAO = "310104201605200318"  # 张浩, born 2016: a minor


def delegate(
    client: TestClient, headers: dict[str, str], clock: FixedClock, to: str, **extra: Any
) -> Any:
    body = {
        "delegate_id_number": to,
        "type_slug": "resident_id",
        "expires_at": (clock.now + timedelta(days=30)).isoformat(),
        **extra,
    }
    return client.post("/wallet/delegations", json=body, headers=headers)


def test_the_same_delegation_twice_while_one_stands_is_a_conflict(
    client: TestClient, services: Services, accounts: AccountService, clock: FixedClock
) -> None:
    zhang = login(client, ZHANG_WEI)
    first = delegate(client, zhang, clock, LI_NA, bundle_item="birth_registration")
    assert first.status_code == 201, first.text
    again = delegate(client, zhang, clock, LI_NA, bundle_item="birth_registration")
    assert_error(again, 409, "conflict")
    assert len(services.consent.delegations.of(ZHANG_WEI)) == 1
    # another item, or any item, is another delegation
    assert delegate(client, zhang, clock, LI_NA).status_code == 201
    revoked = client.post(f"/wallet/delegations/{first.json()['id']}/revoke", headers=zhang)
    assert revoked.status_code == 200
    # once revoked, it may be given again
    assert (
        delegate(client, zhang, clock, LI_NA, bundle_item="birth_registration").status_code == 201
    )


def test_an_expired_delegation_may_be_given_again(
    client: TestClient, accounts: AccountService, clock: FixedClock
) -> None:
    zhang = login(client, ZHANG_WEI)
    assert delegate(client, zhang, clock, LI_NA).status_code == 201
    clock.now += timedelta(days=31)
    zhang = login(client, ZHANG_WEI)
    assert delegate(client, zhang, clock, LI_NA).status_code == 201


def test_a_minor_cannot_be_a_delegate(
    client: TestClient, services: Services, accounts: AccountService, clock: FixedClock
) -> None:
    response = delegate(client, login(client, ZHANG_WEI), clock, ZHANG_HAO)
    assert_error(response, 422, "invalid_input", "delegate_id_number")
    assert services.consent.delegations.of(ZHANG_WEI) == []


@pytest.mark.parametrize("me", [ZHANG_WEI, ZHANG_WEI.lower()])
def test_delegating_to_oneself_is_refused(
    client: TestClient, services: Services, accounts: AccountService, clock: FixedClock, me: str
) -> None:
    response = delegate(client, login(client, ZHANG_WEI), clock, me)
    assert_error(response, 422, "invalid_input", "delegate_id_number")
    assert services.consent.delegations.of(ZHANG_WEI) == []


def test_the_page_answers_a_repeated_or_minor_delegation_with_its_reason(
    app: FastAPI, accounts: AccountService, services: Services, clock: FixedClock
) -> None:
    last_day = (clock.now + timedelta(days=30)).date().isoformat()
    with TestClient(app, raise_server_exceptions=False) as web:
        web_login(web, ZHANG_WEI)

        def send(to: str) -> Any:
            token = csrf_meta(web.get("/web/delegations"))
            form = {"csrf_token": token, "delegate_id_number": to, "type_slug": "resident_id",
                    "bundle_item": "birth_registration", "last_day": last_day}  # fmt: skip
            return web.post("/web/delegations", data=form, follow_redirects=False)

        assert send(LI_NA).status_code == 303
        again = send(LI_NA)
        minor = send(ZHANG_HAO)
    assert again.status_code == 409, again.text
    assert again.headers["content-type"].startswith("text/html")
    assert "已把" in again.text
    assert minor.status_code == 422
    assert "年满 18 周岁" in minor.text
    assert len(services.consent.delegations.of(ZHANG_WEI)) == 1
