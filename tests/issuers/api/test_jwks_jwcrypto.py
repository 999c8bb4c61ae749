"""Issue 8 item 12: the served JWKS imports into an independent JOSE library.

``GET /issuers/{uscc}/jwks.json`` published ``"y": null`` for Ed25519 keys, and
jwcrypto (like any RFC 7517 reader: a member is a string or absent, never null)
refused the whole set. Each key now carries exactly its type's members (RFC 8037
section 2 for OKP, RFC 7518 section 6.2.1 for EC), for both algorithms we sign with.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jwcrypto.jwk import JWKSet

from issuers.crypto.keys import Algorithm
from tests.helpers import CIVIL_AFFAIRS
from wallet.server.app import services_of

MEMBERS = {
    "OKP": {"kty", "crv", "x", "kid", "alg", "use", "status"},
    "EC": {"kty", "crv", "x", "y", "kid", "alg", "use", "status"},
}


def served(client: TestClient) -> tuple[str, list[dict[str, Any]]]:
    response = client.get(f"/issuers/{CIVIL_AFFAIRS}/jwks.json")
    assert response.status_code == 200, response.text
    keys: list[dict[str, Any]] = response.json()["keys"]
    return response.text, keys


@pytest.mark.parametrize("alg", [Algorithm.EDDSA, Algorithm.ES256])
def test_jwcrypto_imports_the_served_set(client: TestClient, app: FastAPI, alg: Algorithm) -> None:
    services_of(app).issuance.rotate_key(CIVIL_AFFAIRS, alg)
    text, keys = served(client)
    assert {key["kty"] for key in keys} >= {"OKP" if alg is Algorithm.EDDSA else "EC"}
    imported = JWKSet.from_json(text)
    assert sorted(key.get("kid") for key in imported) == sorted(key["kid"] for key in keys)
    for key in imported:  # the kid is the RFC 7638 thumbprint, computed by jwcrypto
        assert key.thumbprint() == key.get("kid")


def test_each_key_has_exactly_its_types_members(client: TestClient, app: FastAPI) -> None:
    services_of(app).issuance.rotate_key(CIVIL_AFFAIRS, Algorithm.ES256)
    _, keys = served(client)
    assert {key["kty"] for key in keys} == {"OKP", "EC"}
    for key in keys:
        assert set(key) == MEMBERS[key["kty"]], key
        assert None not in key.values(), key


def test_the_schema_describes_both_key_types_without_null(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for name, kty in (("OkpJwk", "OKP"), ("EcJwk", "EC")):
        properties = schemas[name]["properties"]
        assert set(properties) == MEMBERS[kty]
        assert all("anyOf" not in member for member in properties.values()), properties
