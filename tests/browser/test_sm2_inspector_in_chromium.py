"""国密 SM2 in a real browser (Debian's Chromium, Playwright): a demo whose holder keys
are SM2 (``ELICENSE_HOLDER_KEY_ALG=SM2``). The citizen signs in, shows (出示) the
driver certificate, and the inspector page, given the QR read off the screen with
zxing-cpp, says valid and live, and names the algorithms: the issuer's Ed25519 and
the holder's 国密 SM2."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import read_qr, sign_in
from tests.browser.test_wallet_in_chromium import open_driver_certificate, verify_in_inspector
from tests.e2e.demo_server import demo_env, running_demo_server
from tests.helpers import CHEN_QIANG

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

pytestmark = pytest.mark.browser


@pytest.fixture
def sm2_demo(database_url: str, tmp_path: Path) -> Iterator[str]:
    env = {**demo_env(database_url), "ELICENSE_HOLDER_KEY_ALG": "SM2"}
    with running_demo_server(tmp_path, env) as base:
        yield base


def test_the_inspector_page_names_the_holders_sm2_key(
    sm2_demo: str, new_context: Callable[[], BrowserContext]
) -> None:
    context = new_context()
    console: list[str] = []
    context.on("console", lambda message: console.append(message.text))
    wallet = context.new_page()
    sign_in(wallet, sm2_demo, CHEN_QIANG)
    open_driver_certificate(wallet, sm2_demo)
    wallet.click("#show-link")
    wallet.wait_for_selector("#qr:not([hidden])")
    payload = read_qr(wallet.locator("#qr"))
    assert payload.startswith("ELP1:")

    inspector = context.new_page()
    inspector.goto(f"{sm2_demo}/inspector")
    assert verify_in_inspector(inspector, payload) == ("valid", "green", "dynamic")
    algorithms = inspector.locator("#verdict .algorithms")
    assert algorithms.get_attribute("data-holder-alg") == "SM2"
    assert algorithms.get_attribute("data-issuer-alg") == "EdDSA"
    text = algorithms.inner_text()
    assert "国密 SM2" in text
    assert "Ed25519" in text
    assert "签名算法" in inspector.inner_text("#verdict")
    assert not [line for line in console if "Content Security Policy" in line], console
