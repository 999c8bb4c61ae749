"""A household register of any size (issue 10 item 4): too large for a QR code, it is
still minted, without a QR representation, and shared as an SD-JWT VC. Every place
that would show or present its QR answers a typed 413, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jwcrypto.jwk import JWK
from sd_jwt.verifier import SDJWTVerifier
from sqlalchemy import Engine, select

from issuers.crypto.keys import Algorithm, SigningKey
from issuers.errors import PayloadTooLarge
from issuers.formats import sd_jwt
from issuers.store.database import write_transaction
from issuers.store.tables import certificates
from tests.helpers import PUBLIC_SECURITY, ZHANG_WEI, assert_error, household_members, sample
from tests.wallet.citizens import login, present
from wallet.accounts.service import AccountService
from wallet.server.wiring import Services

MEMBERS = 40
AUD, NONCE = "client-household-check", "nonce-household-40"


def _mint_large(client: TestClient, admin_headers: dict[str, str]) -> dict[str, Any]:
    fields = {**sample("household_register")["fields"], "members": household_members(MEMBERS)}
    response = client.post(
        f"/issuers/{PUBLIC_SECURITY}/certificates",
        json={"type": "household_register", "fields": fields},
        headers=admin_headers,
    )
    assert response.status_code == 201, response.text
    minted: dict[str, Any] = response.json()
    return minted


def test_a_40_member_register_mints_without_a_qr(
    client: TestClient, admin_headers: dict[str, str], engine: Engine
) -> None:
    minted = _mint_large(client, admin_headers)
    assert minted["qr"] is None
    assert minted["qr_unavailable"] == "too_large"
    assert len(minted["holder_codes"]) >= MEMBERS
    with engine.connect() as conn:
        stored = conn.execute(
            select(certificates.c.qr).where(certificates.c.identifier == minted["identifier"])
        ).scalar_one()
    assert stored == ""
    small = client.post(
        f"/issuers/{PUBLIC_SECURITY}/certificates",
        json={"type": "household_register", "fields": sample("household_register")["fields"]},
        headers=admin_headers,
    ).json()
    assert small["qr"].startswith("EL1:")
    assert small["qr_unavailable"] is None


def test_presenting_or_showing_its_qr_is_a_typed_413(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService
) -> None:
    identifier = _mint_large(client, admin_headers)["identifier"]
    headers = login(client, ZHANG_WEI)
    error = assert_error(present(client, headers, identifier), 413, "payload_too_large", "qr")
    assert error["details"] == {"qr_unavailable": "too_large"}
    detail = client.get(f"/wallet/certificates/{identifier}", headers=headers)
    assert detail.status_code == 200, detail.text  # its fields, without a QR
    assert detail.json()["qr"] is None
    assert detail.json()["qr_unavailable"] == "too_large"
    assert len(detail.json()["fields"]["members"]) == MEMBERS
    listed = client.get("/wallet/certificates", headers=headers)
    assert listed.status_code == 200, listed.text
    assert identifier in listed.text


def test_binding_a_copy_of_it_is_refused_by_the_issuer(
    client: TestClient, admin_headers: dict[str, str], services: Services
) -> None:
    identifier = _mint_large(client, admin_headers)["identifier"]
    with pytest.raises(PayloadTooLarge), write_transaction(services.engine) as conn:
        services.issuance.bound_copy(
            conn, identifier, PUBLIC_SECURITY, "", SigningKey.generate().public
        )


@pytest.mark.parametrize("alg", [Algorithm.EDDSA, Algorithm.ES256], ids=str)  # sd-jwt: no SM2
def test_its_sd_jwt_vc_issues_and_verifies_with_the_reference_library(
    client: TestClient, admin_headers: dict[str, str], services: Services, alg: Algorithm
) -> None:
    identifier = _mint_large(client, admin_headers)["identifier"]
    holder = SigningKey.generate(alg)
    with write_transaction(services.engine) as conn:
        issued = services.sd_jwt_issuer.issue(conn, identifier, holder.public)
    now = services.clock()
    text = sd_jwt.bind(issued.presentation(["members"]), holder, aud=AUD, nonce=NONCE, iat=now)
    metadata = client.get(f"/.well-known/jwt-vc-issuer/issuers/{PUBLIC_SECURITY}").json()
    issuer_jwk = JWK.from_json(json.dumps(metadata["jwks"]["keys"][-1]))
    verifier = SDJWTVerifier(text, lambda _iss, _header: issuer_jwk)
    verifier._verify_key_binding_jwt(AUD, NONCE, sign_alg=alg.value)  # the library's ES256 default
    payload = verifier.get_verified_payload()
    assert len(payload["members"]) == MEMBERS
    assert payload["members"][-1]["name"] == f"张某{MEMBERS - 1}"
    assert payload["license_id"] == identifier
    ours = sd_jwt.verify(
        text,
        issuer_key=lambda header, _payload: _key_by_kid(metadata, header["kid"]),
        aud=AUD,
        nonce=NONCE,
        now=now,
    )
    assert ours.disclosed == {"members"}


def _key_by_kid(metadata: dict[str, Any], kid: str) -> Any:
    from issuers.crypto.keys import VerifyingKey

    return VerifyingKey.from_jwk(next(k for k in metadata["jwks"]["keys"] if k["kid"] == kid))
