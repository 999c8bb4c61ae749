"""SM2 signatures checked by code we did not write: gmssl and gmalg (pure Python, each
with its own SM2 and SM3), for the tests' interop claims. Not a test module.

Both compute Z_A with the standard's default user ID ``1234567812345678`` (GM/T 0009
§10) and e = SM3(Z_A ‖ M) themselves (GB/T 32918.2 §7.1); we hand them the public key
as x ‖ y and the 64-byte r ‖ s. The COSE and JWS helpers rebuild the signed bytes from
the specs (RFC 9052 §4.4 Sig_structure with cbor2; RFC 7515 §5.2 signing input), not
from our encoders.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

import base45 as reference_base45
import cbor2
import gmalg
from gmssl import sm2 as gmssl_sm2

from issuers.crypto.base64url import b64url_decode

DEFAULT_USER_ID = b"1234567812345678"
COSE_ALG_SM2 = -48  # draft-dang-webauthn-sm2-00, what our COSE writes


def jwk_point(jwk: dict[str, Any]) -> bytes:
    """x ‖ y of an SM2 JWK (``kty`` EC, ``crv`` SM2)."""
    assert (jwk["kty"], jwk["crv"]) == ("EC", "SM2"), jwk
    return b64url_decode(jwk["x"]) + b64url_decode(jwk["y"])


def gmssl_verifies(point: bytes, signature: bytes, message: bytes) -> bool:
    """gmssl's ``CryptSM2.verify_with_sm3`` (default user ID)."""
    crypt = gmssl_sm2.CryptSM2(private_key="", public_key="")
    crypt.public_key = point.hex()  # after the constructor: it lstrip("04")s its argument
    return bool(crypt.verify_with_sm3(signature.hex(), message))


def gmalg_verifies(point: bytes, signature: bytes, message: bytes) -> bool:
    """gmalg's ``SM2.verify`` with the default user ID."""
    checker = gmalg.SM2(pk=b"\x04" + point, uid=DEFAULT_USER_ID)
    return bool(checker.verify(message, signature[:32], signature[32:]))


def both_verify(point: bytes, signature: bytes, message: bytes) -> bool:
    return gmssl_verifies(point, signature, message) and gmalg_verifies(point, signature, message)


def unwrap(text: str) -> bytes:
    """The COSE bytes in ``EL1:``/``ELP1:`` text: the ``base45`` package, then zlib."""
    return zlib.decompress(reference_base45.b45decode(text.split(":", 1)[1]))


def cwt_claims(text: str) -> dict[Any, Any]:
    """The claims of a QR credential (``EL1:``), read with cbor2 alone."""
    claims: dict[Any, Any] = cbor2.loads(cbor2.loads(unwrap(text)).value[2])
    return claims


def cose_sign1_parts(data: bytes) -> tuple[dict[Any, Any], bytes, bytes]:
    """(protected header, Sig_structure bytes, signature) of a tagged COSE_Sign1, read
    with cbor2 alone."""
    tagged = cbor2.loads(data)
    assert isinstance(tagged, cbor2.CBORTag)
    assert tagged.tag == 18
    protected, _unprotected, payload, signature = tagged.value
    to_be_signed = cbor2.dumps(["Signature1", protected, b"", payload])
    return cbor2.loads(protected), to_be_signed, signature


def cose_sign1_verifies(data: bytes, point: bytes) -> bool:
    """An SM2 COSE_Sign1 (alg -48) over its Sig_structure, by gmssl and gmalg."""
    header, to_be_signed, signature = cose_sign1_parts(data)
    return header.get(1) == COSE_ALG_SM2 and both_verify(point, signature, to_be_signed)


def jws_header(compact: str) -> dict[str, Any]:
    header: dict[str, Any] = json.loads(b64url_decode(compact.split(".")[0]))
    return header


def jws_verifies(compact: str, point: bytes) -> bool:
    """A compact JWS with ``alg`` SM2 over its ASCII signing input, by gmssl and gmalg."""
    protected, payload, signature = compact.split(".")
    if jws_header(compact).get("alg") != "SM2":
        return False
    signing_input = f"{protected}.{payload}".encode("ascii")
    return both_verify(point, b64url_decode(signature), signing_input)
