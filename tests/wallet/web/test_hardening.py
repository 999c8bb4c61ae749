"""Findings of the security review, each held by a test: case-insensitive masking,
form-token cookies under a mount prefix, a new sign-in ending the old session, and no
caching of a citizen's data."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from issuers.errors import Unauthorized
from tests.helpers import (
    CHEN_QIANG,
    PASSWORDS,
    ZHANG_WEI,
    post_login,
    sample,
    set_cookie_headers,
    web_login,
)
from tests.verifiers.web.inspector_form import inspect, verdict_of
from verifiers.inspector.display import redact
from wallet.accounts.service import AccountService
from wallet.web.cookies import SESSION_COOKIE


def test_an_id_number_is_masked_whatever_the_case_of_its_x() -> None:
    found = frozenset({ZHANG_WEI})
    assert redact("证号 31010419900315123x 与 31010419900315123X", found) == (
        "证号 3101**********123X 与 3101**********123X"
    )


def test_a_certificate_number_repeating_the_id_in_lower_case_is_masked(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    fields = sample("ride_hailing_driver")["fields"]
    fields |= {"name": "张伟", "id_number": ZHANG_WEI, "certificate_number": ZHANG_WEI.lower()}
    minted = client.post(
        "/issuers/11330000000000003M/certificates",
        json={"type": "ride_hailing_driver", "fields": fields},
        headers=admin_headers,
    )
    assert minted.status_code == 201, minted.text
    page = inspect(client, minted.json()["qr"])
    assert verdict_of(page) == ("green", "valid")
    assert ZHANG_WEI.lower() not in page.text.lower()
    assert page.text.count("3101**********123X") >= 3


def test_form_token_cookies_follow_the_mount_prefix(app: FastAPI) -> None:
    with TestClient(app, root_path="/pfx") as prefixed:
        for page, path in (("/web/login", "/pfx/web/login"), ("/inspector", "/pfx/inspector")):
            response = prefixed.get(page)
            assert response.status_code == 200, response.text
            cookies = set_cookie_headers(response)
            assert len(cookies) == 1
            (header,) = cookies.values()
            assert f"Path={path}" in header, header


def test_signing_in_again_ends_the_previous_session(
    client: TestClient, accounts: AccountService
) -> None:
    web_login(client, CHEN_QIANG)
    first = client.cookies.get(SESSION_COOKIE)
    assert first is not None
    accounts.resolve(first)  # live
    # A login form left open in another tab (its token still in the browser) is used.
    token = "t" * 43
    client.cookies.set("elicense_login_form", token)
    again = post_login(client, CHEN_QIANG, PASSWORDS[CHEN_QIANG], token=token)
    assert again.status_code == 303, again.text
    second = client.cookies.get(SESSION_COOKIE)
    assert second is not None
    assert second != first
    accounts.resolve(second)
    try:
        accounts.resolve(first)
    except Unauthorized:
        pass
    else:
        raise AssertionError("the first session still resolves after signing in again")


def test_a_citizens_json_is_never_cached(client: TestClient, accounts: AccountService) -> None:
    web_login(client, CHEN_QIANG)
    for path in ("/wallet/me", "/wallet/certificates", "/wallet/holder-key"):
        response = client.get(path)
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store", path
