"""``GET /web/audit`` (谁用了我的证照): the citizen's own entries in Chinese, with the
wallet pages' security headers; another citizen's entries never appear; no session
means the login page."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from issuers.store.database import write_transaction
from tests.app_fixtures import FixedClock
from tests.helpers import LI_NA, ZHANG_WEI, assert_no_inline_script, assert_secure_page, web_login
from tests.wallet.audit.consented import SECRETS, consent_story
from wallet.accounts.service import AccountService
from wallet.audit.records import AuditEvent
from wallet.server.app import services_of
from wallet.server.wiring import Services


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


def audit_table(html: str) -> str:
    start = html.index('<table class="audit">')
    return html[start : html.index("</table>", start)]


def test_the_page_names_items_types_and_claims_in_chinese_and_no_value(
    client: TestClient,
    services: Services,
    admin_headers: dict[str, str],
    accounts: AccountService,
) -> None:
    consent_story(client, services, admin_headers)
    web_login(client, ZHANG_WEI)
    page = client.get("/web/audit")
    assert page.status_code == 200
    table = audit_table(page.text)
    for kind in ("request_created", "request_approved", "pull", "grant_revoked"):
        assert f'data-kind="{kind}"' in table
    names = ("出生登记服务", "出生登记", "居民身份证", "结婚证", "姓名、性别、公民身份号码")
    kinds = ("证号、甲方、乙方", "发起授权申请", "同意授权", "调取证照", "撤销授权")
    for readable in names + kinds:
        assert readable in table, readable
    # The request, decision and revocation rows name what was asked, not only the pull.
    rows = table.split('<tr class="audit-entry"')[1:]
    assert len(rows) == 4
    assert all("结婚证" in row for row in rows)
    for code in ("birth_registration", "resident_id", "marriage.", "certificate_number"):
        assert code not in table, code
    for secret in SECRETS:
        if secret != "张伟":  # the header names the signed-in citizen, by design
            assert secret not in page.text, secret
    assert "张伟" not in table


def test_without_a_session_it_redirects_to_login(client: TestClient) -> None:
    response = client.get("/web/audit", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].endswith("/web/login")
