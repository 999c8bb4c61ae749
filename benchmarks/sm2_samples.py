"""The credentials the SM2 benchmark verifies: a pool of distinct ones, each signed twice.

Synthetic: the demo's resident ID card fields (a synthetic person), serials 1..n, an
SM2 holder key per credential (cnf), one SM2 issuer key made for the run, and the same
record signed again by the verify suite's Ed25519 benchmark key (TEST ONLY), so the
Ed25519 floor checks a signature over a Sig_structure of the same length. Beside each
credential: its SM2 signature as each raw verifier takes it (``r ‖ s`` for
:mod:`issuers.crypto.sm2`, DER for tongsuopy, hex for gmssl).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from benchmarks.verify_samples import NOW, TYPE_SLUG, Signed, issuer_key
from issuers.catalogue import get_type
from issuers.crypto import sm2
from issuers.crypto.keys import Algorithm, SigningKey
from issuers.formats import cose_sign1, qr_envelope
from issuers.minting import build_record, sign_qr
from issuers.registry import StaticKeyResolver, TrustedKey
from wallet.server import demo

__all__ = ["NOW", "Sm2Pool", "Sm2Signed", "gmssl_items", "make_sm2_pool", "tongsuopy_items"]


@dataclass(frozen=True, slots=True)
class Sm2Signed:
    """One SM2 signature as :mod:`issuers.crypto.sm2` checks it: the key, ``r ‖ s``,
    the bytes signed (the COSE Sig_structure)."""

    key: sm2.Sm2PublicKey
    signature: bytes
    signed: bytes


@dataclass(frozen=True)
class Sm2Pool:
    qrs: list[str]  # EL1: credentials signed by the SM2 issuer key
    ed25519_qrs: list[str]  # the same records signed by the Ed25519 key
    signed: list[Sm2Signed]  # the SM2 issuer signatures
    ed25519_signed: list[Signed]  # the Ed25519 ones
    resolver: StaticKeyResolver  # trusts both issuer keys


def make_sm2_pool(size: int) -> Sm2Pool:
    """``size`` credentials; SM2 signing and key making go through the backend in use."""
    key, twin = SigningKey.generate(Algorithm.SM2), issuer_key()
    public, twin_public = key.public.key, twin.public.key
    assert isinstance(public, sm2.Sm2PublicKey)
    assert isinstance(twin_public, ed25519.Ed25519PublicKey)
    issuers = {i.uscc: i for i in demo.sample_issuers()}
    item = next(c for c in demo.load_json("certificates.json") if c["type"] == TYPE_SLUG)
    issuer = issuers[item["issuer"]]
    certificate_type = get_type(TYPE_SLUG)
    trusted = [TrustedKey(key.public, issuer), TrustedKey(twin.public, issuer)]
    pool = Sm2Pool([], [], [], [], StaticKeyResolver(trusted))
    for serial in range(1, size + 1):
        record = build_record(
            certificate_type,
            issuer,
            item["fields"],
            serial=serial,
            now=NOW - timedelta(days=1),
            holder_key=SigningKey.generate(Algorithm.SM2).public,
        )
        qr, twin_qr = sign_qr(record, key), sign_qr(record, twin)
        pool.qrs.append(qr)
        pool.ed25519_qrs.append(twin_qr)
        message = cose_sign1.decode(qr_envelope.unwrap(qr))
        pool.signed.append(Sm2Signed(public, message.signature, message.to_be_signed()))
        message = cose_sign1.decode(qr_envelope.unwrap(twin_qr))
        pool.ed25519_signed.append(Signed(twin_public, message.signature, message.to_be_signed()))
    return pool


def tongsuopy_items(signed: list[Sm2Signed]) -> list[tuple[Any, bytes, bytes]]:
    """(tongsuopy public key, DER signature, the bytes signed): what tongsuopy's own
    ``verify(signature, data, ECDSA(SM3()))`` takes; one key object per issuer key."""
    from tongsuopy.crypto.asymciphers import ec
    from tongsuopy.crypto.asymciphers.utils import encode_dss_signature

    natives: dict[sm2.Sm2PublicKey, Any] = {}
    items = []
    for s in signed:
        if s.key not in natives:
            natives[s.key] = ec.EllipticCurvePublicNumbers(s.key.x, s.key.y, ec.SM2()).public_key()
        r = int.from_bytes(s.signature[:32], "big")
        der = encode_dss_signature(r, int.from_bytes(s.signature[32:], "big"))
        items.append((natives[s.key], der, s.signed))
    return items


def gmssl_items(signed: list[Sm2Signed]) -> list[tuple[Any, str, bytes]]:
    """(gmssl CryptSM2 holding the public key, hex r ‖ s, the bytes signed): what
    gmssl's own ``verify_with_sm3`` takes (it uses the default user ID)."""
    from gmssl import sm2 as gmssl_sm2

    crypts: dict[sm2.Sm2PublicKey, Any] = {}
    items = []
    for s in signed:
        if s.key not in crypts:
            crypt = gmssl_sm2.CryptSM2(private_key="", public_key="")
            crypt.public_key = s.key.to_bytes().hex()  # set after: its constructor strips "04"
            crypts[s.key] = crypt
        items.append((crypts[s.key], s.signature.hex(), s.signed))
    return items
