"""What the server publishes (trust lists, status lists) verifies with the pure
verifier code, and key rotation / compromise show up in it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from issuers.crypto.keys import VerifyingKey
from issuers.errors import KeyCompromised, UnknownKey
from issuers.formats import cose_sign1, qr_envelope
from issuers.formats.cwt import CredentialClaims, StatusReference
from issuers.formats.status_list_token import verify_cwt, verify_jwt
from issuers.status_codes import LIST_INVALID, LIST_VALID
from issuers.trust import TrustAnchor, TrustListKeyResolver, verify_trust_list
from tests.app_fixtures import FixedClock
from tests.helpers import assert_error, mint, verify
from verifiers.qr import verify_qr
from wallet.server.app import services_of

ZHEJIANG_TRANSPORT = "11330000000000003M"


def _anchor(client: TestClient, region: str) -> TrustAnchor:
    anchors = {a["region_code"]: a["jwk"] for a in client.get("/trust/anchors").json()}
    return TrustAnchor(VerifyingKey.from_jwk(anchors[region]), region)


def _resolver(client: TestClient, clock: FixedClock, region: str) -> TrustListKeyResolver:
    text = client.get(f"/trust/lists/{region}").text
    return TrustListKeyResolver(
        [verify_trust_list(text, anchors=[_anchor(client, region)], now=clock.now)]
    )


def test_anchors_and_trust_lists_cover_the_sample_provinces(
    client: TestClient, clock: FixedClock
) -> None:
    regions = {a["region_code"] for a in client.get("/trust/anchors").json()}
    assert regions == {"310000", "320000", "330000"}
    response = client.get("/trust/lists/330000")
    assert response.headers["content-type"].startswith("application/trustlist+jwt")
    listed = verify_trust_list(response.text, anchors=[_anchor(client, "330000")], now=clock.now)
    # 浙江省交通运输厅, and 浙江省公安厅 (the ride-hailing bundle's inputs, issue 11)
    assert [entry.info.uscc for entry in listed.issuers] == [
        ZHEJIANG_TRANSPORT,
        "11330000000000013N",
    ]
    assert_error(client.get("/trust/lists/440000"), 404, "not_found")
    assert_error(client.get("/trust/lists/abc"), 422, "invalid_input")


def test_a_credential_verifies_through_the_published_trust_list(
    client: TestClient, admin_headers: dict[str, str], clock: FixedClock
) -> None:
    qr = mint(client, admin_headers, "road_transport_permit")["qr"]
    result = verify_qr(qr, keys=_resolver(client, clock, "330000"), now=clock.now)
    assert result.issuer.uscc == ZHEJIANG_TRANSPORT
    # Jiangsu's list does not vouch for a Zhejiang issuer.
    with pytest.raises(UnknownKey):
        verify_qr(qr, keys=_resolver(client, clock, "320000"), now=clock.now)


def _status_of(client: TestClient, clock: FixedClock, reference: dict[str, Any], form: str) -> int:
    path = reference["uri"].split("http://127.0.0.1:8000", 1)[1]
    keys = _resolver(client, clock, "330000")
    if form == "cwt":
        body = client.get(path, headers={"Accept": "application/statuslist+cwt"})
        assert body.headers["content-type"] == "application/statuslist+cwt"
        token = verify_cwt(
            body.content,
            keys=keys,
            now=clock.now,
            expected_uri=reference["uri"],
            expected_issuer=ZHEJIANG_TRANSPORT,
        )
    else:
        body = client.get(path)
        assert body.headers["content-type"].startswith("application/statuslist+jwt")
        token = verify_jwt(
            body.text,
            keys=keys,
            now=clock.now,
            expected_uri=reference["uri"],
            expected_issuer=ZHEJIANG_TRANSPORT,
        )
    return token.status_list.get(reference["idx"])


@pytest.mark.parametrize("form", ["jwt", "cwt"])
def test_published_status_lists_carry_a_revocation_at_once(
    client: TestClient, admin_headers: dict[str, str], clock: FixedClock, form: str
) -> None:
    minted = mint(client, admin_headers, "road_transport_permit")
    links = client.get("/status/lists").json()
    assert {link["issuer"] for link in links} == {ZHEJIANG_TRANSPORT}
    reference = _reference_of(minted["qr"])
    assert reference["uri"] in {link["uri"] for link in links}
    assert _status_of(client, clock, reference, form) == LIST_VALID
    response = client.post(
        f"/issuers/{ZHEJIANG_TRANSPORT}/certificates/{minted['identifier']}/status",
        json={"status": "03", "reason": "撤销"},
        headers=admin_headers,
    )
    assert response.status_code == 200
    assert _status_of(client, clock, reference, form) == LIST_INVALID
    assert_error(client.get(f"/status/{ZHEJIANG_TRANSPORT}/99"), 404, "not_found")


def _reference_of(qr: str) -> dict[str, Any]:
    claims = CredentialClaims.from_cbor(cose_sign1.decode(qr_envelope.unwrap(qr)).payload)
    assert isinstance(claims.status, StatusReference)
    return {"idx": claims.status.idx, "uri": claims.status.uri}


def test_rotation_keeps_old_credentials_and_compromise_breaks_them(
    app: FastAPI, client: TestClient, admin_headers: dict[str, str], clock: FixedClock
) -> None:
    service = services_of(app).issuance
    old = mint(client, admin_headers, "road_transport_permit")
    new_kid = service.rotate_key(ZHEJIANG_TRANSPORT)
    new = mint(client, admin_headers, "road_transport_permit")
    assert new["kid"] == new_kid != old["kid"]
    resolver = _resolver(client, clock, "330000")
    for credential in (old, new):
        assert verify_qr(credential["qr"], keys=resolver, now=clock.now).identifier
    services_of(app).verifier.keys.forget()
    assert verify(client, old["qr"])["valid"] is True

    service.compromise_key(old["kid"])
    listed = verify_trust_list(
        client.get("/trust/lists/330000").text, anchors=[_anchor(client, "330000")], now=clock.now
    )
    states = {key.kid: key.state for key in listed.issuers[0].keys}
    assert states[old["kid"]] == "compromised"
    assert states[new_kid] == "active"
    with pytest.raises(KeyCompromised):
        verify_qr(old["qr"], keys=TrustListKeyResolver([listed]), now=clock.now)
    services_of(app).verifier.keys.forget()
    assert verify(client, old["qr"])["code"] == "key_compromised"
    assert verify(client, new["qr"])["valid"] is True
    # Compromising the active key hands issuance to a fresh one.
    service.compromise_key(new_kid)
    third = mint(client, admin_headers, "road_transport_permit")
    assert third["kid"] not in {old["kid"], new_kid}
