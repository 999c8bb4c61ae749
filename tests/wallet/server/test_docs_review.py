"""Review of issue 8 items 14 and 20 (docs under this origin; Allow on a 405).

* A wrong method on a packaged asset (``/static/docs/...``, the pages' and the
  inspector's static files) was a 405 with an empty ``Allow``: the 405 handler asks the
  routes, and leaves mounts out. RFC 9110 §10.2.1 reads an empty Allow as "no method
  is allowed", yet GET and HEAD are served there.
* HEAD on a page (``/``, ``/docs``, the sign-in page) is a 405: RFC 9110 §9.1 says a
  general-purpose server MUST support GET and HEAD (monitors and ``curl -I`` use it).
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

ASSETS = [
    "/static/docs/swagger-ui.css",
    "/static/docs/swagger-init.js",
]


def _allowed(header: str) -> set[str]:
    return {m.strip() for m in header.split(",") if m.strip()}


@pytest.mark.parametrize("method", ["OPTIONS", "DELETE", "POST"])
@pytest.mark.parametrize("path", ASSETS)
def test_a_405_on_a_static_asset_names_get_and_head(
    client: TestClient, path: str, method: str
) -> None:
    assert client.get(path).status_code == 200
    response = client.request(method, path)
    assert response.status_code == 405
    assert _allowed(response.headers["allow"]) == {"GET", "HEAD"}


def test_a_405_on_every_static_mount_names_get_and_head(client: TestClient) -> None:
    from starlette.routing import Mount

    mounts = [r.path for r in client.app.router.routes if isinstance(r, Mount)]  # type: ignore[attr-defined]
    assert len(mounts) >= 3
    for prefix in mounts:
        response = client.request("OPTIONS", f"{prefix}/anything.css")
        assert response.status_code == 405, prefix
        assert _allowed(response.headers["allow"]) == {"GET", "HEAD"}, prefix


@pytest.mark.parametrize("path", ["/", "/docs", "/web/login"])
def test_head_on_a_page_is_answered(client: TestClient, path: str) -> None:
    response = client.head(path)
    assert response.status_code == 200
    assert response.content == b""
    got = client.get(path)
    assert response.headers["content-type"] == got.headers["content-type"]
    assert response.headers["content-security-policy"] == got.headers["content-security-policy"]


def test_head_follows_get_on_the_api_and_nowhere_else(client: TestClient) -> None:
    """HEAD answers wherever GET does (an API resource too), and is a 405 naming the
    path's methods where there is no GET; the methods GET allows name HEAD too."""
    issuers = client.head("/issuers")
    assert issuers.status_code == 200
    assert issuers.content == b""
    assert int(issuers.headers["content-length"]) == len(client.get("/issuers").content)
    verify = client.head("/verify")
    assert verify.status_code == 405
    assert _allowed(verify.headers["allow"]) == {"POST"}
    holder_key = client.request("OPTIONS", "/wallet/holder-key")
    assert _allowed(holder_key.headers["allow"]) == {"GET", "HEAD", "PUT", "DELETE"}
