"""The issue's consent walk in a real browser (Debian's Chromium, Playwright), against
``elicense serve --demo``.

The demo's newborn-bundle service asks the two spouses for their marriage certificate
(and 张伟 for his ID card). Each spouse signs in, opens the request from the nav, sees
the preview (values as text, nothing to edit) and approves; the service pulls. Then
张伟 revokes on /web/grants: the grant leaves both spouses' pages and the next pull is
refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.browser.conftest import sign_in
from tests.helpers import LI_NA, ZHANG_WEI
from wallet.server.demo import DEMO_CLIENTS

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

pytestmark = pytest.mark.browser

NewContext = Callable[[], "BrowserContext"]
SERVICE = "newborn-bundle"
PURPOSE = "为新生儿张小宝办理出生登记"
MARRIAGE = ["certificate_number", "party_a", "party_b"]


def _service_token(base: str) -> str:
    secret = DEMO_CLIENTS[SERVICE][3]
    answer = httpx.post(
        f"{base}/oauth/token",
        data={"grant_type": "client_credentials", "scope": "consent:request consent:pull"},
        auth=(SERVICE, secret),
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


def _ask(base: str, token: str) -> str:
    body = {
        "holders": [
            {"id_number": ZHANG_WEI, "certificates": {"marriage": MARRIAGE,
                                                       "resident_id": ["name", "id_number"]}},
            {"id_number": LI_NA, "certificates": {"marriage": MARRIAGE}},
        ],
        "purpose": PURPOSE,
        "bundle_item": "birth_registration",
        "expires_in": 3600,
        "max_uses": 2,
    }  # fmt: skip
    answer = httpx.post(
        f"{base}/consent/requests", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 201, answer.text
    request_id: str = answer.json()["id"]
    return request_id


def _pull(base: str, token: str, grant_id: str) -> httpx.Response:
    return httpx.post(
        f"{base}/consent/grants/{grant_id}/pull",
        json={"purpose": PURPOSE},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def _refusal(base: str, token: str, grant_id: str) -> tuple[int, str]:
    answer = _pull(base, token, grant_id)
    return answer.status_code, str(answer.json()["error"]["code"])


def _preview_and_approve(page: Page, base: str, request_id: str, expected: list[str]) -> None:
    page.click("#nav-consent")
    page.wait_for_url(f"{base}/web/consent")
    page.click(f'a[data-request="{request_id}"]')
    page.wait_for_selector("#request")
    main = page.inner_text("main")
    for text in (PURPOSE, "出生登记", "最多 2 次，已用 0 次", *expected):
        assert text in main, text
    assert "民政局" not in main  # the marriage's registration authority was not asked
    # Values as text: the only inputs on the page are hidden.
    assert page.locator("main input:not([type=hidden]), main textarea, main select").count() == 0
    page.click("#approve-1")
    page.wait_for_url(f"{base}/web/consent/{request_id}?done=approved")
    assert "已同意" in page.inner_text("#done")


def _grant_ids(page: Page, base: str) -> list[str]:
    page.goto(f"{base}/web/grants")
    return [
        str(element.get_attribute("data-grant")) for element in page.query_selector_all("li.grant")
    ]


def test_two_spouses_preview_and_approve_then_one_revokes(
    demo_server: str, new_context: NewContext
) -> None:
    base = demo_server
    console: list[str] = []
    token = _service_token(base)
    request_id = _ask(base, token)

    zhang_context, li_context = new_context(), new_context()
    for context in (zhang_context, li_context):
        context.on("console", lambda message: console.append(message.text))
    zhang, li = zhang_context.new_page(), li_context.new_page()
    sign_in(zhang, base, ZHANG_WEI)
    sign_in(li, base, LI_NA)

    assert _refusal(base, token, request_id) == (409, "consent_pending")
    _preview_and_approve(zhang, base, request_id, ["张伟", ZHANG_WEI, "J310104-2015-000123"])
    assert _refusal(base, token, request_id) == (409, "consent_pending")
    _preview_and_approve(li, base, request_id, ["李娜", LI_NA, "J310104-2015-000123"])

    pulled = _pull(base, token, request_id)
    assert pulled.status_code == 200, pulled.text
    assert len(pulled.json()["shares"]) == 3

    assert _grant_ids(li, base) == [request_id]
    assert _grant_ids(zhang, base) == [request_id]
    zhang.click("#revoke-1")  # no further question
    zhang.wait_for_url(f"{base}/web/grants?done=revoked")
    assert "已撤销授权" in zhang.inner_text("#done")
    assert _grant_ids(zhang, base) == []
    assert _grant_ids(li, base) == []

    assert _refusal(base, token, request_id) == (403, "grant_revoked")
    assert not [line for line in console if "Content Security Policy" in line], console
