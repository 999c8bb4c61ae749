"""What every page a browser test opens should satisfy, checked in the page itself.

* :func:`watch` collects a page's console errors, CSP violations (reported both on
  the console and by a ``securitypolicyviolation`` listener that Playwright's init
  script installs before the page's own scripts) and uncaught page errors.
* :func:`accessibility_problems`: the basics a screen reader needs. The document has a
  ``lang``; there is one ``<h1>`` and heading levels never skip one going down; every
  visible form control has a label (``<label for>``, a wrapping ``<label>``,
  ``aria-label`` or ``aria-labelledby``); every radio group sits in a ``<fieldset>``
  with a ``<legend>``; every image has an ``alt``; every button and link has a name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, ConsoleMessage, Page

__all__ = ["accessibility_problems", "record_violations", "watch"]

_RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""

# Runs in the page (Playwright's evaluate is not subject to the page's CSP).
_A11Y = """() => {
  const problems = [];
  const lang = document.documentElement.getAttribute("lang");
  if (!lang || !lang.trim()) problems.push("html has no lang");
  const headings = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")];
  const h1s = headings.filter((h) => h.tagName === "H1").length;
  if (h1s !== 1) problems.push(`${h1s} h1 elements`);
  let level = 0;
  for (const h of headings) {
    const next = Number(h.tagName[1]);
    if (next > level + 1) {
      problems.push(`heading skips a level: ${h.tagName} "${h.textContent.trim()}"`);
    }
    level = next;
  }
  const named = (el) => (el.getAttribute("aria-label") || "").trim() ||
    (el.getAttribute("aria-labelledby") || "").trim();
  const controls = document.querySelectorAll("input:not([type=hidden]), select, textarea");
  for (const el of controls) {
    const labelled = (el.labels && [...el.labels].some((l) => l.textContent.trim())) || named(el);
    if (!labelled) problems.push(`control without a label: ${el.outerHTML.slice(0, 120)}`);
  }
  for (const radio of document.querySelectorAll("input[type=radio]")) {
    const set = radio.closest("fieldset");
    if (!set || !set.querySelector("legend")) {
      problems.push(`radio outside a fieldset with a legend: ${radio.name}`);
    }
  }
  for (const img of document.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) problems.push(`img without alt: ${img.src}`);
  }
  for (const el of document.querySelectorAll("button, a[href]")) {
    if (!el.textContent.trim() && !named(el)) {
      problems.push(`nameless ${el.tagName}: ${el.outerHTML.slice(0, 120)}`);
    }
  }
  return problems;
}"""


def record_violations(context: BrowserContext) -> None:
    """Every page of ``context`` records its CSP violations in ``window.__cspViolations``."""
    context.add_init_script(_RECORD_VIOLATIONS)


def watch(page: Page) -> list[str]:
    """The list ``page``'s console errors, CSP messages and page errors land in."""
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            where = message.location.get("url") or page.url
            problems.append(f"{where}: {message.type}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"{page.url}: page error: {error}"))
    return problems


def accessibility_problems(page: Page) -> list[str]:
    """The basics above that the page now shown misses, each named (empty: all hold);
    also its recorded CSP violations, if :func:`record_violations` was installed."""
    found: list[str] = [f"{page.url}: {p}" for p in page.evaluate(_A11Y)]
    violations = page.evaluate("window.__cspViolations || []")
    found.extend(f"{page.url}: CSP violation {v}" for v in violations)
    return found
