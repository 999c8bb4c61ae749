"""The API docs and the index page come from this server only, with the same security
headers as every other page (issue 8, item 14).

``/docs`` used to load Swagger UI's script and CSS from a public CDN, with no
integrity check, into the wallet's origin; ``/`` and ``/docs`` had no CSP. Now the
assets are a packaged copy served under ``/static/docs``, the page starts Swagger UI
from a same-origin script (no inline script, so the strict CSP holds), and ReDoc and
the OAuth2 redirect page, which nothing here uses, are gone.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from verifiers.web.pages import CONTENT_SECURITY_POLICY

BASE = "http://testserver"
HTML_PAGES = ["/", "/docs", "/web/login", "/inspector"]


class _References(HTMLParser):
    """Every URL a page makes the browser load or offer: src, href, action, srcset."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in {"src", "href", "action", "poster", "data", "formaction"}:
                self.urls.append(value)
            elif name == "srcset":
                self.urls.extend(part.split()[0] for part in value.split(",") if part.strip())
            elif name.startswith("data-") and value.startswith(("/", "http:", "https:")):
                self.urls.append(value)


def references(html: str) -> list[str]:
    parser = _References()
    parser.feed(html)
    return parser.urls


@pytest.mark.parametrize("path", HTML_PAGES)
def test_no_page_references_an_external_origin(client: TestClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 200, page.text
    urls = references(page.text)
    assert urls, f"{path} references nothing: the parser missed its links"
    foreign = [u for u in urls if urlsplit(urljoin(BASE + path, u)).netloc != "testserver"]
    assert foreign == [], f"{path} references other origins"


def test_the_docs_assets_are_served_here(client: TestClient) -> None:
    page = client.get("/docs")
    assets = [u for u in references(page.text) if u.startswith("/static/")]
    assert any(u.endswith(".js") for u in assets)
    assert any(u.endswith(".css") for u in assets)
    for url in assets:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["x-content-type-options"] == "nosniff", url
        if url.endswith(".js"):
            assert "javascript" in asset.headers["content-type"], url
    # Only what the page uses: the package's ReDoc script is not served.
    assert client.get("/static/docs/redoc.standalone.js").status_code == 404
    # The page names the OpenAPI document it renders, and that is here too.
    assert client.get("/openapi.json").json()["paths"]["/verify"]["post"]


@pytest.mark.parametrize("path", ["/", "/docs"])
def test_the_index_and_docs_pages_carry_the_security_headers(client: TestClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in page.text  # no inline script: the CSP would refuse it


@pytest.mark.parametrize("path", ["/redoc", "/docs/oauth2-redirect"])
def test_unused_doc_pages_are_not_served(client: TestClient, path: str) -> None:
    """ReDoc loaded its own CDN script and fonts; the OAuth2 redirect page serves an
    OAuth2 flow this API does not have (its tokens are plain bearer tokens)."""
    assert client.get(path).status_code == 404


def test_the_docs_follow_the_mount_prefix(app: FastAPI) -> None:
    with TestClient(app, root_path="/pfx") as prefixed:
        page = prefixed.get("/docs")
        assert page.status_code == 200
        urls = references(page.text)
        assert "/pfx/openapi.json" in urls
        assert all(u.startswith("/pfx/") for u in urls), urls
