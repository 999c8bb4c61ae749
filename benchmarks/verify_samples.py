"""The credentials the verification benchmarks verify: a pool of distinct ones.

Synthetic: the demo's resident ID card fields (a synthetic person), one issuer key
made from a fixed seed (TEST ONLY), serials 1..n, and a holder key per credential,
each shown as a live presentation at :data:`NOW`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric import ed25519

from issuers.catalogue import get_type
from issuers.crypto.keys import SigningKey
from issuers.formats import cose_sign1, qr_envelope
from issuers.formats import presentation as presentation_format
from issuers.minting import build_record, sign_qr
from issuers.registry import StaticKeyResolver, TrustedKey
from wallet.server import demo

NOW = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
TYPE_SLUG = "resident_id"


@dataclass(frozen=True, slots=True)
class Signed:
    """One signature as the floor checks it: cryptography's key, the signature, the
    bytes signed (the COSE Sig_structure)."""

    key: ed25519.Ed25519PublicKey
    signature: bytes
    signed: bytes


@dataclass(frozen=True)
class Pool:
    qrs: list[str]  # EL1: credentials
    signed: list[Signed]  # their issuer signatures
    presentations: list[str]  # ELP1: live codes, one per credential, each its own holder
    presentation_signed: list[tuple[Signed, Signed]]  # issuer and holder signatures
    resolver: StaticKeyResolver
    issuer_public_raw: bytes


def issuer_key() -> SigningKey:
    return SigningKey.from_seed(hashlib.sha256(b"elicense benchmark key (TEST ONLY)").digest())


def make_pool(size: int) -> Pool:
    key = issuer_key()
    issuers = {i.uscc: i for i in demo.sample_issuers()}
    item = next(c for c in demo.load_json("certificates.json") if c["type"] == TYPE_SLUG)
    issuer = issuers[item["issuer"]]
    certificate_type = get_type(TYPE_SLUG)
    public = key.public.key
    assert isinstance(public, ed25519.Ed25519PublicKey)
    qrs, signed, presentations, pairs = [], [], [], []
    for serial in range(1, size + 1):
        holder = SigningKey.generate()
        record = build_record(
            certificate_type,
            issuer,
            item["fields"],
            serial=serial,
            now=NOW - timedelta(days=1),
            holder_key=holder.public,
        )
        qr = sign_qr(record, key)
        live = presentation_format.present(qr, holder, now=NOW)
        holder_public = holder.public.key
        assert isinstance(holder_public, ed25519.Ed25519PublicKey)
        issuer_signed = _signed(public, qr_envelope.unwrap(qr))
        qrs.append(qr)
        signed.append(issuer_signed)
        presentations.append(live)
        shown = qr_envelope.unwrap(live, prefix=presentation_format.PREFIX)
        pairs.append((issuer_signed, _signed(holder_public, shown)))
    return Pool(
        qrs,
        signed,
        presentations,
        pairs,
        StaticKeyResolver([TrustedKey(key.public, issuer)]),
        public.public_bytes_raw(),
    )


def _signed(key: ed25519.Ed25519PublicKey, cose: bytes) -> Signed:
    message = cose_sign1.decode(cose)
    return Signed(key, message.signature, message.to_be_signed())
