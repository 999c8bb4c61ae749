"""Hostile input against the bundle pages and the operator's report.

* Stored XSS: a value the applicant resolves (and one a certificate carries, shown in
  the conflict) reaches /web/bundles/{id} escaped, on the real app with the workflow
  engine; a rejection reason with markup reaches the operator's page escaped, and the
  SVG chart holds nothing executable or linked.
* Values with control or bidi characters are refused (they would read as something
  else to departments and operators).
* The operator routes without a token, with a wrong one, a citizen's, a forged,
  expired or non-ASCII-digit cookie, and an unknown bundle: typed answers, never 500.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.app_fixtures import TEST_ADMIN_TOKEN, FixedClock
from tests.helpers import PASSWORDS
from tests.wallet.bundles.engine_setup import KeyedMinter, launched, mint_parents
from tests.wallet.bundles.hostile_world import (
    APPS,
    FATHER,
    MISSING,
    MOTHER,
    STRANGER,
    approved,
    created,
    family_services,
    quiesce,
    until,
)
from tests.wallet.bundles.report_app import report_app
from tests.wallet.bundles.report_data import MONDAY
from tests.wallet.citizens import login
from wallet.accounts.service import AccountService
from wallet.bundles.store import BundleStore
from wallet.server.settings import Settings
from wallet.server.wiring import Services

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'
CARD_ADDRESS = '上海市"><svg onload=alert(2)>'
BEARER = {"Authorization": f"Bearer {TEST_ADMIN_TOKEN}"}
REPORT = "/web/admin/bundles/toy/report"


@pytest.fixture
def services(settings: Settings, clock: FixedClock) -> Iterator[Services]:
    yield from family_services(settings, clock)


def _web_session(client: TestClient, services: Services, who: str) -> None:
    issued = services.accounts.login(who, PASSWORDS[who], "web")
    client.cookies.set("elicense_session", issued.token)
    client.cookies.set("elicense_csrf", str(issued.csrf_token))


def test_resolved_and_certificate_values_are_escaped_on_the_citizens_page(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService,
    services: Services,
) -> None:  # fmt: skip
    mint_parents(client, admin_headers, mother_address=CARD_ADDRESS)
    runtime = launched(services, KeyedMinter())
    try:
        world = {who: login(client, who) for who in (MOTHER, FATHER)}
        app_id = created(client, world[MOTHER])
        approved(client, world, app_id)
        _web_session(client, services, MOTHER)
        conflict_page = client.get(f"/web/bundles/{app_id}").text
        assert "<svg onload" not in conflict_page
        assert "&lt;svg onload=alert(2)&gt;" in conflict_page
        resolved = client.post(f"{APPS}/{app_id}/resolve", headers=world[MOTHER],
                               json={"field": "address", "value": SCRIPT})  # fmt: skip
        assert resolved.status_code == 200, resolved.text
        submitted = client.post(f"{APPS}/{app_id}/submit", headers=world[MOTHER],
                                json={"typed": {"baby_name": "林小宝"}})  # fmt: skip
        assert submitted.status_code == 200, submitted.text
        until(client, world[MOTHER], app_id, lambda b: b["state"] == "completed")
        for who in (MOTHER, FATHER):
            _web_session(client, services, who)
            page = client.get(f"/web/bundles/{app_id}")
            assert page.status_code == 200
            assert "<script>alert" not in page.text
            assert "<img src=x" not in page.text
            assert "&lt;script&gt;alert(" in page.text
            assert "script-src 'unsafe-inline'" not in page.headers["content-security-policy"]
    finally:
        quiesce(services)
        runtime.destroy()


@pytest.mark.parametrize(
    "value", ["上海市\u202e区闵行", "上海\x00市", "上海\u200b市", "上海\x1b[2J"]
)
def test_a_value_with_hidden_characters_is_refused(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService,
    services: Services, value: str,
) -> None:  # fmt: skip
    mint_parents(client, admin_headers, mother_address="上海市闵行区七莘路1号")
    runtime = launched(services, KeyedMinter())
    try:
        world = {who: login(client, who) for who in (MOTHER, FATHER)}
        app_id = created(client, world[MOTHER])
        approved(client, world, app_id)
        answer = client.post(f"{APPS}/{app_id}/resolve", headers=world[MOTHER],
                             json={"field": "address", "value": value})  # fmt: skip
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["field"] == "value"
    finally:
        quiesce(services)
        runtime.destroy()


@pytest.fixture
def report_client(services: Services, clock: FixedClock) -> Iterator[TestClient]:
    clock.now = MONDAY + timedelta(days=7)
    app = report_app(services, clock)
    store = BundleStore(services.engine)
    with store.writing() as conn:  # a department's reason quoting what was typed
        store.update_item(conn, "rejected-1", "first", note=f"bad_input: 查询结果为“{SCRIPT}”")
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_the_operator_page_and_chart_carry_nothing_executable(
    report_client: TestClient,
) -> None:
    page = report_client.get(REPORT, headers=BEARER)
    assert page.status_code == 200
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(" in page.text
    chart = report_client.get("/admin/bundles/toy/report.svg", headers=BEARER)
    assert chart.headers["content-security-policy"].startswith("default-src 'none'")
    root = ET.fromstring(chart.text)
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        assert tag not in ("script", "foreignObject", "a", "image", "use", "iframe"), tag
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            assert not local.startswith("on"), name
            assert local not in ("href", "style"), name
            assert "javascript:" not in value.lower()


@pytest.mark.parametrize(
    "cookie",
    [
        b"\xb2.AAAA",  # '\u00b2' (latin-1): str.isdigit() says yes, int() says no
        "\u0661\u0662".encode() + b".AAAA",  # Arabic-Indic digits
        b"99999999999999999999.AAAA",
        b"1.AAAA",  # long expired
        b".",
        b"",
        b"4102444800." + b"A" * 5000,
    ],
)
def test_a_forged_admin_cookie_is_sent_to_the_login_never_a_500(
    report_client: TestClient, cookie: bytes
) -> None:
    # The header's bytes as sent (TestClient re-encodes non-ASCII as UTF-8; a real
    # HTTP server hands the app the raw bytes, which it reads as latin-1).
    app = report_client.app

    async def get_all() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as web:
            return [
                await web.get(path, headers={b"cookie": b"elicense_admin=" + cookie})
                for path in (REPORT, "/web/admin/bundles", "/web/admin/bundles/nope/report")
            ]

    for answer in asyncio.run(get_all()):
        assert answer.status_code == 303, (answer.request.url, answer.status_code)
        assert answer.headers["location"].endswith("/web/admin/login")


def test_the_report_routes_refuse_every_wrong_token_the_same_way(
    report_client: TestClient, services: Services, accounts: AccountService
) -> None:
    citizen = services.accounts.login(MOTHER, PASSWORDS[MOTHER], "api").token
    wrong = [
        b"Bearer wrong",
        f"Bearer {TEST_ADMIN_TOKEN}x".encode(),
        f"Basic {TEST_ADMIN_TOKEN}".encode(),
        f"Bearer {citizen}".encode(),
        b"Bearer " + "\u00e9".encode("latin-1") * 10,
    ]
    for headers in [{}, *({b"authorization": value} for value in wrong)]:
        for path in ("/admin/bundles/toy/report", "/admin/bundles/toy/report.svg",
                     "/admin/bundles/nope/report", "/admin/bundles/BAD-CODE/report"):  # fmt: skip
            answer = report_client.get(path, headers=headers)
            assert answer.status_code == 401, (path, headers, answer.text)
            assert answer.json()["error"]["code"] == "unauthorized"
    for path in ("/admin/bundles/nope/report", "/admin/bundles/nope/report.svg"):
        answer = report_client.get(path, headers=BEARER)
        assert (answer.status_code, answer.json()["error"]["code"]) == (404, "not_found")
    assert report_client.get("/admin/bundles/BAD-CODE/report", headers=BEARER).status_code == 422
    page = report_client.get("/web/admin/bundles/nope/report", headers=BEARER)
    assert page.status_code == 404


def test_the_web_forms_tell_a_stranger_nothing_and_need_the_csrf_token(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService,
    services: Services,
) -> None:  # fmt: skip
    mint_parents(client, admin_headers, mother_address="上海市闵行区七莘路1号")
    runtime = launched(services, KeyedMinter())
    try:
        app_id = created(client, login(client, MOTHER))
        _web_session(client, services, STRANGER)
        csrf = {"csrf_token": client.cookies["elicense_csrf"]}
        for tail, form in (("/cancel", csrf), ("/submit", {**csrf, "baby_name": "林小宝"}),
                           ("/resolve", {**csrf, "field": "address", "value": "x"})):  # fmt: skip
            theirs = client.post(f"/web/bundles/{app_id}{tail}", data=form)
            missing = client.post(f"/web/bundles/{MISSING}{tail}", data=form)
            assert theirs.status_code == missing.status_code == 404, tail
            assert theirs.text == missing.text.replace(MISSING, app_id)
        _web_session(client, services, MOTHER)
        forged = client.post(f"/web/bundles/{app_id}/cancel", data={"csrf_token": "x" * 43})
        assert forged.status_code == 403
        foreign = client.post(f"/web/bundles/{app_id}/cancel", headers={"origin": "https://evil.example"},
                              data={"csrf_token": client.cookies["elicense_csrf"]})  # fmt: skip
        assert foreign.status_code == 403
        herself = client.post("/web/bundles", data={
            "csrf_token": client.cookies["elicense_csrf"], "bundle": "tiny_bundle",
            "holder_father": MOTHER})  # fmt: skip
        assert herself.status_code == 422
        body = client.get(f"{APPS}/{app_id}", headers=login(client, MOTHER)).json()
        assert body["state"] == "awaiting_consent"
    finally:
        quiesce(services)
        runtime.destroy()
