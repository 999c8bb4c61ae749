"""``/docs`` in Debian's Chromium: Swagger UI renders every operation from this
server's own copy of its assets, under the strict CSP, and the browser asks nothing
of any other origin (issue 8, item 14). An operation can still be tried out."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, ConsoleMessage, Request

pytestmark = pytest.mark.browser

# Playwright's init scripts run before the page's own and are not subject to its CSP.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def test_docs_render_every_operation_with_no_violation_and_no_foreign_request(
    new_context: Callable[[], BrowserContext], demo_server: str
) -> None:
    base = demo_server
    context = new_context()
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    requested: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requested.append(_url(request)))

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            problems.append(f"{message.type}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    page.goto(f"{base}/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=30_000)
    shown = {
        (method.lower(), path)
        for method, path in zip(
            page.locator(".opblock-summary-method").all_inner_texts(),
            page.locator(".opblock-summary-path").all_inner_texts(),
            strict=True,
        )
    }
    spec = httpx.get(f"{base}/openapi.json", timeout=10).json()
    expected = {
        (method, path.replace("\u200b", ""))
        for path, operations in spec["paths"].items()
        for method in operations
    }
    assert {(m, p.replace("\u200b", "")) for m, p in shown} == expected

    # Try one out: the request goes from the page to this server and its answer shows.
    operation = page.locator("#operations-ops-healthz_healthz_get")
    operation.locator(".opblock-summary").click()
    operation.locator(".try-out__btn").click()
    operation.locator(".execute").click()
    page.wait_for_selector("#operations-ops-healthz_healthz_get .live-responses-table")
    assert '"status": "ok"' in operation.locator(".highlight-code").first.inner_text()

    violations = page.evaluate("window.__cspViolations")
    assert violations == []
    assert problems == []
    foreign = [url for url in requested if not url.startswith(f"{base}/")]
    assert foreign == [], "the docs asked another origin"
    assert f"{base}/openapi.json" in requested


def _url(request: Request) -> str:
    return request.url
