"""The report over HTTP: JSON and SVG under the admin bearer token, and the operator's
page behind its token form and cookie (wallet/bundles/api/report.py,
wallet/web/admin_pages.py, wallet/web/admin_session.py)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.app_fixtures import TEST_ADMIN_TOKEN, FixedClock
from tests.helpers import form_token
from tests.wallet.bundles.report_app import report_app
from tests.wallet.bundles.report_data import MONDAY
from wallet.server.wiring import Services

BEARER = {"Authorization": f"Bearer {TEST_ADMIN_TOKEN}"}
REPORT = "/web/admin/bundles/toy/report"


@pytest.fixture
def report_client(services: Services, clock: FixedClock) -> Iterator[TestClient]:
    clock.now = MONDAY + timedelta(days=7)
    with TestClient(report_app(services, clock), raise_server_exceptions=False) as client:
        yield client


def _sign_in(client: TestClient, token: str = TEST_ADMIN_TOKEN) -> int:
    page = client.get("/web/admin/login")
    answer = client.post(
        "/web/admin/login",
        data={"token": token, "form_token": form_token(page)},
        follow_redirects=False,
    )
    return answer.status_code


def test_the_json_report_needs_the_admin_token(report_client: TestClient) -> None:
    assert report_client.get("/admin/bundles/toy/report").status_code == 401
    body = report_client.get("/admin/bundles/toy/report", headers=BEARER).json()
    assert (body["applications"], body["completed"], body["rejected"]) == (3, 1, 1)
    assert body["completion_rate"] == 0.5
    assert body["overall"]["median_seconds"] == 7200
    assert body["rejections"][0]["code"] == "no_marriage"
    assert [o["application_id"] for o in body["overdue"]] == ["open-1"]
    assert {s["measure"] for s in body["savings"]} == {
        "steps", "forms", "trips", "days", "materials"
    }  # fmt: skip
    missing = report_client.get("/admin/bundles/nope/report", headers=BEARER)
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not_found")


def test_the_chart_is_svg_we_serve(report_client: TestClient) -> None:
    assert report_client.get("/admin/bundles/toy/report.svg").status_code == 401
    answer = report_client.get("/admin/bundles/toy/report.svg", headers=BEARER)
    assert answer.headers["content-type"].startswith("image/svg+xml")
    assert answer.headers["content-security-policy"].startswith("default-src 'none'")
    root = ET.fromstring(answer.text)
    assert root.tag.endswith("svg")


def test_the_page_asks_for_the_token_then_shows_the_report(report_client: TestClient) -> None:
    first = report_client.get(REPORT, follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"].endswith("/web/admin/login")
    assert _sign_in(report_client, "wrong-token") == 401
    assert _sign_in(report_client) == 303
    cookie = report_client.cookies.get("elicense_admin") or ""
    assert TEST_ADMIN_TOKEN not in cookie  # a MAC of it, not the token
    page = report_client.get(REPORT)
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script" not in page.text
    assert 'id="chart"' in page.text
    src = re.search(r'<img src="([^"]+)" id="chart"', page.text)
    assert src is not None
    assert src.group(1) == "/web/admin/bundles/toy/report.svg"
    chart = report_client.get(src.group(1))
    assert chart.headers["content-type"].startswith("image/svg+xml")
    # The rejection's text is escaped, the overdue application named, the waived listed.
    assert "未找到&lt;婚姻&gt;登记记录" in page.text
    assert 'data-application="open-1"' in page.text
    assert "居民身份证&lt;原件&gt;" in page.text
    listing = report_client.get("/web/admin/bundles")
    assert 'data-bundle="toy"' in listing.text
    assert report_client.get("/web/admin/bundles/nope/report").status_code == 404


def test_the_cookie_lasts_an_hour_and_logout_ends_it(
    report_client: TestClient, clock: FixedClock
) -> None:
    assert _sign_in(report_client) == 303
    clock.now += timedelta(minutes=59)
    assert report_client.get(REPORT, follow_redirects=False).status_code == 200
    clock.now += timedelta(minutes=2)
    assert report_client.get(REPORT, follow_redirects=False).status_code == 303
    assert _sign_in(report_client) == 303
    report_client.post("/web/admin/logout", follow_redirects=False)
    assert report_client.get(REPORT, follow_redirects=False).status_code == 303


def test_a_forged_cookie_or_a_citizen_token_is_not_an_admin(report_client: TestClient) -> None:
    expiry = int((MONDAY + timedelta(days=30)).timestamp())
    report_client.cookies.set("elicense_admin", f"{expiry}.AAAA", path="/web/admin")
    assert report_client.get(REPORT, follow_redirects=False).status_code == 303
    report_client.cookies.clear()
    bad = {"Authorization": "Bearer not-the-admin-token"}
    assert report_client.get(REPORT, headers=bad, follow_redirects=False).status_code == 303
    assert report_client.get(REPORT, headers=BEARER).status_code == 200


def test_a_login_post_without_its_form_token_is_refused(report_client: TestClient) -> None:
    answer = report_client.post(
        "/web/admin/login", data={"token": TEST_ADMIN_TOKEN, "form_token": "x" * 43}
    )
    assert answer.status_code == 403
    assert "elicense_admin" not in report_client.cookies


def test_the_pages_json_link_is_the_same_report_under_the_cookie(
    report_client: TestClient,
) -> None:
    link = "/web/admin/bundles/toy/report.json"
    assert report_client.get(link, follow_redirects=False).status_code == 303
    assert _sign_in(report_client) == 303
    assert f'href="{link}"' in report_client.get(REPORT).text
    answer = report_client.get(link)
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == report_client.get("/admin/bundles/toy/report", headers=BEARER).json()
    assert report_client.get("/web/admin/bundles/nope/report.json").status_code == 404
