"""``GET /web/audit`` (谁用了我的证照): the citizen's own entries in Chinese, with the
wallet pages' security headers; another citizen's entries never appear; no session
means the login page."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from issuers.store.database import write_transaction
from tests.app_fixtures import FixedClock
from tests.helpers import LI_NA, ZHANG_WEI, assert_no_inline_script, assert_secure_page, web_login
from wallet.accounts.service import AccountService
from wallet.audit.records import AuditEvent
from wallet.server.app import services_of


def record(app: FastAPI, clock: FixedClock) -> None:
    services = services_of(app)
    refused = AuditEvent(
        "pull_refused",
        "service:hospital",
        (ZHANG_WEI,),
        {"service": "市医保中心", "purpose": "新生儿参保", "outcome": "grant_revoked"},
        "grant-zhang",
    )
    approved = AuditEvent(
        "request_approved", "citizen", (LI_NA,), {"purpose": "李娜的私事"}, "grant-li"
    )
    with write_transaction(services.engine) as conn:
        services.audit.append(conn, refused, clock.now)
        services.audit.append(conn, approved, clock.now)


def test_the_page_shows_my_entries_and_not_anothers(
    app: FastAPI, client: TestClient, clock: FixedClock, accounts: AccountService
) -> None:
    record(app, clock)
    web_login(client, ZHANG_WEI)
    assert 'href="/web/audit"' in client.get("/web/").text
    page = client.get("/web/audit")
    assert page.status_code == 200
    assert_secure_page(page.headers)
    assert_no_inline_script(page.text)
    assert "谁用了我的证照" in page.text
    assert "调取被拒绝" in page.text
    assert "市医保中心" in page.text
    assert "授权已撤销" in page.text
    assert "2026-11-01 17:30:00" in page.text  # 09:30 UTC in Beijing time
    assert "李娜的私事" not in page.text


def test_without_a_session_it_redirects_to_login(client: TestClient) -> None:
    response = client.get("/web/audit", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].endswith("/web/login")
