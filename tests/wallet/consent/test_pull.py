"""The pull end to end: two spouses approve, the service pulls annotated shares and
checks them with code that is not ours, and every refusal discloses nothing and is
audited."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from fastapi.testclient import TestClient

from tests.helpers import LI_NA, ZHANG_WEI, assert_error
from tests.wallet.consent.consent_calls import decide
from tests.wallet.consent.share_calls import (
    ASKS,
    NONCE,
    PURPOSE,
    annotation_claims,
    approve_all,
    audit_entries,
    library_payload,
    mint_spouses,
    pull,
    requested,
)
from wallet.accounts.service import AccountService
from wallet.server.wiring import Services

VISIBLE = {"iss", "vct", "iat", "nbf", "exp", "cnf", "status", "license_id", "issuer_uscc",
           "type_code"}  # fmt: skip


def test_spouses_approve_the_service_pulls_exactly_what_was_granted_then_a_revocation_stops_it(
    client: TestClient,
    services: Services,
    admin_headers: dict[str, str],
    accounts: AccountService,
) -> None:
    minted = mint_spouses(client, admin_headers)
    client_id, service, grant_id = requested(client, services)
    sessions = approve_all(client, grant_id)

    response = pull(client, service, grant_id, purpose=f"  {PURPOSE} ")  # trimmed
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["use"] == 1
    assert body["uses_left"] == 2
    shares = body["shares"]
    assert sorted((s["holder"], s["type"]) for s in shares) == sorted(
        (holder, slug) for holder in (ZHANG_WEI, LI_NA) for slug in ASKS
    )
    receipts = {s["audit_receipt"] for s in shares}
    assert len(receipts) == 1
    for share in shares:
        payload = library_payload(client, share["sd_jwt"], aud=client_id, nonce=NONCE)
        assert set(payload) - VISIBLE == set(ASKS[share["type"]])  # no more, no less
        assert payload["vct"] == f"urn:elicense:vct:{share['type']}"
        expected = (
            minted["marriage"]
            if share["type"] == "marriage"
            else minted[f"resident_id:{share['holder']}"]
        )
        assert payload["license_id"] == share["identifier"] == expected
        if share["type"] == "resident_id":
            assert payload["id_number"] == share["holder"]
            assert {"address", "birth_date"}.isdisjoint(payload)
        claims = annotation_claims(client, share["annotation"])
        assert claims["grant_id"] == grant_id
        assert claims["purpose"] == PURPOSE
        assert claims["client_id"] == client_id
        assert claims["bundle_item"]["name_zh"] == "出生登记"
        assert claims["use"] == {"n": 1, "max": 3}
        assert claims["audit_receipt"] == share["audit_receipt"]
        assert claims["license_id"] == share["identifier"]
        card = ET.fromstring(share["card_svg"])
        assert "仅供 出生登记服务 办理 出生登记" in "".join(card.itertext())
    assert "上海市徐汇区示范路" not in response.text  # the address was never granted

    mine = audit_entries(client, sessions[ZHANG_WEI])
    assert mine[0]["kind"] == "pull"
    assert mine[0]["receipt"] in receipts

    revoked = decide(client, sessions[LI_NA], grant_id, "revoke")
    assert revoked.status_code == 200, revoked.text
    refused = pull(client, service, grant_id)
    assert_error(refused, 403, "grant_revoked")
    assert "sd_jwt" not in refused.text
    for holder in (ZHANG_WEI, LI_NA):
        entries = audit_entries(client, sessions[holder])
        assert (entries[0]["kind"], entries[0]["outcome"]) == ("pull_refused", "grant_revoked")
        assert any(e["kind"] == "pull" for e in entries)


def test_every_refusal_has_its_own_code_and_discloses_nothing(
    client: TestClient,
    services: Services,
    admin_headers: dict[str, str],
    accounts: AccountService,
) -> None:
    mint_spouses(client, admin_headers)
    client_id, service, grant_id = requested(client, services)
    _, other_service, _ = requested(client, services, "别的服务")
    assert_error(pull(client, service, grant_id), 409, "consent_pending")
    approve_all(client, grant_id)

    theirs = pull(client, other_service, grant_id)
    missing = pull(client, other_service, "no-such-grant-at-all")
    assert_error(theirs, 404, "not_found")
    assert theirs.json() == missing.json()
    assert_error(pull(client, service, grant_id, purpose="别的事由"), 403, "purpose_mismatch")
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"holder": "110101199003070011", "type": "resident_id"}, "holder_not_granted",
         "certificates[0].holder"),
        ({"holder": ZHANG_WEI, "type": "household_register"}, "type_not_granted",
         "certificates[0].type"),
        ({"holder": ZHANG_WEI, "type": "resident_id", "claims": ["name", "address"]},
         "claim_not_granted", "certificates[0].claims[1]"),
    ]  # fmt: skip
    for wanted, code, field in cases:
        refused = pull(client, service, grant_id, certificates=[wanted])
        assert_error(refused, 403, code, field)
        assert "sd_jwt" not in refused.text

    narrow = pull(
        client, service, grant_id,
        certificates=[{"holder": LI_NA, "type": "resident_id", "claims": ["name"]}],
    )  # fmt: skip
    assert narrow.status_code == 200, narrow.text
    (share,) = narrow.json()["shares"]
    payload = library_payload(client, share["sd_jwt"], aud=client_id, nonce=NONCE)
    assert payload["name"] == "李娜"
    assert {"sex", "id_number"}.isdisjoint(payload)
    assert narrow.json()["use"] == 1  # the refusals took no use
