"""A hostile service's pulls: a pull that names nothing to share is refused before it
takes one of the grant's uses."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import ZHANG_WEI, assert_error
from tests.wallet.consent.share_calls import approve_all, mint_spouses, pull, requested
from wallet.accounts.service import AccountService
from wallet.server.wiring import Services


@pytest.mark.parametrize(
    ("certificates", "field"),
    [
        ([], "certificates"),
        ([{"holder": ZHANG_WEI, "type": "resident_id", "claims": []}], "certificates[0].claims"),
    ],
)
def test_a_pull_naming_nothing_is_refused_and_takes_no_use(
    client: TestClient,
    services: Services,
    admin_headers: dict[str, str],
    accounts: AccountService,
    certificates: list[dict[str, Any]],
    field: str,
) -> None:
    """An empty selection would burn one of the uses the citizens granted (the count
    they watch) and write a pull to their audit log, for nothing shared."""
    mint_spouses(client, admin_headers)
    _, service, grant_id = requested(client, services, max_uses=1)
    approve_all(client, grant_id)
    assert_error(
        pull(client, service, grant_id, certificates=certificates), 422, "invalid_input", field
    )
    taken = client.get(f"/consent/requests/{grant_id}", headers=service).json()["uses_taken"]
    assert taken == 0
    assert pull(client, service, grant_id).status_code == 200
