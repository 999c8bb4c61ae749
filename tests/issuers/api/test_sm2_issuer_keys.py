"""An issuer's SM2 (国密) key as the directory serves it: ``GET /issuers/{uscc}/jwks.json``
and the JWT VC Issuer Metadata list it with exactly the EC members (``crv`` ``SM2``,
``alg`` ``SM2``), beside the Ed25519 key it replaced, and the OpenAPI schema says so."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from issuers.crypto.keys import Algorithm, VerifyingKey
from tests.helpers import CIVIL_AFFAIRS, mint, verify
from wallet.server.wiring import Services

EC_MEMBERS = {"kty", "crv", "x", "y", "kid", "alg", "use", "status"}


def _keys(client: TestClient) -> list[dict[str, Any]]:
    response = client.get(f"/issuers/{CIVIL_AFFAIRS}/jwks.json")
    assert response.status_code == 200, response.text
    keys: list[dict[str, Any]] = response.json()["keys"]
    return keys


def test_the_jwks_lists_the_sm2_key_beside_the_retired_ed25519_one(
    services: Services, client: TestClient, admin_headers: dict[str, str]
) -> None:
    old = mint(client, admin_headers, "marriage")
    kid = services.issuance.rotate_key(CIVIL_AFFAIRS, Algorithm.SM2)
    new = mint(client, admin_headers, "marriage")
    assert new["kid"] == kid
    by_kid = {key["kid"]: key for key in _keys(client)}
    sm2 = by_kid[kid]
    assert set(sm2) == EC_MEMBERS
    assert (sm2["kty"], sm2["crv"], sm2["alg"], sm2["status"]) == ("EC", "SM2", "SM2", "active")
    assert VerifyingKey.from_jwk(sm2).kid == kid
    assert by_kid[old["kid"]]["status"] == "retired"
    for credential in (old, new):  # the old Ed25519 credential keeps verifying
        assert verify(client, credential["qr"])["valid"] is True
    metadata = client.get(f"/.well-known/jwt-vc-issuer/issuers/{CIVIL_AFFAIRS}")
    assert metadata.status_code == 200, metadata.text
    assert kid in {key["kid"] for key in metadata.json()["jwks"]["keys"]}


def test_the_schema_describes_the_sm2_key(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    properties = schemas["Sm2Jwk"]["properties"]
    assert set(properties) == EC_MEMBERS
    assert properties["crv"]["const"] == "SM2"
    assert all("anyOf" not in member for member in properties.values()), properties


def test_a_compromised_sm2_key_is_replaced_by_an_sm2_key(
    services: Services, client: TestClient, admin_headers: dict[str, str]
) -> None:
    """The fresh key that takes over from a compromised active key keeps the issuer's
    algorithm: an SM2 issuer does not fall back to Ed25519."""
    kid = services.issuance.rotate_key(CIVIL_AFFAIRS, Algorithm.SM2)
    signed = mint(client, admin_headers, "marriage")
    services.issuance.compromise_key(kid)
    services.verifier.keys.forget()
    assert verify(client, signed["qr"])["code"] == "key_compromised"
    replacement = mint(client, admin_headers, "marriage")
    assert replacement["kid"] != kid
    by_kid = {key["kid"]: key for key in _keys(client)}
    assert by_kid[kid]["status"] == "compromised"
    assert (by_kid[replacement["kid"]]["status"], by_kid[replacement["kid"]]["alg"]) == (
        "active",
        "SM2",
    )
    assert verify(client, replacement["qr"])["credential"]["alg"] == "SM2"
