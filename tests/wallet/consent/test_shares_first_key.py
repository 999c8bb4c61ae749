"""A party with no holder key yet (李娜 holds the marriage certificate as its second
holder and was never shown one) gets her custodial key at her approval, and the shares
are bound to it at once: the key made in the approval's transaction is opened in that
same transaction (another connection could not see the uncommitted row, and the
approval failed with ``key_unavailable``)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.helpers import LI_NA, ZHANG_WEI
from tests.wallet.citizens import login, mint_marriage
from tests.wallet.consent.consent_calls import decide, made, service_headers
from tests.wallet.consent.share_calls import PURPOSE, library_payload, pull
from wallet.holders.store.tables import holder_keys
from wallet.server.wiring import Services

ASK = {"marriage": ["certificate_number", "party_a", "party_b"]}


def _has_key(services: Services, holder: str) -> bool:
    with services.engine.connect() as conn:
        row = conn.execute(
            select(holder_keys.c.kid).where(holder_keys.c.active_for == holder)
        ).first()
    return row is not None


@pytest.mark.usefixtures("accounts")
def test_a_holder_without_a_key_approves_and_her_share_is_bound_to_her_new_key(
    client: TestClient, services: Services, admin_headers: dict[str, str]
) -> None:
    mint_marriage(client, admin_headers)
    assert not _has_key(services, LI_NA)  # only the primary holder got a key at mint
    client_id, headers = service_headers(services, "出生登记服务")
    request_id = made(client, headers, {ZHANG_WEI: ASK, LI_NA: ASK}, nonce="first-key-1")
    for holder in (ZHANG_WEI, LI_NA):
        response = decide(client, login(client, holder), request_id)
        assert response.status_code == 200, response.text
    assert _has_key(services, LI_NA)

    response = pull(client, headers, request_id, purpose=PURPOSE)
    assert response.status_code == 200, response.text
    keys = {
        share["holder"]: library_payload(
            client, share["sd_jwt"], aud=client_id, nonce="first-key-1"
        )["cnf"]["jwk"]
        for share in response.json()["shares"]
    }
    assert set(keys) == {ZHANG_WEI, LI_NA}
    assert keys[ZHANG_WEI] != keys[LI_NA]
