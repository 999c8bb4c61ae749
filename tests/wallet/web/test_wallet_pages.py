"""The web wallet's pages over HTTP: sign-in, cards, detail, 出示, sign-out, and the
rules around them (cookies, CSRF, redirects, another citizen's certificate is a 404)."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from issuers.status_codes import CertificateStatus
from tests.app_fixtures import FixedClock
from tests.helpers import (
    CHEN_QIANG,
    LI_NA,
    PASSWORDS,
    ZHANG_WEI,
    assert_no_inline_script,
    assert_secure_page,
    csrf_meta,
    form_token,
    mint,
    post_login,
    set_cookie_headers,
    web_login,
)
from wallet.accounts.service import AccountService
from wallet.server.app import services_of
from wallet.web.cookies import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE

PAGES = ("/web/", "/web/certificates/{id}", "/web/certificates/{id}/show")


# --- signing in ------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_without_a_session_every_page_redirects_to_login(
    client: TestClient, accounts: AccountService, page: str
) -> None:
    response = client.get(page.format(id="x"), follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/web/login"


def test_the_login_page_is_a_strict_bilingual_form(client: TestClient) -> None:
    page = client.get("/web/login")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert_secure_page(page.headers)
    assert_no_inline_script(page.text)
    assert '<html lang="zh">' in page.text
    assert "公民身份号码" in page.text
    assert "Sign in" in page.text
    # The pre-session double-submit token: HttpOnly, SameSite=Strict, only for the form.
    cookie = set_cookie_headers(page)["elicense_login_form"]
    assert f"elicense_login_form={form_token(page)}" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Path=/web/login" in cookie


def test_login_sets_strict_http_only_cookies_and_goes_to_the_cards(
    client: TestClient, accounts: AccountService
) -> None:
    response = post_login(client, ZHANG_WEI, PASSWORDS[ZHANG_WEI])
    assert response.status_code == 303
    assert response.headers["location"] == "/web/"
    cookies = set_cookie_headers(response)
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        assert "HttpOnly" in cookies[name]
        assert "SameSite=strict" in cookies[name]
        assert "Path=/;" in cookies[name] or cookies[name].endswith("Path=/")
        assert "Secure" not in cookies[name]  # plain http, as the test client speaks
    session = accounts.resolve(client.cookies[SESSION_COOKIE])
    assert session.kind == "web"
    assert session.citizen.id_number == ZHANG_WEI


def test_cookies_are_secure_over_https(app: FastAPI, accounts: AccountService) -> None:
    with TestClient(app, base_url="https://testserver") as client:
        response = post_login(client, ZHANG_WEI, PASSWORDS[ZHANG_WEI])
    assert response.status_code == 303
    cookies = set_cookie_headers(response)
    assert "Secure" in cookies[SESSION_COOKIE]
    assert "Secure" in cookies[CSRF_COOKIE]


def test_wrong_password_and_unknown_citizen_get_the_form_again_with_401(
    client: TestClient, accounts: AccountService
) -> None:
    wrong = post_login(client, ZHANG_WEI, "not-the-password")
    unknown = post_login(client, "330106198511233823", "not-the-password")  # 王芳: no account
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "公民身份号码或密码错误" in response.text
        assert "Wrong ID number or password" in response.text
        assert SESSION_COOKIE not in set_cookie_headers(response)
        assert 'id="login-form"' in response.text
    assert SESSION_COOKIE not in client.cookies


def test_a_malformed_id_number_is_422_and_is_echoed_escaped(
    client: TestClient, accounts: AccountService
) -> None:
    bad = post_login(client, ZHANG_WEI[:-1] + "0", "whatever-1")
    assert bad.status_code == 422
    assert "公民身份号码格式有误" in bad.text
    hostile = post_login(client, '"><script>x</script>', "whatever-1")
    assert hostile.status_code == 422
    assert "<script>x" not in hostile.text.lower()
    assert 'value="&#34;&gt;&lt;SCRIPT&gt;' in hostile.text  # kept (upper-cased), escaped


def test_a_locked_account_gets_423(client: TestClient, accounts: AccountService) -> None:
    statuses = [post_login(client, LI_NA, "wrong-password").status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 423]
    locked = post_login(client, LI_NA, PASSWORDS[LI_NA])
    assert locked.status_code == 423
    assert "账户已临时锁定" in locked.text
    assert SESSION_COOKIE not in client.cookies


def test_login_csrf_a_post_without_the_form_token_is_refused(
    client: TestClient, accounts: AccountService
) -> None:
    data = {"id_number": ZHANG_WEI, "password": PASSWORDS[ZHANG_WEI]}
    no_token = client.post("/web/login", data=data, follow_redirects=False)
    assert no_token.status_code == 403
    assert "表单已过期" in no_token.text
    # A token in the form that is not the one in this browser's cookie.
    client.get("/web/login")
    forged = client.post(
        "/web/login", data={**data, "form_token": "A" * 43}, follow_redirects=False
    )
    assert forged.status_code == 403
    # The right token, but posted from another site's page.
    token = form_token(client.get("/web/login"))
    cross_site = client.post(
        "/web/login",
        data={**data, "form_token": token},
        headers={"Origin": "https://attacker.example"},
        follow_redirects=False,
    )
    assert cross_site.status_code == 403
    assert SESSION_COOKIE not in client.cookies
    assert post_login(client, ZHANG_WEI, PASSWORDS[ZHANG_WEI], token=token).status_code == 303


def test_the_login_page_sends_a_signed_in_citizen_to_the_cards(
    client: TestClient, accounts: AccountService
) -> None:
    web_login(client, ZHANG_WEI)
    response = client.get("/web/login", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/web/"


def test_an_api_token_in_the_cookie_is_not_a_web_session(
    client: TestClient, accounts: AccountService
) -> None:
    api = client.post(
        "/wallet/login", json={"id_number": ZHANG_WEI, "password": PASSWORDS[ZHANG_WEI]}
    )
    client.cookies.set(SESSION_COOKIE, api.json()["token"])
    response = client.get("/web/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/web/login"


def test_an_expired_session_redirects_to_login(
    client: TestClient, accounts: AccountService, clock: FixedClock
) -> None:
    web_login(client, ZHANG_WEI)
    assert client.get("/web/", follow_redirects=False).status_code == 200
    clock.now += timedelta(hours=3)  # web sessions last two hours
    response = client.get("/web/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/web/login"


# --- the wallet ------------------------------------------------------------------------


def test_cards_detail_and_show(
    client: TestClient, accounts: AccountService, admin_headers: dict[str, str]
) -> None:
    driver = mint(client, admin_headers, "ride_hailing_driver")
    web_login(client, CHEN_QIANG)

    cards = client.get("/web/")
    assert cards.status_code == 200
    assert_secure_page(cards.headers)
    assert_no_inline_script(cards.text)
    assert "网络预约出租汽车驾驶员证" in cards.text
    assert "Ride-hailing Driver Certificate" in cards.text
    assert f'data-identifier="{driver["identifier"]}"' in cards.text
    assert "陈强" in cards.text  # who is signed in

    detail = client.get(f"/web/certificates/{quote(driver['identifier'])}")
    assert detail.status_code == 200
    assert_no_inline_script(detail.text)
    for text in (
        "姓名",
        "Name",
        "准驾车型",
        "Licence class",
        "C1",
        "男 male",
        "330100 浙江省杭州市",
        "01 有效",
        "valid",
        f"{driver['valid_from']} 至 {driver['valid_until']}",
        "浙江省交通运输厅",
        CHEN_QIANG,  # the citizen's own certificate: nothing masked
    ):
        assert text in detail.text, text
    assert "/show" in detail.text

    show = client.get(f"/web/certificates/{quote(driver['identifier'])}/show")
    assert show.status_code == 200
    assert_secure_page(show.headers)
    assert_no_inline_script(show.text)
    assert csrf_meta(show) == client.cookies[CSRF_COOKIE]
    endpoint = f"/wallet/certificates/{driver['identifier']}/presentation"
    assert f'data-endpoint="{endpoint}"' in show.text
    assert '<script src="/static/web/show.js" defer></script>' in show.text


def test_a_suspended_certificate_says_so(
    app: FastAPI, client: TestClient, accounts: AccountService, admin_headers: dict[str, str]
) -> None:
    driver = mint(client, admin_headers, "ride_hailing_driver")
    services_of(app).issuance.change_status(
        driver["identifier"], CertificateStatus.SUSPENDED, reason="调查中", actor="test"
    )
    web_login(client, CHEN_QIANG)
    detail = client.get(f"/web/certificates/{driver['identifier']}")
    assert "02 暂扣" in detail.text
    assert "调查中" in detail.text
    assert "status-suspended" in detail.text


def test_household_members_appear_under_headings(
    client: TestClient, accounts: AccountService, admin_headers: dict[str, str]
) -> None:
    register = mint(client, admin_headers, "household_register")
    web_login(client, LI_NA)  # a member, not the head: still her certificate
    detail = client.get(f"/web/certificates/{register['identifier']}")
    assert detail.status_code == 200
    assert "户内成员（1）" in detail.text
    assert "Members #2" in detail.text
    assert "与户主关系" in detail.text


def test_another_citizens_certificate_is_a_404_that_says_nothing(
    client: TestClient, accounts: AccountService, admin_headers: dict[str, str]
) -> None:
    driver = mint(client, admin_headers, "ride_hailing_driver")
    web_login(client, ZHANG_WEI)
    for suffix in ("", "/show"):
        theirs = client.get(f"/web/certificates/{driver['identifier']}{suffix}")
        missing = client.get(f"/web/certificates/1.2.156.3005.2.nothing{suffix}")
        assert theirs.status_code == missing.status_code == 404
        assert theirs.text == missing.text  # indistinguishable from a certificate that is not
        assert_secure_page(theirs.headers)
        for secret in (driver["identifier"], "陈强", CHEN_QIANG, ">C1<", "驾驶员"):
            assert secret not in theirs.text
        assert "Not found" in theirs.text
    too_long = client.get("/web/certificates/" + "9" * 500)
    assert too_long.status_code == 404


def test_logout_needs_the_csrf_token_and_revokes_the_session(
    client: TestClient, accounts: AccountService
) -> None:
    web_login(client, ZHANG_WEI)
    token = client.cookies[SESSION_COOKIE]
    refused = client.post("/web/logout", data={"csrf_token": "wrong"}, follow_redirects=False)
    assert refused.status_code == 403
    assert client.get("/web/", follow_redirects=False).status_code == 200

    page = client.get("/web/")
    response = client.post(
        "/web/logout", data={"csrf_token": csrf_meta(page)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/web/login"
    assert SESSION_COOKIE not in client.cookies
    client.cookies.set(SESSION_COOKIE, token)  # the old cookie, replayed
    assert client.get("/web/", follow_redirects=False).status_code == 303


def test_the_presentation_endpoint_takes_the_cookie_and_the_csrf_header(
    client: TestClient, accounts: AccountService, admin_headers: dict[str, str]
) -> None:
    """The contract the 出示 page's script relies on."""
    driver = mint(client, admin_headers, "ride_hailing_driver")
    web_login(client, CHEN_QIANG)
    show = client.get(f"/web/certificates/{driver['identifier']}/show")
    endpoint = f"/wallet/certificates/{driver['identifier']}/presentation"
    no_header = client.post(endpoint, json={})
    assert no_header.status_code == 403
    response = client.post(endpoint, json={}, headers={CSRF_HEADER: csrf_meta(show) or ""})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["payload"].startswith("ELP1:")
    assert body["qr_svg"].startswith("<svg")
    assert body["lifetime_seconds"] == 60


def test_static_files_are_served_by_the_app(client: TestClient) -> None:
    for path, media_type in (
        ("/static/inspector/elicense.css", "text/css"),
        ("/static/inspector/inspector.js", "javascript"),
        ("/static/web/show.js", "javascript"),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert media_type in response.headers["content-type"]


def test_no_page_loads_anything_from_another_origin(
    client: TestClient, accounts: AccountService
) -> None:
    web_login(client, ZHANG_WEI)
    for path in ("/web/", "/inspector", "/"):
        html = client.get(path).text
        assert not re.search(r'(src|href)="(https?:)?//', html), path
