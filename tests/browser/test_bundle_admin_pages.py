"""The operator's pages in a real browser (Debian's Chromium, Playwright), against
``elicense serve --demo`` after ``elicense demo newborn`` completed one application.

The operator signs in at /web/admin/login with the administration token (a wrong one
first: the form again, named), opens /web/admin/bundles, then the newborn report: its
tables count the completed application, the chart image (our own SVG) loads with a
natural width, the JSON link opens in the same browser, and signing out ends it. No
console error, no CSP violation, and every page meets the accessibility basics.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.page_checks import accessibility_problems, record_violations, watch
from tests.e2e.demo_server import cli, demo_env

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

pytestmark = pytest.mark.browser

NewContext = Callable[[], "BrowserContext"]
# The wrong token's answer: the login form again, 401 by design.
REFUSED_LOGIN = re.compile(
    r"/web/admin/login: error: Failed to load resource: the server responded"
    r" with a status of 401 "
)


def sign_in_as_operator(page: Page, base: str, token: str, problems: list[str]) -> None:
    page.goto(f"{base}/web/admin/bundles")
    page.wait_for_url(f"{base}/web/admin/login")  # no cookie yet: to the login form
    problems.extend(accessibility_problems(page))
    page.fill("#token", "not-the-token")
    page.click("#admin-login-button")
    assert "管理令牌错误" in page.inner_text("#problem")
    problems.extend(accessibility_problems(page))
    page.fill("#token", token)
    page.click("#admin-login-button")
    page.wait_for_url(f"{base}/web/admin/bundles")


def test_the_operator_reads_the_newborn_report(
    demo_server: str, database_url: str, tmp_path: Path, new_context: NewContext
) -> None:
    base = demo_server
    run = cli(tmp_path, demo_env(database_url), "demo", "newborn", "--base-url", base,
              "--timeout", "100")  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    token = (tmp_path / "var" / "demo-admin-token").read_text("utf-8").strip()

    context = new_context()
    record_violations(context)
    page = context.new_page()
    console = watch(page)
    problems: list[str] = []
    sign_in_as_operator(page, base, token, problems)

    problems.extend(accessibility_problems(page))
    cards = page.locator("#bundle-reports a[data-bundle]")
    assert sorted(cards.evaluate_all("links => links.map(a => a.dataset.bundle)")) == [
        "newborn", "retirement", "ride_hailing_driver_bundle"]  # fmt: skip
    newborn = page.locator('#bundle-reports a[data-bundle="newborn"]')
    assert "办结 completed 1" in newborn.inner_text()

    newborn.click()
    page.wait_for_url(f"{base}/web/admin/bundles/newborn/report")
    problems.extend(accessibility_problems(page))
    assert page.inner_text("#applications") == "1"
    assert page.inner_text("#completed") == "1"
    assert page.inner_text("#completion-rate") == "100.0%"
    assert page.locator("#items tbody tr").count() == 7
    assert page.locator("#savings tbody tr").count() >= 4
    assert "出生医学证明原件及复印件" in page.inner_text("#materials-waived")

    chart = page.locator("#chart")
    # decode() settles once the image has loaded (or failed to); no eval, which the CSP bars.
    width = chart.evaluate("img => img.decode().then(() => img.naturalWidth, () => 0)")
    assert width > 0, "the chart did not load"
    assert chart.get_attribute("alt")

    page.click("#report-json")
    page.wait_for_url(f"{base}/web/admin/bundles/newborn/report.json")
    report = json.loads(page.locator("body > pre").first.inner_text())
    assert report["bundle"] == "newborn"
    assert report["completed"] == 1

    page.goto(f"{base}/web/admin/bundles")
    page.click("#admin-logout")
    page.wait_for_url(f"{base}/web/admin/login")
    page.goto(f"{base}/web/admin/bundles/newborn/report")
    page.wait_for_url(f"{base}/web/admin/login")  # the cookie is gone

    assert problems == [], "\n".join(problems)
    unexpected = [line for line in console if not REFUSED_LOGIN.search(line)]
    assert unexpected == [], "\n".join(unexpected)
