"""SD-JWT VC issuance from the registry (issuers.store.sd_jwt_issuer) and the JWT VC
Issuer Metadata route: the same record and the same status entry as the QR copy."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jwcrypto.jwk import JWK
from sd_jwt.verifier import SDJWTVerifier

from issuers.crypto.base64url import b64url_decode
from issuers.crypto.keys import Algorithm, SigningKey, VerifyingKey
from issuers.errors import NotFound
from issuers.formats import sd_jwt
from issuers.status_codes import LIST_INVALID, CertificateStatus
from issuers.store import status_store
from issuers.store.database import write_transaction
from tests.helpers import ZHANG_WEI, assert_error, sample
from tests.wallet.citizens import claims_of
from wallet.server.wiring import Services

AUD, NONCE = "client-birth-registration", "nonce-abcdefgh"


def _mint(services: Services, type_slug: str = "resident_id") -> tuple[str, str]:
    item = sample(type_slug)
    minted = services.issuance.mint(type_slug, item["issuer"], item["fields"])
    return minted.identifier, minted.qr


def _issue(services: Services, identifier: str, key: VerifyingKey) -> sd_jwt.IssuedSdJwt:
    with write_transaction(services.engine) as conn:
        return services.sd_jwt_issuer.issue(conn, identifier, key)


def _payload(issued: sd_jwt.IssuedSdJwt) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(b64url_decode(issued.jwt.split(".")[1]))
    return payload


def _issuer_key(client: TestClient, issued: sd_jwt.IssuedSdJwt) -> VerifyingKey:
    """The key a service finds by itself: iss -> well-known metadata -> kid."""
    iss = _payload(issued)["iss"]
    path = iss.split("/issuers/", 1)[1]
    body = client.get(f"/.well-known/jwt-vc-issuer/issuers/{path}").json()
    assert body["issuer"] == iss
    kid = json.loads(b64url_decode(issued.jwt.split(".")[0]))["kid"]
    jwk = next(key for key in body["jwks"]["keys"] if key["kid"] == kid)
    return VerifyingKey.from_jwk(jwk)


def test_the_vc_carries_the_record_with_every_field_disclosable(
    services: Services, client: TestClient
) -> None:
    identifier, _ = _mint(services)
    holder = SigningKey.generate()
    issued = _issue(services, identifier, holder.public)
    payload = _payload(issued)
    item = sample("resident_id")
    assert payload["vct"] == "urn:elicense:vct:resident_id"
    assert payload["license_id"] == identifier
    assert payload["issuer_uscc"] == item["issuer"]
    assert payload["cnf"] == {"jwk": holder.public.to_jwk()}
    assert ZHANG_WEI not in issued.jwt  # nothing personal is visible
    assert issued.names == set(item["fields"])
    text = sd_jwt.bind(
        issued.presentation(["name"]), holder, aud=AUD, nonce=NONCE, iat=services.clock()
    )
    verified = sd_jwt.verify(
        text,
        issuer_key=_issuer_key(client, issued),
        aud=AUD,
        nonce=NONCE,
        now=services.clock(),
    )
    assert verified.claims["name"] == item["fields"]["name"]
    assert verified.disclosed == {"name"}


def test_the_status_entry_is_the_holder_copys_and_follows_the_certificate(
    services: Services,
) -> None:
    identifier, qr = _mint(services)
    holder = SigningKey.generate(Algorithm.ES256).public
    issuer = sample("resident_id")["issuer"]
    with write_transaction(services.engine) as conn:
        copy = services.issuance.bound_copy(conn, identifier, issuer, qr, holder)
    status = _payload(_issue(services, identifier, holder))["status"]["status_list"]
    copy_status = claims_of(copy).status
    assert copy_status is not None
    assert (status["idx"], status["uri"]) == (copy_status.idx, copy_status.uri)
    other = _payload(_issue(services, identifier, SigningKey.generate().public))
    assert other["status"]["status_list"]["idx"] != status["idx"]

    services.issuance.change_status(
        identifier, CertificateStatus.REVOKED, reason="test", actor="test"
    )
    list_number = int(status["uri"].rsplit("/", 1)[1])
    with services.engine.connect() as conn:
        assert services.sd_jwt_issuer.status_of(conn, identifier) is CertificateStatus.REVOKED
        value = status_store.entry_value(conn, issuer, list_number, status["idx"])
    assert value == LIST_INVALID


def test_a_copy_first_made_by_the_vc_starts_at_the_certificates_status(
    services: Services,
) -> None:
    identifier, _ = _mint(services)
    services.issuance.change_status(
        identifier, CertificateStatus.SUSPENDED, reason="test", actor="test"
    )
    status = _payload(_issue(services, identifier, SigningKey.generate().public))["status"]
    uri, idx = status["status_list"]["uri"], status["status_list"]["idx"]
    with services.engine.connect() as conn:
        value = status_store.entry_value(
            conn, sample("resident_id")["issuer"], int(uri.rsplit("/", 1)[1]), idx
        )
    assert value == CertificateStatus.SUSPENDED.list_value


def test_the_reference_library_verifies_it_with_the_published_keys(
    services: Services, client: TestClient
) -> None:
    identifier, _ = _mint(services, "marriage")
    holder = SigningKey.generate(Algorithm.ES256)
    issued = _issue(services, identifier, holder.public)
    text = sd_jwt.bind(
        issued.presentation(["registration_date", "party_b"]), holder, aud=AUD, nonce=NONCE, iat=0
    )
    jwk = JWK.from_json(json.dumps(_issuer_key(client, issued).to_jwk()))
    payload = SDJWTVerifier(
        text, lambda _iss, _header: jwk, expected_aud=AUD, expected_nonce=NONCE
    ).get_verified_payload()
    assert payload["registration_date"] == sample("marriage")["fields"]["registration_date"]
    assert payload["party_b"]["id_number"] == sample("marriage")["fields"]["party_b"]["id_number"]
    assert "party_a" not in payload


def test_an_unknown_certificate_or_issuer_is_not_found(
    services: Services, client: TestClient
) -> None:
    with pytest.raises(NotFound), write_transaction(services.engine) as conn:
        services.sd_jwt_issuer.issue(conn, "no-such-certificate", SigningKey.generate().public)
    response = client.get("/.well-known/jwt-vc-issuer/issuers/91310000000000000X")
    assert_error(response, 404, "not_found")
