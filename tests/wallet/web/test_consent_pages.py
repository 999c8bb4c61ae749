"""The citizen's consent pages over HTTP: the pending list, the preview (exactly the
shared values, as plain text, no field to edit), approve, deny, revoke and delegate
through forms that need the session's CSRF token, and another citizen's request is the
same 404 page as a missing one."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from tests.app_fixtures import FixedClock
from tests.helpers import (
    CHEN_QIANG,
    LI_NA,
    ZHANG_WEI,
    assert_no_inline_script,
    assert_secure_page,
    csrf_meta,
    web_login,
)
from tests.wallet.citizens import mint
from tests.wallet.consent.consent_calls import made, service_headers
from tests.wallet.consent.share_calls import LI_NA_ID_FIELDS, mint_spouses, requested
from wallet.accounts.service import AccountService
from wallet.server.wiring import Services

ZHANG_HAO = "310104201605200318"  # 张浩, born 2016: 张伟 and 李娜's minor son
Browser = Callable[[str], TestClient]
PAGES = ("/web/consent", "/web/consent/some-id", "/web/grants", "/web/delegations")
POSTS = (
    "/web/consent/some-id/approve",
    "/web/consent/some-id/deny",
    "/web/grants/some-id/revoke",
    "/web/delegations",
    "/web/delegations/some-id/revoke",
)
_INPUT = re.compile(r"<input\b[^>]*>")


@pytest.fixture
def browser(app: FastAPI, accounts: AccountService) -> Iterator[Browser]:
    """A factory of signed-in browsers, one cookie jar per citizen."""
    opened: list[TestClient] = []

    def sign_in(id_number: str) -> TestClient:
        web = TestClient(app, raise_server_exceptions=False)
        opened.append(web)
        web_login(web, id_number)
        return web

    yield sign_in
    for web in opened:
        web.close()


@pytest.fixture
def request_id(client: TestClient, services: Services, admin_headers: dict[str, str]) -> str:
    """A service asks both spouses for their ID card and marriage certificate."""
    mint_spouses(client, admin_headers)
    return requested(client, services)[2]


def _token(web: TestClient) -> str:
    token = csrf_meta(web.get("/web/consent"))
    assert token is not None
    return token


def _post(web: TestClient, path: str, token: str | None = None, **form: str) -> Response:
    data = dict(form)
    if token is not None:
        data["csrf_token"] = token
    return web.post(path, data=data, follow_redirects=False)


def _decisions(services: Services, request_id: str) -> tuple[str, ...]:
    view = services.consent.wallet.detail(ZHANG_WEI, request_id)
    return tuple(p.decision for p in view.request.parties)


# --- without a session ---------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_without_a_session_every_page_redirects_to_login(client: TestClient, page: str) -> None:
    response = client.get(page, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/web/login")


@pytest.mark.parametrize("path", POSTS)
def test_without_a_session_every_form_redirects_to_login(client: TestClient, path: str) -> None:
    response = client.post(path, data={"csrf_token": "x"}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/web/login")


# --- the list and the preview ----------------------------------------------------------------


def test_the_list_names_the_service_purpose_item_expiry_and_uses(
    browser: Browser, request_id: str
) -> None:
    li = browser(LI_NA)
    page = li.get("/web/consent")
    assert page.status_code == 200
    assert_secure_page(page.headers)
    assert_no_inline_script(page.text)
    for text in ("出生登记服务", "新生儿出生登记", "出生登记", "可使用 3 次，已用 0 次", "(UTC+8)"):
        assert text in page.text
    assert f'href="/web/consent/{request_id}"' in page.text
    # 陈强 is named by nothing: his list is empty.
    assert request_id not in browser(CHEN_QIANG).get("/web/consent").text


def test_the_preview_shows_exactly_the_shared_values_and_nothing_to_edit(
    browser: Browser, request_id: str
) -> None:
    page = browser(LI_NA).get(f"/web/consent/{request_id}")
    assert page.status_code == 200, page.text
    assert_secure_page(page.headers)
    assert_no_inline_script(page.text)
    html = page.text
    # The asked values, as they are: name, sex (raw, then its reading), the ID number.
    assert "<td>李娜</td>" in html
    assert "<td>2（女 female）</td>" in html
    assert f"<td>{LI_NA}</td>" in html
    assert "<td>J310104-2015-000123</td>" in html  # the marriage's certificate number
    # What was not asked is not on the page: the ID card's address, the marriage's
    # registration authority.
    assert LI_NA_ID_FIELDS["address"] not in html
    assert "民政局" not in html
    assert ZHANG_WEI in html  # party_a of the marriage was asked: its ID number is shared
    for field in ("最多 3 次，已用 0 次", "出生登记服务", "新生儿出生登记", "0/2"):
        assert field in html
    # Nothing to edit: the only inputs are the forms' hidden token and party.
    inputs = _INPUT.findall(html)
    assert inputs, "the approve and deny forms"
    assert all('type="hidden"' in i for i in inputs), inputs
    assert {re.search(r'name="([^"]+)"', i).group(1) for i in inputs} == {  # type: ignore[union-attr]
        "csrf_token",
        "on_behalf_of",
    }
    assert "<textarea" not in html
    assert "<select" not in html
    assert "同意" in html
    assert "拒绝" in html


def test_another_citizens_request_is_the_same_404_as_a_missing_one(
    browser: Browser, request_id: str, services: Services
) -> None:
    chen = browser(CHEN_QIANG)
    token = _token(chen)
    theirs = chen.get(f"/web/consent/{request_id}")
    missing = chen.get("/web/consent/no-such-request-id-at-all")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.text == missing.text
    assert 'id="not-found"' in theirs.text
    for verb in ("approve", "deny"):
        decided = _post(chen, f"/web/consent/{request_id}/{verb}", token)
        gone = _post(chen, f"/web/consent/no-such-request-id-at-all/{verb}", token)
        assert decided.status_code == gone.status_code == 404
        assert decided.text == gone.text
    assert _decisions(services, request_id) == ("pending", "pending")


# --- decisions ---------------------------------------------------------------------------------


def test_approving_needs_the_token_and_both_spouses_before_the_grant_is_active(
    browser: Browser, request_id: str, services: Services
) -> None:
    zhang, li = browser(ZHANG_WEI), browser(LI_NA)
    path = f"/web/consent/{request_id}/approve"
    for refused in (_post(zhang, path), _post(zhang, path, "not-the-token")):
        assert refused.status_code == 403
        assert "请求被拒绝" in refused.text
    assert _decisions(services, request_id) == ("pending", "pending")

    approved = _post(zhang, path, _token(zhang))
    assert approved.status_code == 303
    assert approved.headers["location"] == f"/web/consent/{request_id}?done=approved"
    after = zhang.get(f"/web/consent/{request_id}?done=approved").text
    assert "已同意" in after
    assert 'id="approve-1"' not in after  # decided: no button any more
    assert _decisions(services, request_id) == ("approved", "pending")
    assert "暂无生效中的授权" in zhang.get("/web/grants").text  # not active yet

    assert _post(li, path, _token(li)).status_code == 303
    assert _decisions(services, request_id) == ("approved", "approved")
    for web in (zhang, li):
        grants = web.get("/web/grants")
        assert grants.status_code == 200
        assert_no_inline_script(grants.text)
        assert f'action="/web/grants/{request_id}/revoke"' in grants.text
        assert "剩余 3 次（共 3 次）" in grants.text


def test_one_spouse_revokes_on_the_grants_page_and_it_stops_for_both(
    browser: Browser, request_id: str, services: Services
) -> None:
    zhang, li = browser(ZHANG_WEI), browser(LI_NA)
    for web in (zhang, li):
        assert _post(web, f"/web/consent/{request_id}/approve", _token(web)).status_code == 303
    revoke = f"/web/grants/{request_id}/revoke"
    assert _post(li, revoke).status_code == 403
    assert f'data-grant="{request_id}"' in zhang.get("/web/grants").text

    done = _post(li, revoke, _token(li))
    assert done.status_code == 303
    assert done.headers["location"] == "/web/grants?done=revoked"
    for web in (zhang, li):
        assert f'data-grant="{request_id}"' not in web.get("/web/grants").text
    assert services.consent.wallet.detail(ZHANG_WEI, request_id).state == "revoked"
    assert _decisions(services, request_id) == ("approved", "revoked")
    again = _post(zhang, revoke, _token(zhang))
    assert again.status_code == 409
    assert 'id="problem"' in again.text


def test_denying_ends_the_request(browser: Browser, request_id: str, services: Services) -> None:
    li = browser(LI_NA)
    denied = _post(li, f"/web/consent/{request_id}/deny", _token(li))
    assert denied.status_code == 303
    assert "已拒绝" in li.get(f"/web/consent/{request_id}?done=denied").text
    assert request_id not in li.get("/web/consent").text
    assert _decisions(services, request_id) == ("pending", "denied")


def test_an_expired_request_cannot_be_approved(
    browser: Browser, client: TestClient, services: Services, admin_headers: dict[str, str],
    clock: FixedClock,
) -> None:  # fmt: skip
    mint_spouses(client, admin_headers)
    _, service = service_headers(services)
    request_id = made(client, service, {LI_NA: {"marriage": ["certificate_number"]}},
                      expires_in=300)  # fmt: skip
    li = browser(LI_NA)
    token = _token(li)
    clock.now += timedelta(minutes=10)
    assert request_id not in li.get("/web/consent").text
    refused = _post(li, f"/web/consent/{request_id}/approve", token)
    assert refused.status_code == 409
    assert "已过期" in refused.text
    assert services.consent.wallet.detail(LI_NA, request_id).state == "expired"


def test_a_parent_approves_for_a_minor_and_a_stranger_cannot(
    browser: Browser, client: TestClient, services: Services, admin_headers: dict[str, str]
) -> None:
    mint(client, admin_headers, "birth_medical")
    _, service = service_headers(services)
    request_id = made(client, service, {ZHANG_HAO: {"birth_medical": ["child_name"]}})
    chen = browser(CHEN_QIANG)
    stranger = _post(chen, f"/web/consent/{request_id}/approve", _token(chen),
                     on_behalf_of=ZHANG_HAO)  # fmt: skip
    assert stranger.status_code == 403
    assert "监护关系" in stranger.text

    zhang = browser(ZHANG_WEI)
    page = zhang.get(f"/web/consent/{request_id}").text
    assert f"监护人（为未成年子女） {ZHANG_HAO}" in page
    assert f'name="on_behalf_of" value="{ZHANG_HAO}"' in page
    assert "<td>张浩</td>" in page
    approved = _post(zhang, f"/web/consent/{request_id}/approve", _token(zhang),
                     on_behalf_of=ZHANG_HAO)  # fmt: skip
    assert approved.status_code == 303
    assert _decisions_of(services, ZHANG_WEI, request_id) == ("approved",)


def _decisions_of(services: Services, citizen: str, request_id: str) -> tuple[str, ...]:
    view = services.consent.wallet.detail(citizen, request_id)
    return tuple(p.decision for p in view.request.parties)


# --- delegations -------------------------------------------------------------------------------


def test_a_delegation_is_made_listed_on_both_sides_and_revoked_by_its_owner_only(
    browser: Browser, services: Services
) -> None:
    zhang, li = browser(ZHANG_WEI), browser(LI_NA)
    form = {"delegate_id_number": LI_NA, "type_slug": "resident_id",
            "bundle_item": "birth_registration", "last_day": "2099-01-01"}  # fmt: skip
    too_long = _post(zhang, "/web/delegations", _token(zhang), **form)
    assert too_long.status_code == 422
    assert "不超过一年" in too_long.text
    assert _post(zhang, "/web/delegations", **form).status_code == 403
    assert services.consent.delegations.of(ZHANG_WEI) == []

    today = services.clock().date()
    form["last_day"] = (today + timedelta(days=30)).isoformat()
    made_ = _post(zhang, "/web/delegations", _token(zhang), **form)
    assert made_.status_code == 303, made_.text
    (delegation,) = services.consent.delegations.of(ZHANG_WEI)
    page = zhang.get("/web/delegations").text
    assert_no_inline_script(page)
    assert f"居民身份证 → {LI_NA}" in page
    assert f'action="/web/delegations/{delegation.id}/revoke"' in page
    received = li.get("/web/delegations").text
    assert f"{ZHANG_WEI} 的居民身份证" in received
    assert "/revoke" not in received  # only the owner revokes

    assert _post(li, f"/web/delegations/{delegation.id}/revoke", _token(li)).status_code == 404
    path = f"/web/delegations/{delegation.id}/revoke"
    assert _post(zhang, path).status_code == 403
    assert services.consent.delegations.of(ZHANG_WEI)[0].revoked_at is None
    assert _post(zhang, path, _token(zhang)).status_code == 303
    assert services.consent.delegations.of(ZHANG_WEI)[0].revoked_at is not None


def test_a_bad_delegate_id_number_is_the_form_again(browser: Browser) -> None:
    zhang = browser(ZHANG_WEI)
    form = {"delegate_id_number": ZHANG_WEI, "type_slug": "resident_id", "bundle_item": "",
            "last_day": "2000-01-01"}  # fmt: skip
    page = _post(zhang, "/web/delegations", _token(zhang), **form)
    assert page.status_code == 422
    assert "不能是你本人" in page.text
    assert f'value="{ZHANG_WEI}"' in page.text
