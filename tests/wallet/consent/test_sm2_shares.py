"""SD-JWT shares all in 国密 SM2: the issuers rotated to SM2, the spouses' custodial
holder keys SM2 (KB-JWT), the platform's annotation key SM2. The service's own pull
path verifies them (:func:`wallet.bundles.verification.verify_share`); gmssl and gmalg,
code we did not write, verify the issuer's JWS, the KB-JWT and the annotation over
their signing inputs (the ``sd-jwt`` library and jwcrypto have no SM2)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from issuers.crypto.base64url import b64url, b64url_decode
from issuers.crypto.keys import Algorithm
from issuers.errors import ElicenseError
from tests.helpers import PUBLIC_SECURITY
from tests.sm2_independent import jwk_point, jws_header, jws_verifies
from tests.wallet.citizens import MARRIAGE
from tests.wallet.consent.share_calls import (
    ASKS,
    NONCE,
    approve_all,
    mint_spouses,
    pull,
    requested,
)
from wallet.accounts.service import AccountService
from wallet.bundles.verification import verify_share
from wallet.server.settings import Settings
from wallet.server.wiring import Services


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"holder_key_alg": "SM2", "platform_key_alg": "SM2"})


def issuer_jwk(client: TestClient, issuer_jwt: str) -> dict[str, Any]:
    """The key the issuer publishes (JWT VC Issuer Metadata) under the JWT's kid."""
    payload = json.loads(b64url_decode(issuer_jwt.split(".")[1]))
    metadata = client.get(f"/.well-known/jwt-vc-issuer/issuers/{payload['issuer_uscc']}")
    assert metadata.status_code == 200, metadata.text
    kid = jws_header(issuer_jwt)["kid"]
    jwk: dict[str, Any] = next(k for k in metadata.json()["jwks"]["keys"] if k["kid"] == kid)
    return jwk


def pulled_shares(
    client: TestClient, services: Services, admin_headers: dict[str, str]
) -> tuple[str, list[dict[str, Any]]]:
    for uscc in (PUBLIC_SECURITY, MARRIAGE["issuer"]):
        services.issuance.rotate_key(uscc, Algorithm.SM2)
    mint_spouses(client, admin_headers)
    client_id, service, grant_id = requested(client, services)
    approve_all(client, grant_id)
    response = pull(client, service, grant_id)
    assert response.status_code == 200, response.text
    shares: list[dict[str, Any]] = response.json()["shares"]
    assert len(shares) == 4
    return client_id, shares


def test_the_service_verifies_sm2_shares_on_its_pull_path(
    client: TestClient,
    services: Services,
    admin_headers: dict[str, str],
    accounts: AccountService,
) -> None:
    client_id, shares = pulled_shares(client, services, admin_headers)
    for share in shares:
        issuer_jwt, kb_jwt = share["sd_jwt"].split("~")[0], share["sd_jwt"].rsplit("~", 1)[1]
        assert (jws_header(issuer_jwt)["alg"], jws_header(kb_jwt)["alg"]) == ("SM2", "SM2")
        verified = verify_share(share["sd_jwt"], services.verifier, aud=client_id, nonce=NONCE)
        assert verified.identifier == share["identifier"]
        assert set(verified.claims) == set(ASKS[share["type"]])

    token = shares[0]["sd_jwt"]
    with pytest.raises(ElicenseError):  # the KB-JWT for another service
        verify_share(token, services.verifier, aud="another-client", nonce=NONCE)
    issuer_jwt, rest = token.split("~", 1)
    head, body, signature = issuer_jwt.split(".")
    forged = b64url(bytes(64))  # r = s = 0: out of range
    with pytest.raises(ElicenseError):
        verify_share(
            f"{head}.{body}.{forged}~{rest}", services.verifier, aud=client_id, nonce=NONCE
        )
    assert signature != forged


def test_gmssl_and_gmalg_verify_the_issuer_jws_the_kb_jwt_and_the_annotation(
    client: TestClient,
    services: Services,
    admin_headers: dict[str, str],
    accounts: AccountService,
) -> None:
    client_id, shares = pulled_shares(client, services, admin_headers)
    platform = client.get("/platform/jwks").json()["keys"][0]
    assert platform["crv"] == "SM2"
    for share in shares:
        token: str = share["sd_jwt"]
        issuer_jwt, kb_jwt = token.split("~")[0], token.rsplit("~", 1)[1]
        jwk = issuer_jwk(client, issuer_jwt)
        assert jwk["crv"] == "SM2"
        assert jws_verifies(issuer_jwt, jwk_point(jwk))

        payload = json.loads(b64url_decode(issuer_jwt.split(".")[1]))
        holder = payload["cnf"]["jwk"]
        assert (holder["kty"], holder["crv"]) == ("EC", "SM2")
        assert jws_verifies(kb_jwt, jwk_point(holder))
        kb = json.loads(b64url_decode(kb_jwt.split(".")[1]))
        presented = token[: len(token) - len(kb_jwt)]  # RFC 9901 §4.3.1: up to the last ~
        assert kb["sd_hash"] == b64url(hashlib.sha256(presented.encode("ascii")).digest())
        assert (kb["aud"], kb["nonce"]) == (client_id, NONCE)
        assert not jws_verifies(kb_jwt, jwk_point(jwk))  # not the issuer's key

        assert jws_header(share["annotation"])["kid"] == platform["kid"]
        assert jws_verifies(share["annotation"], jwk_point(platform))
