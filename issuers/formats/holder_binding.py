"""Holder binding: the ``cnf`` claim of RFC 8747 (https://www.rfc-editor.org/rfc/rfc8747).

RFC 8747 §3.2: "The COSE_Key member is used when the proof-of-possession key is
represented as a COSE_Key ... ``cnf = { 1: COSE_Key }``". The COSE_Key is RFC 9052 §7
(https://www.rfc-editor.org/rfc/rfc9052#section-7) with the key type parameters of
RFC 9053 §7.1 (EC2) and §7.2 (OKP):

======================  ====  ======  ==========================================
key type                kty   crv     further parameters
======================  ====  ======  ==========================================
OKP, Ed25519 (EdDSA)    1     6       -2 ``x`` (32 bytes)
EC2, P-256 (ES256)      2     1       -2 ``x`` (32 bytes), -3 ``y``: the sign bit
EC2, SM2 (国密 SM2)     2     -65537  -2 ``x`` (32 bytes), -3 ``y``: the sign bit
======================  ====  ======  ==========================================

The SM2 curve has no value in IANA's COSE Elliptic Curves registry (the draft
draft-dang-webauthn-sm2 expired unregistered), so it takes the private-use value -65537
(RFC 9053 §11.3: "Integer values less than -65536"). A COSE_Key that names its ``alg`` uses -48,
SM2's COSE algorithm in :mod:`issuers.crypto.keys`.

RFC 9053 §7.1.1: ``y`` "contains either the sign bit or the value of the
y-coordinate, depending on whether point compression is used". We write the
compressed form (``y`` = true when the y-coordinate is odd, as SEC 1's ``0x03``
prefix): 32 bytes less in a QR that holds 970 characters. Both forms are read.

``crv`` is label -1. Only the public key is ever written; the holder proves possession
of the private half by signing a dynamic presentation (:mod:`.presentation`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import cbor2
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from issuers.crypto import sm2
from issuers.crypto.keys import Algorithm, VerifyingKey
from issuers.errors import ClaimsInvalid, HolderBindingMissing, InvalidInput

CNF_COSE_KEY = 1  # RFC 8747 §3.1: 1 COSE_Key, 2 Encrypted_COSE_Key, 3 kid
KTY, ALG, CRV, X, Y = 1, 3, -1, -2, -3
KTY_OKP, KTY_EC2 = 1, 2
CRV_P256, CRV_ED25519 = 1, 6
CRV_SM2 = -65537  # private use: no registered value (see above)
_MAPS = (dict, cbor2.frozendict)


def confirmation_for(key: VerifyingKey) -> dict[int, Any]:
    """``{1: COSE_Key}`` for ``key``: the value of the ``cnf`` claim (RFC 8747 §3.2)."""
    if isinstance(key.key, ed25519.Ed25519PublicKey):
        raw = key.key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        cose_key: dict[int, Any] = {KTY: KTY_OKP, CRV: CRV_ED25519, X: raw}
    elif isinstance(key.key, sm2.Sm2PublicKey):
        cose_key = {
            KTY: KTY_EC2,
            CRV: CRV_SM2,
            X: key.key.x.to_bytes(32, "big"),
            Y: bool(key.key.y & 1),
        }
    else:
        numbers = key.key.public_numbers()
        cose_key = {
            KTY: KTY_EC2,
            CRV: CRV_P256,
            X: numbers.x.to_bytes(32, "big"),
            Y: bool(numbers.y & 1),
        }
    return {CNF_COSE_KEY: cose_key}


def holder_key_from(confirmation: Mapping[Any, Any] | None) -> VerifyingKey:
    """The holder's public key named by a ``cnf`` claim value.

    Raises :class:`HolderBindingMissing` when there is no ``cnf`` or it carries no
    COSE_Key (an encrypted key or a bare ``kid`` binds nothing a verifier can check
    offline), and :class:`ClaimsInvalid` when the COSE_Key is there but unusable.
    """
    if confirmation is None:
        raise HolderBindingMissing("the credential binds no holder key (no cnf claim)")
    if type(confirmation) not in _MAPS:
        raise ClaimsInvalid("cnf must be a map")
    cose_key = confirmation.get(CNF_COSE_KEY)
    if cose_key is None:
        raise HolderBindingMissing("the cnf claim carries no COSE_Key (RFC 8747 §3.2)")
    if type(cose_key) not in _MAPS:
        raise ClaimsInvalid("cnf COSE_Key must be a map")
    kty, crv = cose_key.get(KTY), cose_key.get(CRV)
    if kty == KTY_OKP and crv == CRV_ED25519 and type(kty) is int and type(crv) is int:
        _expect_alg(cose_key, Algorithm.EDDSA)
        try:
            okp = ed25519.Ed25519PublicKey.from_public_bytes(_coordinate(cose_key, X, "x"))
        except ValueError:
            raise ClaimsInvalid("cnf COSE_Key is not an Ed25519 public key") from None
        return VerifyingKey(Algorithm.EDDSA, okp)
    if kty == KTY_EC2 and crv == CRV_P256 and type(kty) is int and type(crv) is int:
        _expect_alg(cose_key, Algorithm.ES256)
        x = _coordinate(cose_key, X, "x")
        y = cose_key.get(Y)
        if type(y) is bool:  # SEC 1 §2.3.3 compressed point
            point = (b"\x03" if y else b"\x02") + x
        else:
            point = b"\x04" + x + _coordinate(cose_key, Y, "y")
        try:
            public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        except ValueError:
            raise ClaimsInvalid("cnf COSE_Key is not a point on P-256") from None
        return VerifyingKey(Algorithm.ES256, public)
    if kty == KTY_EC2 and crv == CRV_SM2 and type(kty) is int and type(crv) is int:
        _expect_alg(cose_key, Algorithm.SM2)
        x = _coordinate(cose_key, X, "x")
        y = cose_key.get(Y)
        try:
            if type(y) is bool:
                sm2_point = sm2.Sm2PublicKey.from_compressed(x, y)
            else:
                sm2_point = sm2.Sm2PublicKey.from_bytes(x + _coordinate(cose_key, Y, "y"))
        except InvalidInput:
            raise ClaimsInvalid("cnf COSE_Key is not a point on the SM2 curve") from None
        return VerifyingKey(Algorithm.SM2, sm2_point)
    raise ClaimsInvalid(f"unsupported cnf COSE_Key kty={kty!r} crv={crv!r}")


def _coordinate(cose_key: Mapping[Any, Any], label: int, name: str) -> bytes:
    value = cose_key.get(label)
    if type(value) is not bytes or len(value) != 32:
        raise ClaimsInvalid(f"cnf COSE_Key {name} must be a 32-byte string")
    return value


def _expect_alg(cose_key: Mapping[Any, Any], alg: Algorithm) -> None:
    """RFC 9052 §7.1: ``alg``, when present, restricts the key to that algorithm."""
    if ALG in cose_key and (type(cose_key[ALG]) is not int or cose_key[ALG] != alg.cose_id):
        raise ClaimsInvalid(f"cnf COSE_Key alg {cose_key[ALG]!r} does not fit its key type")
