"""Browser fixtures: Debian's Chromium driven by Playwright, and a real demo server.

Playwright never downloads a browser here: it launches ``/usr/bin/chromium`` (Debian's
package, which ``.ci/run`` installs). Without it, or without the ``playwright``
package, the browser tests skip with the reason; with ``ELICENSE_TEST_REQUIRE_BROWSER=1``
(set by ``.ci/run``) they fail instead, so CI cannot pass by skipping them.

The server is ``elicense serve --demo`` in a subprocess on a free loopback port, its
``./var`` in the test's directory and its database from ``database_url`` (SQLite or
PostgreSQL), with a short presentation window so "wait until it goes stale" takes
seconds: :data:`PRESENTATION_SECONDS` plus :data:`SKEW_SECONDS`.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest
import zxingcpp
from PIL import Image

from tests.e2e.demo_server import demo_env, running_demo_server
from wallet.server.demo import DEMO_PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Locator, Page

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_BROWSER_ENV = "ELICENSE_TEST_REQUIRE_BROWSER"
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root in a container
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PRESENTATION_SECONDS = 4
SKEW_SECONDS = 1


def browser_required() -> bool:
    return os.environ.get(REQUIRE_BROWSER_ENV, "").strip().lower() in {"1", "true", "yes"}


def _unavailable(message: str) -> NoReturn:
    if browser_required():
        pytest.fail(f"{message} ({REQUIRE_BROWSER_ENV}=1)", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def chromium() -> Iterator[Browser]:
    """Chromium for one test. Not shared across tests: while ``sync_playwright()`` is
    open its asyncio loop counts as running in this thread, and every later test in the
    process that calls ``asyncio.run`` (the TestClient does) would fail."""
    if not CHROMIUM.is_file():
        _unavailable(f"{CHROMIUM} is missing: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _unavailable(f"the playwright package is missing: {exc}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_context(chromium: Browser) -> Iterator[Callable[[], BrowserContext]]:
    """A factory of fresh browser contexts (own cookies), closed after the test."""
    contexts: list[BrowserContext] = []

    def make() -> BrowserContext:
        # A phone-sized page at twice the pixels, so screenshots of the QR are crisp.
        context = chromium.new_context(
            viewport={"width": 420, "height": 900}, device_scale_factor=2, locale="zh-CN"
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def demo_server(database_url: str, tmp_path: Path) -> Iterator[str]:
    """``elicense serve --demo`` with a short presentation window; yields its base URL."""
    env = demo_env(database_url)
    env["ELICENSE_PRESENTATION_SECONDS"] = str(PRESENTATION_SECONDS)
    env["ELICENSE_PRESENTATION_SKEW_SECONDS"] = str(SKEW_SECONDS)
    with running_demo_server(tmp_path, env) as base:
        yield base


def sign_in(page: Page, base: str, id_number: str) -> None:
    """Through the login form, as a person would."""
    page.goto(f"{base}/web/login")
    page.fill("#id_number", id_number)
    page.fill("#password", DEMO_PASSWORD)
    page.click("#login-button")
    page.wait_for_url(f"{base}/web/")


def read_qr(element: Locator) -> str:
    """Screenshot ``element`` and decode the QR code in it with zxing-cpp."""
    shot = Image.open(io.BytesIO(element.screenshot()))
    found = zxingcpp.read_barcodes(
        shot, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    )
    assert found, "zxing-cpp found no QR code in the screenshot"
    text: str = found[0].text
    return text
