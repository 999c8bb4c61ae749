"""SM2 (国密) signatures on what an issuer publishes, checked by code we did not write.

STYLE.md item 8: our SM2 verifying our own SM2 signatures proves little. Here the bytes
are taken apart with the ``base45`` package, ``zlib``, ``cbor2`` and ``base64``/``json``
from the standard library, and every signature is checked by gmssl's
``CryptSM2.verify_with_sm3`` (which computes Z_A with the default user ID and e itself)
and by gmalg's ``SM2.verify`` (through ``tests/sm2_independent.py``); the public keys
are the JWKs the platform serves, their thumbprints recomputed here. Nothing from
``issuers`` or ``verifiers`` rebuilds the signed bytes or checks a signature:

* the committed vector ``valid_sm2_resident_id`` (``scripts/make_vectors.py``);
* a QR credential minted over HTTP by an issuer rotated to SM2;
* that issuer's status list, as a JWT (the JWS signing input) and as a CWT (the COSE
  Sig_structure);
* the province's trust list, signed by an SM2 trust anchor (``ELICENSE_ANCHOR_ALG``);
* the issuer JWT of an SD-JWT VC of that certificate.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any
from urllib.parse import urlsplit

import cbor2
import pytest
from fastapi.testclient import TestClient

from issuers.crypto.keys import Algorithm, SigningKey
from issuers.store.database import write_transaction
from tests.helpers import PUBLIC_SECURITY, mint, verify
from tests.interop.vector_files import vector
from tests.sm2_independent import gmalg_verifies, gmssl_verifies, jwk_point, unwrap
from wallet.server.settings import Settings
from wallet.server.wiring import Services

COSE_SM2 = -48  # draft-dang-webauthn-sm2-00 §4.4
SHANGHAI = "310000"


# --- independent SM2 checks ---------------------------------------------------------------


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 §3.2, written here: SHA-256 over the required members, sorted, compact."""
    members = {name: jwk[name] for name in ("crv", "kty", "x", "y")}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()


def assert_sm2_signed(jwk: dict[str, Any], signature: bytes, message: bytes) -> None:
    """gmssl and gmalg (tests/sm2_independent.py) accept the signature under the JWK's
    point (32-byte x and y), and refuse it with a bit flipped at each end and over
    another message."""
    point = jwk_point(jwk)
    assert len(point) == len(signature) == 64  # x ‖ y; r ‖ s
    assert gmssl_verifies(point, signature, message)
    assert gmalg_verifies(point, signature, message)
    for index in (0, 63):
        flipped = bytearray(signature)
        flipped[index] ^= 0x01
        assert not gmssl_verifies(point, bytes(flipped), message)
    assert not gmalg_verifies(point, signature, message + b"\x00")


def sig_structure_of(cose: bytes) -> tuple[dict[int, Any], bytes, bytes, bytes]:
    """(protected header, kid, RFC 9052 §4.4 Sig_structure, signature) of a tagged
    COSE_Sign1, with cbor2 alone."""
    outer = cbor2.loads(cose)
    assert isinstance(outer, cbor2.CBORTag)
    assert outer.tag == 18
    protected_raw, unprotected, payload, signature = outer.value
    assert dict(unprotected) == {}
    protected = dict(cbor2.loads(protected_raw))
    assert protected[1] == COSE_SM2
    to_be_signed = cbor2.dumps(["Signature1", protected_raw, b"", payload])
    return protected, payload, to_be_signed, signature


def jws_parts(compact: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """(header, payload, signing input, signature) of a JWS Compact Serialization."""
    header_b64, payload_b64, signature_b64 = compact.split(".")
    header = json.loads(_b64url(header_b64))
    assert header["alg"] == "SM2"
    signing_input = f"{header_b64}.{payload_b64}".encode("ascii")
    return header, json.loads(_b64url(payload_b64)), signing_input, _b64url(signature_b64)


def unwrap_qr(qr: str) -> bytes:
    """The COSE_Sign1 in ``EL1:`` text: the ``base45`` package, then zlib."""
    assert qr.startswith("EL1:")
    return unwrap(qr)


# --- the committed vector ------------------------------------------------------------------


def test_the_sm2_vector_decodes_with_cbor2_and_verifies_with_gmssl_and_gmalg() -> None:
    vec = vector("valid_sm2_resident_id")
    jwk = vec["public_jwk"]
    assert (jwk["kty"], jwk["crv"], jwk["alg"]) == ("EC", "SM2", "SM2")
    assert thumbprint(jwk) == jwk["kid"]
    cose = unwrap_qr(vec["qr"])
    assert cose.hex() == vec["cose_hex"]
    protected, payload, to_be_signed, signature = sig_structure_of(cose)
    assert protected[4].hex() == vec["kid_hex"] == _b64url(jwk["kid"]).hex()
    assert payload.hex() == vec["cbor_hex"]
    assert cbor2.loads(payload)[1] == vec["issuer"]["uscc"]
    assert_sm2_signed(jwk, signature, to_be_signed)


# --- what a live SM2 issuer and SM2 anchor publish -----------------------------------------


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The app's settings with SM2 trust anchors (ELICENSE_ANCHOR_ALG=SM2)."""
    return settings.model_copy(update={"anchor_alg": "SM2"})


@pytest.fixture
def sm2_minted(
    services: Services, client: TestClient, admin_headers: dict[str, str]
) -> dict[str, Any]:
    """上海市公安局 moved to SM2, then a resident ID minted over HTTP."""
    services.issuance.rotate_key(PUBLIC_SECURITY, Algorithm.SM2)
    return mint(client, admin_headers, "resident_id")


def served_jwk(client: TestClient, kid: str) -> dict[str, Any]:
    keys = client.get(f"/issuers/{PUBLIC_SECURITY}/jwks.json").json()["keys"]
    jwk: dict[str, Any] = next(key for key in keys if key["kid"] == kid)
    assert thumbprint(jwk) == kid
    return jwk


def test_an_sm2_issuers_qr_credential_verifies_with_gmssl(
    client: TestClient, sm2_minted: dict[str, Any]
) -> None:
    protected, payload, to_be_signed, signature = sig_structure_of(unwrap_qr(sm2_minted["qr"]))
    kid = base64.urlsafe_b64encode(protected[4]).rstrip(b"=").decode()
    assert kid == sm2_minted["kid"]
    jwk = served_jwk(client, kid)
    assert jwk["status"] == "active"
    assert_sm2_signed(jwk, signature, to_be_signed)
    claims = cbor2.loads(payload)
    assert claims[1] == PUBLIC_SECURITY
    assert claims[-65537][1] == sm2_minted["identifier"]
    verdict = verify(client, sm2_minted["qr"])
    assert verdict["valid"] is True, verdict
    assert verdict["credential"]["alg"] == "SM2"


def _status_uri(qr: str) -> str:
    _, payload, _, _ = sig_structure_of(unwrap_qr(qr))
    uri: str = cbor2.loads(payload)[65535]["status_list"]["uri"]
    return uri


def test_an_sm2_issuers_status_list_jwt_verifies_with_gmssl(
    client: TestClient, sm2_minted: dict[str, Any]
) -> None:
    uri = _status_uri(sm2_minted["qr"])
    response = client.get(urlsplit(uri).path)
    assert response.headers["content-type"].startswith("application/statuslist+jwt")
    header, payload, signing_input, signature = jws_parts(response.text)
    assert header["typ"] == "statuslist+jwt"
    assert header["kid"] == sm2_minted["kid"]
    assert payload["sub"] == uri
    assert_sm2_signed(served_jwk(client, header["kid"]), signature, signing_input)


def test_an_sm2_issuers_status_list_cwt_verifies_with_cbor2_and_gmssl(
    client: TestClient, sm2_minted: dict[str, Any]
) -> None:
    uri = _status_uri(sm2_minted["qr"])
    response = client.get(urlsplit(uri).path, headers={"Accept": "application/statuslist+cwt"})
    assert response.headers["content-type"].startswith("application/statuslist+cwt")
    protected, payload, to_be_signed, signature = sig_structure_of(response.content)
    assert protected[16] == "application/statuslist+cwt"
    kid = base64.urlsafe_b64encode(protected[4]).rstrip(b"=").decode()
    assert kid == sm2_minted["kid"]
    claims = cbor2.loads(payload)
    assert claims[2] == uri  # sub
    assert isinstance(claims[65533]["lst"], bytes)  # status_list
    assert_sm2_signed(served_jwk(client, kid), signature, to_be_signed)


def test_a_trust_list_signed_by_an_sm2_anchor_verifies_with_gmssl(
    client: TestClient, sm2_minted: dict[str, Any]
) -> None:
    anchors = {a["region_code"]: a["jwk"] for a in client.get("/trust/anchors").json()}
    anchor = anchors[SHANGHAI]
    assert (anchor["crv"], anchor["alg"]) == ("SM2", "SM2")
    header, payload, signing_input, signature = jws_parts(client.get("/trust/lists/310000").text)
    assert header["typ"] == "trustlist+jwt"
    assert header["kid"] == anchor["kid"] == thumbprint(anchor)
    assert_sm2_signed(anchor, signature, signing_input)
    police = next(i for i in payload["issuers"] if i["uscc"] == PUBLIC_SECURITY)
    states = {key["kid"]: (key["crv"], key["status"]) for key in police["keys"]}
    assert states[sm2_minted["kid"]] == ("SM2", "active")
    assert ("Ed25519", "retired") in states.values()  # the key before the rotation


def test_an_sm2_issuers_sd_jwt_vc_verifies_with_gmssl(
    services: Services, client: TestClient, sm2_minted: dict[str, Any]
) -> None:
    holder = SigningKey.generate()
    with write_transaction(services.engine) as conn:
        issued = services.sd_jwt_issuer.issue(conn, sm2_minted["identifier"], holder.public)
    header, payload, signing_input, signature = jws_parts(issued.jwt)
    assert header["kid"] == sm2_minted["kid"]
    assert payload["iss"].endswith(f"/issuers/{PUBLIC_SECURITY}")
    assert_sm2_signed(served_jwk(client, header["kid"]), signature, signing_input)
