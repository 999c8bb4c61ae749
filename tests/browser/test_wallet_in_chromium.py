"""The issue's acceptance walk in a real browser (Debian's Chromium, Playwright).

Sign in as a demo citizen, open the driver certificate, 出示 it, read the QR code off
the rendered page with zxing-cpp, paste it into the inspector page: valid, and live.
Wait out the window: the same text is stale. The page renews its code before the
window ends. A second citizen gets a 404 page for the first citizen's certificate.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import httpx
import pytest

from issuers.crypto.keys import SigningKey
from tests.browser.conftest import PRESENTATION_SECONDS, SKEW_SECONDS, read_qr, sign_in
from tests.helpers import CHEN_QIANG, ZHANG_WEI
from wallet.holders.device_proof import sign_registration
from wallet.server.demo import DEMO_PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

pytestmark = pytest.mark.browser

DRIVER_CARD = "网络预约出租汽车驾驶员证"

NewContext = Callable[[], "BrowserContext"]


def open_driver_certificate(page: Page, base: str) -> str:
    """From the cards to the driver certificate's detail page; returns its URL."""
    page.click(f"text={DRIVER_CARD}")
    page.wait_for_selector("#certificate")
    assert "Ride-hailing Driver Certificate" in page.inner_text("main")
    assert "01 有效" in page.inner_text("#status")
    return page.url


def generation(page: Page) -> int:
    return int(page.get_attribute("#presentation", "data-generation") or "0")


def verify_in_inspector(page: Page, payload: str) -> tuple[str, str, str | None]:
    page.fill("#payload", payload)
    page.click("#verify-button")
    verdict = page.wait_for_selector("#verdict")
    assert verdict is not None
    return (
        verdict.get_attribute("data-state") or "",
        verdict.get_attribute("data-tone") or "",
        verdict.get_attribute("data-kind"),
    )


def test_show_scan_verify_valid_then_stale(demo_server: str, new_context: NewContext) -> None:
    base = demo_server
    context = new_context()
    console: list[str] = []
    context.on("console", lambda message: console.append(message.text))
    wallet = context.new_page()
    sign_in(wallet, base, CHEN_QIANG)
    open_driver_certificate(wallet, base)
    wallet.click("#show-link")
    wallet.wait_for_selector("#qr:not([hidden])")
    payload = read_qr(wallet.locator("#qr"))
    scanned_at = time.monotonic()
    assert payload.startswith("ELP1:")
    assert int(wallet.inner_text("#countdown")) <= PRESENTATION_SECONDS

    inspector = context.new_page()
    inspector.goto(f"{base}/inspector")
    state, tone, kind = verify_in_inspector(inspector, payload)
    assert (state, tone, kind) == ("valid", "green", "dynamic")
    text = inspector.inner_text("#verdict")
    assert "有效" in text
    assert "网络预约出租汽车驾驶员证" in text
    assert "浙江省交通运输厅" in text
    assert "动态亮证" in text
    assert CHEN_QIANG not in text  # masked for the inspector
    assert "3301**********5178" in text

    # The code was issued before it was scanned: past its window and the skew, it is stale.
    time.sleep(max(0.0, scanned_at + PRESENTATION_SECONDS + SKEW_SECONDS + 1.2 - time.monotonic()))
    assert inspector.input_value("#payload") == payload  # the page kept the text
    state, tone, _ = verify_in_inspector(inspector, payload)
    assert (state, tone) == ("stale", "amber")
    assert "presentation_stale" in inspector.inner_text("#verdict")
    # Everything ran under the strict CSP: no refused script, style or image.
    assert not [line for line in console if "Content Security Policy" in line], console


def test_the_code_is_renewed_before_it_expires(demo_server: str, new_context: NewContext) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page = new_context().new_page()
    sign_in(page, demo_server, CHEN_QIANG)
    detail = open_driver_certificate(page, demo_server)
    page.goto(detail + "/show")
    # Selectors, not wait_for_function: the page's CSP forbids the eval() it would need.
    page.wait_for_selector('#presentation[data-generation="1"]')
    first = read_qr(page.locator("#qr"))
    first_expires = page.get_attribute("#presentation", "data-expires-at")
    # A generous wait: a loaded CI machine may be slow to run the page's timers. What
    # is asserted is the server's own clock, below, not how long the test waited.
    try:
        page.wait_for_selector('#presentation[data-generation="2"]', timeout=30_000)
    except PlaywrightTimeout:
        pytest.fail(f"no second code; the page says {page.inner_text('#present-status')!r}")
    second_issued = page.get_attribute("#presentation", "data-issued-at")
    second = read_qr(page.locator("#qr"))
    assert second.startswith("ELP1:")
    assert second != first
    assert first_expires is not None
    assert second_issued is not None
    # Signed before the code on the screen expired: the screen never shows a dead code.
    assert datetime.fromisoformat(second_issued) < datetime.fromisoformat(first_expires)
    assert generation(page) == 2


def test_a_second_citizen_gets_a_404_page_for_the_first_ones_certificate(
    demo_server: str, new_context: NewContext
) -> None:
    owner = new_context().new_page()
    sign_in(owner, demo_server, CHEN_QIANG)
    detail = open_driver_certificate(owner, demo_server)
    identifier = owner.get_attribute("#certificate", "data-identifier")
    assert identifier

    other = new_context().new_page()  # separate cookies: another person's phone
    sign_in(other, demo_server, ZHANG_WEI)
    for url in (detail, detail + "/show"):
        response = other.goto(url)
        assert response is not None
        assert response.status == 404
        body = other.inner_text("body")
        assert "未找到" in body
        assert "Not found" in body
        for secret in ("陈强", CHEN_QIANG, identifier, DRIVER_CARD):
            assert secret not in other.content()
        # Two characters could occur by chance inside a random token in the markup:
        # the licence class is looked for in what the page shows.
        assert "C1" not in body
    # Nor can 张伟's page script make the server sign a presentation of it.
    status = other.evaluate(
        """async (identifier) => {
            const csrf = document.querySelector('meta[name="csrf-token"]').content;
            const response = await fetch(
                "/wallet/certificates/" + encodeURIComponent(identifier) + "/presentation",
                {method: "POST", credentials: "same-origin",
                 headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
                 body: "{}"});
            return response.status;
        }""",
        identifier,
    )
    assert status == 404


def test_a_key_on_a_registered_device_is_shown_from_that_device(
    demo_server: str, new_context: NewContext
) -> None:
    login = httpx.post(
        f"{demo_server}/wallet/login",
        json={"id_number": CHEN_QIANG, "password": DEMO_PASSWORD},
        timeout=10,
    )
    token = login.json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    device = SigningKey.generate()
    body = {
        "public_jwk": device.public.to_jwk(),
        "proof": sign_registration(device, token, CHEN_QIANG),
    }
    registered = httpx.put(
        f"{demo_server}/wallet/holder-key", json=body, headers=bearer, timeout=10
    )
    assert registered.status_code == 200, registered.text

    page = new_context().new_page()
    sign_in(page, demo_server, CHEN_QIANG)
    detail = open_driver_certificate(page, demo_server)
    page.goto(detail + "/show")
    page.wait_for_selector("#present-status:has-text('已登记的设备')")
    assert "registered device" in page.inner_text("#present-status")
    assert page.locator("#qr").is_hidden()
