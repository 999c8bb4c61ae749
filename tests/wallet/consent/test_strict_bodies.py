"""Every consent body is strict: a field the route does not know is a typed 422 naming
it, not silently ignored (a misspelt ``on_behalf_of`` would approve for oneself)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.helpers import LI_NA, ZHANG_WEI, assert_error
from tests.wallet.citizens import login
from tests.wallet.consent.consent_calls import service_headers
from wallet.accounts.service import AccountService
from wallet.server.wiring import Services

CITIZEN_ROUTES = [
    ("/wallet/consent/requests/some-id/approve", {"on_behalf": ZHANG_WEI}, "on_behalf"),
    ("/wallet/consent/requests/some-id/deny", {"reason": "no"}, "reason"),
    ("/wallet/consent/grants/some-id/revoke", {"everyone": True}, "everyone"),
    ("/wallet/consent/requests/some-id/prepare", {"device": "x"}, "device"),
    (
        "/wallet/delegations",
        {"delegate_id_number": LI_NA, "type_slug": "resident_id",
         "expires_at": "2026-12-01T00:00:00+00:00", "bundle": "birth_registration"},
        "bundle",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("path", "body", "field"), CITIZEN_ROUTES)
def test_a_citizen_body_with_an_unknown_field_is_refused_naming_it(
    client: TestClient, accounts: AccountService, path: str, body: dict[str, object], field: str
) -> None:
    response = client.post(path, json=body, headers=login(client, ZHANG_WEI))
    assert_error(response, 422, "invalid_input", field)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"purpose": "新生儿出生登记", "certs": []}, "certs"),
        ({"purpose": "x", "certificates": [{"holder": ZHANG_WEI, "type": "marriage",
                                             "claim": ["name"]}]}, "certificates.0.claim"),
    ],
)  # fmt: skip
def test_a_pull_body_with_an_unknown_field_is_refused_naming_it(
    client: TestClient, services: Services, body: dict[str, object], field: str
) -> None:
    _, headers = service_headers(services)
    response = client.post("/consent/grants/some-id/pull", json=body, headers=headers)
    assert_error(response, 422, "invalid_input", field)
