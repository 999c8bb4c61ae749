"""A holder whose key is on a device: the prepare step returns the KB-JWT inputs, the
device (here the test, with the phone's key) signs them, and the approval carries the
signatures, each checked with the device key before it is accepted."""

from __future__ import annotations

from fastapi.testclient import TestClient

from issuers.crypto.base64url import b64url, b64url_decode
from tests.helpers import LI_NA, ZHANG_WEI, assert_error
from tests.wallet.citizens import login, register_phone
from tests.wallet.consent.consent_calls import decide
from tests.wallet.consent.share_calls import NONCE, library_payload, mint_spouses, pull, requested
from wallet.accounts.service import AccountService
from wallet.server.wiring import Services


def test_a_device_holder_prepares_signs_and_approves(
    client: TestClient,
    services: Services,
    admin_headers: dict[str, str],
    accounts: AccountService,
) -> None:
    mint_spouses(client, admin_headers)
    client_id, service, grant_id = requested(client, services)
    li = login(client, LI_NA)
    phone = register_phone(client, li, LI_NA)
    zhang = login(client, ZHANG_WEI)
    assert decide(client, zhang, grant_id).status_code == 200

    unsigned = decide(client, li, grant_id)  # no prepare, no signatures
    assert unsigned.status_code == 409, unsigned.text
    custodial = client.post(f"/wallet/consent/requests/{grant_id}/prepare", json={}, headers=zhang)
    assert custodial.status_code in (404, 409)  # 张伟 decided already; his key is custodial

    prepared = client.post(f"/wallet/consent/requests/{grant_id}/prepare", json={}, headers=li)
    assert prepared.status_code == 200, prepared.text
    inputs = prepared.json()["key_binding_inputs"]
    assert len(inputs) == 2
    signatures = {
        identifier: b64url(phone.sign(b64url_decode(signing_input)))
        for identifier, signing_input in inputs.items()
    }
    forged = dict(signatures)
    first = next(iter(forged))
    forged[first] = signatures[next(i for i in signatures if i != first)]  # another input's
    bad = decide(client, li, grant_id, key_binding_signatures=forged)
    assert_error(bad, 422, "holder_signature_invalid")
    assert_error(pull(client, service, grant_id), 409, "consent_pending")  # nothing kept

    approved = decide(client, li, grant_id, key_binding_signatures=signatures)
    assert approved.status_code == 200, approved.text
    response = pull(client, service, grant_id)
    assert response.status_code == 200, response.text
    for share in response.json()["shares"]:
        payload = library_payload(client, share["sd_jwt"], aud=client_id, nonce=NONCE)
        if share["holder"] == LI_NA:
            assert payload["cnf"]["jwk"] == phone.public.to_jwk()  # bound to the phone
    narrowed = pull(
        client, service, grant_id,
        certificates=[{"holder": LI_NA, "type": "resident_id", "claims": ["name"]}],
    )  # fmt: skip
    assert_error(narrowed, 409, "conflict")  # the phone bound the whole grant
