"""The issuers' directory and their JWKS through the ``client`` fixture.

Independent code proves what production code claims: the JWKS ``kid`` is recomputed
with hashlib (RFC 7638), and a minted credential's COSE_Sign1 signature is checked
against the published key with the reference ``base45`` package, zlib, cbor2 and
``cryptography`` only.
"""

from __future__ import annotations

import base64
import hashlib
import json

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.hashes import SHA256
from fastapi.testclient import TestClient

from tests.helpers import (
    CIVIL_AFFAIRS,
    SAMPLE_ISSUERS,
    assert_error,
    b64url_decode,
    cose_parts,
    mint,
)


def test_list_issuers_has_the_twelve_samples(client: TestClient) -> None:
    response = client.get("/issuers")
    assert response.status_code == 200
    listed = {item["uscc"]: item for item in response.json()}
    assert set(listed) == {item["uscc"] for item in SAMPLE_ISSUERS}
    assert len(listed) == 12
    for item in SAMPLE_ISSUERS:
        assert listed[item["uscc"]]["name_zh"] == item["name_zh"]
        assert listed[item["uscc"]]["allowed_types"] == sorted(item["allowed_types"])


def test_get_one_issuer(client: TestClient) -> None:
    response = client.get(f"/issuers/{CIVIL_AFFAIRS}")
    assert response.status_code == 200
    body = response.json()
    assert body["uscc"] == CIVIL_AFFAIRS
    assert body["name_zh"] == "上海市民政局"
    assert body["region_code"] == "310000"
    assert body["allowed_types"] == ["marriage"]


@pytest.mark.parametrize("suffix", ["", "/jwks.json"])
def test_unknown_issuer_is_404(client: TestClient, suffix: str) -> None:
    # Well-formed (valid GB 32100 check character) but not registered.
    assert_error(client.get(f"/issuers/91310115591693856A{suffix}"), 404, "not_found")


@pytest.mark.parametrize(
    "uscc",
    ["abc", "11310000000000006n", "11310000000000006NX", "1131000000000000", "11310000000000006!"],
)
@pytest.mark.parametrize("suffix", ["", "/jwks.json"])
def test_malformed_uscc_is_422(client: TestClient, uscc: str, suffix: str) -> None:
    assert_error(client.get(f"/issuers/{uscc}{suffix}"), 422, "invalid_input")


def test_jwks_kid_is_the_rfc7638_thumbprint_and_verifies_a_fresh_credential(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    minted = mint(client, admin_headers, "marriage")
    response = client.get(f"/issuers/{CIVIL_AFFAIRS}/jwks.json")
    assert response.status_code == 200
    keys = response.json()["keys"]
    assert len(keys) >= 1
    by_kid = {}
    for jwk in keys:
        required = ("crv", "kty", "x") if jwk["kty"] == "OKP" else ("crv", "kty", "x", "y")
        canonical = json.dumps({k: jwk[k] for k in required}, separators=(",", ":"), sort_keys=True)
        thumbprint = hashlib.sha256(canonical.encode("utf-8")).digest()
        assert jwk["kid"] == base64.urlsafe_b64encode(thumbprint).rstrip(b"=").decode()
        by_kid[thumbprint] = jwk

    protected_raw, _unprotected, payload, signature = cose_parts(minted["qr"])
    protected = cbor2.loads(protected_raw)
    jwk = by_kid[protected[4]]  # the credential's kid names one of the published keys
    assert jwk["kid"] == minted["kid"]
    assert jwk["status"] == "active"
    to_be_signed = cbor2.dumps(["Signature1", protected_raw, b"", payload])
    if jwk["kty"] == "OKP":
        assert protected[1] == -8
        public = ed25519.Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
        public.verify(signature, to_be_signed)  # raises InvalidSignature on mismatch
    else:
        assert protected[1] == -7
        numbers = ec.EllipticCurvePublicNumbers(
            int.from_bytes(b64url_decode(jwk["x"]), "big"),
            int.from_bytes(b64url_decode(jwk["y"]), "big"),
            ec.SECP256R1(),
        )
        der = encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        )
        numbers.public_key().verify(der, to_be_signed, ec.ECDSA(SHA256()))
    # And the signed claims are the ones the API reported.
    claims = cbor2.loads(payload)
    assert claims[1] == CIVIL_AFFAIRS
    assert claims[-65537][1] == minted["identifier"]
