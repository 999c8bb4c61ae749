"""The one-stop pages (一件事一次办) in a real browser (Debian's Chromium, Playwright),
against ``elicense serve --demo`` with its in-process workflows.

The hospital has issued the newborn's 出生医学证明 (through the issuer API, as
``elicense demo newborn`` does). 张伟 starts the newborn application on /web/bundles
naming 李娜; both approve the one consent request on /web/consent; 张伟 reads the
prefilled form (each value with its source) and the waived materials, types the bank
card and the phone and submits; the items finish, and their outputs open as wallet
certificate pages. In the conflict case 张伟's newest ID card gives another address:
the row is highlighted, submitting is refused naming it, he resolves it on the page
and the submit goes through. Every page has a lang, ordered headings and labelled
controls, and no console error or CSP violation.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.browser.conftest import sign_in
from tests.browser.page_checks import accessibility_problems, record_violations, watch
from tests.helpers import LI_NA, PUBLIC_SECURITY, ZHANG_WEI
from wallet.cli.demo_birth import HOSPITAL, birth_fields

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

pytestmark = pytest.mark.browser

NewContext = Callable[[], "BrowserContext"]
WAIT_SECONDS = 120  # a clean-clone CI run may share the CPU
OTHER_ADDRESS = "上海市闵行区示范路200弄2号202室"
PHONE = "13800138000"
MATERIALS = ["父亲居民身份证原件及复印件", "母亲居民身份证原件及复印件", "结婚证原件及复印件",
             "出生医学证明原件及复印件"]  # fmt: skip


def luhn_card(body: str) -> str:
    """``body`` followed by its Luhn check digit."""
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char)
        if position % 2 == 0:  # doubled: the check digit will sit to their right
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return body + str((10 - total % 10) % 10)


REFUSED_SUBMIT = re.compile(
    r"/web/bundles(/[^/]+/submit)?: error: Failed to load resource: the server responded"
    r" with a status of 4(09|22) "
)
BANK_CARD = luhn_card("621700001000000001")


class Walk:
    """One test's server, admin token, browser pages and the problems they saw."""

    def __init__(self, base: str, data_dir: Path, new_context: NewContext) -> None:
        self.base = base
        self.admin = (data_dir / "var" / "demo-admin-token").read_text("utf-8").strip()
        self.problems: list[str] = []
        self.watched: list[list[str]] = []
        self.zhang, self.li = self.page(new_context), self.page(new_context)

    def page(self, new_context: NewContext) -> Page:
        """A page in a fresh context (its own cookies), watched for console errors."""
        context = new_context()
        record_violations(context)
        page = context.new_page()
        self.watched.append(watch(page))
        return page

    def check(self, page: Page) -> None:
        """The page now shown: accessibility basics and no CSP violation."""
        self.problems.extend(accessibility_problems(page))

    def all_problems(self) -> list[str]:
        """What the checks and the consoles reported, but the refused starts' and
        submits' own status (the page again with the problem, 409 or 422, by design)."""
        seen = (p for watched in self.watched for p in watched)
        return [*self.problems, *(p for p in seen if not REFUSED_SUBMIT.search(p))]

    def mint(self, issuer: str, body: dict[str, object]) -> str:
        answer = httpx.post(
            f"{self.base}/issuers/{issuer}/certificates", json=body,
            headers={"Authorization": f"Bearer {self.admin}"}, timeout=30,
        )  # fmt: skip
        assert answer.status_code == 201, answer.text
        return str(answer.json()["identifier"])


@pytest.fixture
def walk(demo_server: str, tmp_path: Path, new_context: NewContext) -> Walk:
    walking = Walk(demo_server, tmp_path, new_context)
    # Step 0, as the demo does: the hospital issued the birth certificate at birth.
    fields = birth_fields((ZHANG_WEI, "张伟"), (LI_NA, "李娜"), datetime.now(UTC))
    walking.mint(HOSPITAL, {"type": "birth_medical", "fields": fields})
    sign_in(walking.zhang, demo_server, ZHANG_WEI)
    sign_in(walking.li, demo_server, LI_NA)
    return walking


def state_of(page: Page) -> str:
    return str(page.get_attribute("#state [data-state]", "data-state"))


def wait_for(page: Page, done: Callable[[Page], bool], what: str) -> None:
    """Reload ``page`` until ``done`` holds, at most :data:`WAIT_SECONDS`."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not done(page):
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} within {WAIT_SECONDS} s; the page: {page.inner_text('main')}")
        time.sleep(0.5)
        page.reload()


def start_newborn(walk: Walk) -> str:
    """张伟 applies on /web/bundles naming 李娜; returns the application's id."""
    page = walk.zhang
    page.click("#nav-bundles")
    page.wait_for_url(f"{walk.base}/web/bundles")
    walk.check(page)
    card = page.locator('li[data-bundle="newborn"]')
    mother = card.get_by_label("母亲的公民身份号码")
    mother.fill(LI_NA[:-1] + "7")  # a wrong check digit: refused, the field named
    card.locator('[data-start="newborn"]').click()
    assert "请检查母亲的公民身份号码" in page.inner_text("#problem")
    assert mother.input_value() == LI_NA[:-1] + "7"
    assert mother.get_attribute("aria-invalid") == "true"
    walk.check(page)
    mother.fill(LI_NA)
    card.locator('[data-start="newborn"]').click()
    page.wait_for_url(re.compile(re.escape(f"{walk.base}/web/bundles/") + r"[^/?]+$"))
    application_id = page.url.rsplit("/", 1)[1]
    assert state_of(page) in {"awaiting_consent", "verifying", "awaiting_submit"}
    walk.check(page)
    return application_id


def approve_both(walk: Walk) -> None:
    """The page names the consent request it waits for; each parent approves it."""
    page = walk.zhang
    wait_for(page, lambda p: p.locator("#consent-link").count() > 0, "consent request")
    assert state_of(page) == "awaiting_consent"
    assert "等待授权" in page.inner_text("#state")
    request_id = str(page.get_attribute("#consent-link", "data-request"))
    for who in (walk.zhang, walk.li):
        who.click("#nav-consent")
        who.click(f'a[data-request="{request_id}"]')
        who.wait_for_selector("#request")
        walk.check(who)
        who.click("#approve-1")
        who.wait_for_url(f"{walk.base}/web/consent/{request_id}?done=approved")
    page.goto(walk.base + "/web/bundles")
    page.click("a[data-application]")
    wait_for(page, lambda p: state_of(p) == "awaiting_submit", "prefilled form")


def fill_typed(page: Page, card: str) -> None:
    page.get_by_label("银行卡号", exact=False).fill(card)
    page.get_by_label("联系电话").fill(PHONE)


def submit_and_finish(walk: Walk, application_id: str) -> None:
    page = walk.zhang
    fill_typed(page, "6217000010000000012")  # fails the Luhn check
    page.click("#submit")
    assert "银行卡号" in page.inner_text("#problem")
    assert page.get_by_label("联系电话").input_value() == PHONE  # what was typed is kept
    walk.check(page)
    fill_typed(page, BANK_CARD)
    page.click("#submit")
    page.wait_for_url(f"{walk.base}/web/bundles/{application_id}")
    assert page.locator("#problem").count() == 0
    wait_for(page, lambda p: state_of(p) == "completed", "completed application")
    states = page.locator("#items tr.item").evaluate_all("rows => rows.map(r => r.dataset.state)")
    assert states, "no items"
    assert set(states) == {"done"}, states
    timeline = page.inner_text("#timeline")
    assert "申请表已提交" in timeline
    walk.check(page)


def open_outputs(walk: Walk) -> list[str]:
    """Each output link opens the certificate's page in 张伟's wallet; returns the names."""
    page = walk.zhang
    links = page.locator("#items .output a")
    targets = [(str(a.get_attribute("href")), a.inner_text()) for a in links.all()]
    assert len(targets) >= 4, targets
    back = page.url
    for href, name in targets:
        response = page.goto(walk.base + href if href.startswith("/") else href)
        assert response is not None
        assert response.status == 200, (href, name)
        page.wait_for_selector("#certificate")
        walk.check(page)
    page.goto(back)
    return [name for _, name in targets]


def test_newborn_through_the_pages(walk: Walk) -> None:
    application_id = start_newborn(walk)
    approve_both(walk)
    page = walk.zhang
    walk.check(page)
    father = page.inner_text('#form tr[data-field="father_name"]')
    assert "张伟" in father
    assert "父亲的居民身份证" in father
    assert "李娜" in page.inner_text('#form tr[data-field="mother_name"]')
    assert "出生医学证明" in page.inner_text('#form tr[data-field="child_name"]')
    waived = page.inner_text("#waived")
    for material in MATERIALS:
        assert material in waived
    assert page.locator("#conflicts").count() == 0
    submit_and_finish(walk, application_id)
    names = open_outputs(walk)
    for name in ("居民户口簿", "预防接种证", "医保参保凭证", "社会保障卡"):
        assert any(name in shown for shown in names), (name, names)
    assert walk.all_problems() == [], "\n".join(walk.all_problems())


def test_an_address_conflict_is_resolved_on_the_page(walk: Walk) -> None:
    walk.mint(PUBLIC_SECURITY, {"type": "resident_id", "fields": {
        "name": "张伟", "sex": 1, "ethnicity": "01", "birth_date": "1990-03-15",
        "address": OTHER_ADDRESS, "id_number": ZHANG_WEI,
        "issuing_authority": "上海市公安局闵行分局"}})  # fmt: skip
    application_id = start_newborn(walk)
    approve_both(walk)
    page = walk.zhang
    row = page.locator('#form tr[data-field="address"]')
    assert "conflict" in str(row.get_attribute("class"))
    assert page.locator("#conflicts").is_visible()
    assert OTHER_ADDRESS in row.inner_text()
    walk.check(page)

    fill_typed(page, BANK_CARD)
    page.click("#submit")
    problem = page.inner_text("#problem")
    assert "户籍地址" in problem, problem
    assert state_of(page) == "awaiting_submit"
    walk.check(page)

    row = page.locator('#form tr[data-field="address"]')
    row.get_by_label(OTHER_ADDRESS, exact=False).check()
    row.locator("[data-resolve=address]").click()
    page.wait_for_url(f"{walk.base}/web/bundles/{application_id}")
    row = page.locator('#form tr[data-field="address"]')
    assert "conflict" not in str(row.get_attribute("class") or "")
    assert OTHER_ADDRESS in row.inner_text()
    assert "本人确认" in row.inner_text()
    assert page.locator("#conflicts").count() == 0

    fill_typed(page, BANK_CARD)
    page.click("#submit")
    page.wait_for_url(f"{walk.base}/web/bundles/{application_id}")
    assert page.locator("#problem").count() == 0
    wait_for(page, lambda p: state_of(p) == "completed", "completed application")
    walk.check(page)
    assert walk.all_problems() == [], "\n".join(walk.all_problems())
