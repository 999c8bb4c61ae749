"""Helpers for the page tests: citizens, minting, and signing in through the form."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from httpx import Headers, Response

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
SAMPLE_CERTIFICATES: list[dict[str, Any]] = json.loads(
    (SAMPLES / "certificates.json").read_text("utf-8")
)
ZHANG_WEI = "31010419900315123X"  # resident ID, marriage party A, household head
LI_NA = "320102199207082466"  # marriage party B, household member
CHEN_QIANG = "330102197801305178"  # the ride-hailing driver
PEOPLE = {ZHANG_WEI: "张伟", LI_NA: "李娜", CHEN_QIANG: "陈强"}
PASSWORDS = {ZHANG_WEI: "zhang-wei-secret", LI_NA: "li-na-secret-2", CHEN_QIANG: "chen-q-secret"}

_FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def sample(type_slug: str) -> dict[str, Any]:
    found: dict[str, Any] = next(i for i in SAMPLE_CERTIFICATES if i["type"] == type_slug)
    return json.loads(json.dumps(found))


def mint(client: TestClient, admin_headers: dict[str, str], type_slug: str) -> dict[str, Any]:
    item = sample(type_slug)
    response = client.post(
        f"/issuers/{item['issuer']}/certificates",
        json={"type": type_slug, "fields": item["fields"]},
        headers=admin_headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def form_token(page: Response) -> str:
    found = _FORM_TOKEN.search(page.text)
    assert found is not None, page.text
    return found.group(1)


def csrf_meta(page: Response) -> str | None:
    found = _CSRF_META.search(page.text)
    return None if found is None else found.group(1)


def post_login(
    client: TestClient, id_number: str, password: str, *, token: str | None = None
) -> Response:
    if token is None:
        token = form_token(client.get("/web/login"))
    return client.post(
        "/web/login",
        data={"id_number": id_number, "password": password, "form_token": token},
        follow_redirects=False,
    )


def web_login(client: TestClient, id_number: str) -> None:
    response = post_login(client, id_number, PASSWORDS[id_number])
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/web/"


def set_cookie_headers(response: Response) -> dict[str, str]:
    """Each Set-Cookie header by cookie name."""
    return {value.split("=", 1)[0]: value for value in response.headers.get_list("set-cookie")}


def assert_secure_page(headers: Headers) -> None:
    csp = headers.get("content-security-policy", "")
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "img-src 'self' data: blob:",
    ):
        assert directive in csp, csp
    assert "unsafe-inline" not in csp
    assert headers.get("x-content-type-options") == "nosniff"
    assert headers.get("referrer-policy") == "no-referrer"
    assert headers.get("cache-control") == "no-store"


def assert_no_inline_script(html: str) -> None:
    """A strict CSP runs no inline script or handler: none may be needed."""
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"
    assert "style=" not in html
    assert "javascript:" not in html
