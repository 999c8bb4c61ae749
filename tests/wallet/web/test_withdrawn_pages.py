"""The citizen's pages once a service withdrew its request: /web/consent no longer
lists it, its page reads 已撤回 with no button, a form posted from a page opened before
is refused in Chinese (申请方已撤回该申请); a withdrawn grant leaves /web/grants; the
history (/web/audit) reads 授权申请已撤回."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.helpers import LI_NA, ZHANG_WEI, assert_no_inline_script, csrf_meta, web_login
from tests.wallet.consent.share_calls import approve_all, mint_spouses, requested
from wallet.accounts.service import AccountService
from wallet.server.wiring import Services


@pytest.fixture
def li(app: FastAPI, accounts: AccountService) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as web:
        web_login(web, LI_NA)
        yield web


def _withdraw(client: TestClient, headers: dict[str, str], request_id: str) -> None:
    response = client.post(f"/consent/requests/{request_id}/withdraw", headers=headers)
    assert (response.status_code, response.json()["state"]) == (200, "withdrawn")


def test_a_withdrawn_request_is_no_longer_pending_and_reads_withdrawn(
    client: TestClient, services: Services, li: TestClient, admin_headers: dict[str, str]
) -> None:
    mint_spouses(client, admin_headers)
    _, service, request_id = requested(client, services)
    opened = li.get(f"/web/consent/{request_id}")  # the page, with its forms, before
    assert 'id="approve-1"' in opened.text
    token = csrf_meta(opened)
    assert token is not None

    _withdraw(client, service, request_id)
    listed = li.get("/web/consent").text
    assert request_id not in listed
    assert 'id="no-requests"' in listed
    page = li.get(f"/web/consent/{request_id}")
    assert page.status_code == 200
    assert_no_inline_script(page.text)
    assert 'data-state="withdrawn"' in page.text
    assert "已撤回" in page.text
    assert 'id="approve-1"' not in page.text  # nothing left to decide

    refused = li.post(
        f"/web/consent/{request_id}/approve",
        data={"csrf_token": token, "on_behalf_of": ""},
        follow_redirects=False,
    )
    assert refused.status_code == 409
    assert "申请方已撤回该申请，不能再作此决定。" in refused.text

    history = li.get("/web/audit").text
    assert "授权申请已撤回" in history
    assert 'data-kind="request_withdrawn"' in history


def test_a_withdrawn_grant_leaves_the_grants_page(
    client: TestClient, services: Services, li: TestClient, admin_headers: dict[str, str]
) -> None:
    mint_spouses(client, admin_headers)
    _, service, grant_id = requested(client, services)
    approve_all(client, grant_id)
    assert f'data-grant="{grant_id}"' in li.get("/web/grants").text

    _withdraw(client, service, grant_id)
    grants = li.get("/web/grants").text
    assert f'data-grant="{grant_id}"' not in grants
    assert 'id="no-grants"' in grants
    assert 'data-state="withdrawn"' in li.get(f"/web/consent/{grant_id}").text
    assert ZHANG_WEI not in li.get("/web/audit").text  # the history names no ID number
