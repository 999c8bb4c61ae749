"""A hostile citizen's forms on the consent pages: whatever the form holds, the answer
is a page with its status, never a 500, and nothing is stored for a refusal."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.helpers import LI_NA, ZHANG_WEI, csrf_meta, web_login
from wallet.accounts.service import AccountService
from wallet.server.wiring import Services


@pytest.mark.parametrize("last_day", ["9999-12-31", "0001-01-01"])
def test_a_delegation_ending_at_the_edge_of_the_calendar_is_refused(
    app: FastAPI, accounts: AccountService, services: Services, last_day: str
) -> None:
    """The page turns "valid through last_day" into the next midnight in China: on
    9999-12-31 that next day does not exist in Python's calendar."""
    with TestClient(app, raise_server_exceptions=False) as web:
        web_login(web, ZHANG_WEI)
        token = csrf_meta(web.get("/web/delegations"))
        assert token is not None
        form = {"csrf_token": token, "delegate_id_number": LI_NA, "type_slug": "resident_id",
                "bundle_item": "birth_registration", "last_day": last_day}  # fmt: skip
        response = web.post("/web/delegations", data=form, follow_redirects=False)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert services.consent.delegations.of(ZHANG_WEI) == []
