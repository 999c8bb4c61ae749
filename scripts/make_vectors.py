"""Generate the QR credential test vectors in ``samples/vectors/`` (STYLE.md item 7).

One JSON file per case, every layer of one credential in it, as the EU
``dgc-testdata`` repository does (https://github.com/eu-digital-green-certificates/dgc-testdata):
claims, CWT, COSE_Sign1, zlib, Base45, the QR text, the signer's public key, the
trust entry, the validation clock and the expected verdict. ``samples/vectors/README.md``
describes the format.

The output is deterministic, so the committed files can be checked against the code:

* every key is a labelled TEST key derived from a fixed seed
  (``SHA-256("elicense test vector key <label>")``); no private key is written out;
* Ed25519 signatures are deterministic (RFC 8032 §5.1.6), and the one ES256 vector is
  signed with deterministic ECDSA (RFC 6979) through ``cryptography``'s
  ``deterministic_signing=True``; the one SM2 vector (国密, GB/T 32918.2 with SM3) with
  a k derived from the key and the digest (:func:`_sm2_deterministic_k`), signed by
  gmssl's ``CryptSM2.sign(e, k)``: here only, the service draws a fresh k every time;
* records are built by ``issuers.minting.build_record`` from ``samples/certificates.json``
  (and ``samples/vector_certificates.json`` for the types only bundles mint)
  and ``samples/issuers.json`` with a fixed clock and fixed serial numbers.

Usage::

    .venv/bin/python scripts/make_vectors.py           # (re)write samples/vectors/*.json
    .venv/bin/python scripts/make_vectors.py --check   # exit 1 if the files are stale

``tests/verifiers/test_vectors.py`` imports :func:`build_vectors` and :func:`render`
and fails when the committed files drift from what this script produces.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import hmac
import json
import sys
import zlib
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from issuers.catalogue import get_type
from issuers.catalogue.compact import codec_for
from issuers.clock import CHINA_STANDARD_TIME
from issuers.crypto import sm2
from issuers.crypto.keys import Algorithm, SigningKey, VerifyingKey
from issuers.formats import base45, cose_sign1, qr_envelope
from issuers.formats.cwt import ELICENCE, EXP, CredentialClaims
from issuers.minting import CertificateRecord, build_record, sign_qr
from issuers.registry import IssuerInfo
from wallet.server.demo import sample_issuers

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
VECTORS = SAMPLES / "vectors"

MINT_NOW = datetime(2026, 11, 1, 9, 30, tzinfo=CHINA_STANDARD_TIME)
VALIDATION_CLOCK = datetime(2026, 11, 2, 10, 0, tzinfo=CHINA_STANDARD_TIME)
QR_LIMIT_CHARS = qr_envelope.DEFAULT_LIMITS.max_text_chars
INFLATE_LIMIT = qr_envelope.DEFAULT_LIMITS.max_inflated_bytes
FILLER_CLAIM = ELICENCE - 1  # -65538: another private-use claim (RFC 8392 §4)
YEAR_10000 = 253402300800  # NumericDate of 10000-01-01T00:00:00Z

Vector = dict[str, Any]


# --- Labelled TEST keys ------------------------------------------------------------


def _seed(label: str) -> bytes:
    return hashlib.sha256(f"elicense test vector key {label}".encode()).digest()


def vector_key(label: str) -> SigningKey:
    """TEST ONLY: the Ed25519 key with this label (``"1"`` is the first sample issuer)."""
    return SigningKey.from_seed(_seed(label))


def vector_es256_key(label: str) -> SigningKey:
    """TEST ONLY: a P-256 key whose scalar is the label's seed reduced into [1, n - 1]."""
    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    scalar = int.from_bytes(_seed(label), "big") % (order - 1) + 1
    return SigningKey(Algorithm.ES256, ec.derive_private_key(scalar, ec.SECP256R1()))


def vector_sm2_key(label: str) -> SigningKey:
    """TEST ONLY: an SM2 key whose d is the label's seed reduced into [1, n - 2]."""
    d = int.from_bytes(_seed(label), "big") % (sm2.N - 2) + 1
    return SigningKey(Algorithm.SM2, sm2.Sm2PrivateKey(d))


def _es256_deterministic(data: bytes, key: SigningKey) -> bytes:
    """r || s (RFC 9053 §2.1) with the RFC 6979 nonce."""
    assert isinstance(key.key, ec.EllipticCurvePrivateKey)
    der = key.key.sign(data, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def _sm2_deterministic_k(d: int, e: bytes, counter: int) -> int:
    """k in [1, n - 1] from HMAC-SHA-256(d, counter || e): fixed for a key and digest, and
    secret as long as d is (the generator's keys are public TEST keys anyway)."""
    mac = hmac.new(d.to_bytes(32, "big"), bytes([counter]) + e, "sha256").digest()
    return int.from_bytes(mac, "big") % (sm2.N - 1) + 1


def _sm2_deterministic(data: bytes, key: SigningKey) -> bytes:
    """r || s over ``data`` (GB/T 32918.2 §6.1, the default user ID): e = SM3(Z_A || M)
    from :mod:`issuers.crypto.sm2`, signed by gmssl's ``CryptSM2.sign(e, k)`` with the
    k of :func:`_sm2_deterministic_k` (the next counter when gmssl refuses a k, §6.1 A5)."""
    from gmssl.sm2 import CryptSM2

    assert isinstance(key.key, sm2.Sm2PrivateKey)
    private = key.key
    e = sm2.message_digest(private.public, data, sm2.DEFAULT_USER_ID)
    crypt = CryptSM2(private_key=f"{private.d:064x}", public_key="")
    crypt.public_key = private.public.to_bytes().hex()  # after: the constructor strips "04"
    for counter in range(8):
        signed = crypt.sign(e, f"{_sm2_deterministic_k(private.d, e, counter):064x}")
        if signed is not None:
            return bytes.fromhex(signed)
    raise RuntimeError("no SM2 signature in 8 tries")  # pragma: no cover - p ≈ 2^-2000


_DETERMINISTIC = {Algorithm.ES256: _es256_deterministic, Algorithm.SM2: _sm2_deterministic}


def _sign_deterministic(payload: bytes, key: SigningKey) -> bytes:
    """COSE_Sign1 (RFC 9052 §4.2) built on cbor2, signed with a deterministic nonce.

    The same layout as :func:`issuers.formats.cose_sign1.sign` (``{1: alg, 4: kid}``
    protected, empty unprotected map, tag 18); only the nonce is deterministic.
    """
    kid = key.public.thumbprint
    protected = cbor2.dumps({1: key.alg.cose_id, 4: kid})
    to_be_signed = cbor2.dumps(["Signature1", protected, b"", payload])
    signature = _DETERMINISTIC[key.alg](to_be_signed, key)
    return cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature]))


# --- Sample data ---------------------------------------------------------------------


def _load(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text("utf-8"))


class _Samples:
    """The sample issuers, their TEST keys, and one sample certificate per type."""

    def __init__(self) -> None:
        self.issuers = {info.uscc: info for info in sample_issuers()}
        # Key label n belongs to the n-th issuer of samples/issuers.json.
        self.keys = {uscc: vector_key(str(n)) for n, uscc in enumerate(self.issuers, start=1)}
        # The first sample of each type (later ones, e.g. 李娜's ID card, are demo data).
        self.certificates: dict[str, Any] = {}
        # vector_certificates.json: types that only bundles mint (a newborn's 预防接种证),
        # kept out of the demo's seeded wallets; the vectors still cover every type.
        for item in _load("certificates.json") + _load("vector_certificates.json"):
            self.certificates.setdefault(item["type"], item)

    def record(
        self,
        slug: str,
        serial: int,
        *,
        issuer: IssuerInfo | None = None,
        valid_from: date | None = None,
    ) -> CertificateRecord:
        item = self.certificates[slug]
        return build_record(
            get_type(slug),
            issuer or self.issuers[item["issuer"]],
            item["fields"],
            serial=serial,
            now=MINT_NOW,
            valid_from=valid_from or date.fromisoformat(item["valid_from"]),
        )

    def issuer_of(self, slug: str) -> IssuerInfo:
        return self.issuers[self.certificates[slug]["issuer"]]


# --- Layers ----------------------------------------------------------------------------


def readable(value: Any) -> Any:
    """CBOR claims as JSON: map keys become strings, arrays lists; nothing else changes."""
    if isinstance(value, dict):
        return {str(k): readable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [readable(v) for v in value]
    if isinstance(value, str | int):  # bool is an int
        return value
    raise TypeError(f"no readable JSON form for {type(value).__name__}")


def _issuer_json(info: IssuerInfo) -> dict[str, Any]:
    return {
        "uscc": info.uscc,
        "name_zh": info.name_zh,
        "name_en": info.name_en,
        "region_code": info.region_code,
        "allowed_types": sorted(info.allowed_types),
    }


def _vector(
    description: str,
    *,
    slug: str,
    qr: str,
    signer: VerifyingKey,
    trusted: VerifyingKey,
    issuer: IssuerInfo,
    expected: dict[str, Any],
    clock: datetime = VALIDATION_CLOCK,
    base45_text: str | None = None,
    zlib_bytes: bytes | None = None,
    cose: bytes | None = None,
) -> Vector:
    """One file. A layer is None when it cannot be reached from ``qr`` (decoding stops
    earlier) or is too large to keep in git; ``description`` says which."""
    payload = None if cose is None else _payload_of(cose)
    return {
        "description": description,
        "type": slug,
        "validation_clock": clock.isoformat(),
        "claims": None if payload is None else readable(cbor2.loads(payload)),
        "cbor_hex": None if payload is None else payload.hex(),
        "cose_hex": None if cose is None else cose.hex(),
        "zlib_hex": None if zlib_bytes is None else zlib_bytes.hex(),
        "base45": base45_text,
        "qr": qr,
        "kid_hex": signer.thumbprint.hex(),
        "public_jwk": trusted.public_jwk(),
        "issuer": _issuer_json(issuer),
        "expected": expected,
    }


def _payload_of(cose: bytes) -> bytes:
    """The payload of a COSE_Sign1 read with cbor2 alone: the non-canonical cases are
    refused by ``cose_sign1.decode``, yet their layers are recorded."""
    message = cbor2.loads(cose)
    items = message.value if isinstance(message, cbor2.CBORTag) else message
    payload: bytes = items[2]
    return payload


def _layers(qr: str) -> dict[str, Any]:
    """Every layer of a well-formed QR text: Base45, zlib and COSE."""
    body = qr.split(":", 1)[1]
    compressed = base45.decode(body)
    return {"base45_text": body, "zlib_bytes": compressed, "cose": zlib.decompress(compressed)}


def _invalid(code: str) -> dict[str, Any]:
    return {"valid": False, "code": code}


def _resign(claims: CredentialClaims | bytes, key: SigningKey) -> str:
    payload = claims if isinstance(claims, bytes) else claims.to_cbor()
    return qr_envelope.wrap(cose_sign1.sign(payload, key, kid=key.public.thumbprint))


def _with_filler(record: CertificateRecord, filler: bytes) -> bytes:
    """The record's CWT claims plus one private-use claim holding ``filler``."""
    claims = cbor2.loads(record.claims().to_cbor())
    claims[FILLER_CLAIM] = filler
    return cbor2.dumps(claims)


def _incompressible(n: int) -> bytes:
    """``n`` bytes of a SHA-256 counter stream: fixed, and zlib cannot shrink it."""
    blocks = (hashlib.sha256(b"elicense filler %d" % i).digest() for i in range(n // 32 + 1))
    return b"".join(blocks)[:n]


# --- Cases -----------------------------------------------------------------------------


def _positive(s: _Samples, slug: str, serial: int) -> Vector:
    record = s.record(slug, serial)
    key = s.keys[record.issuer.uscc]
    qr = sign_qr(record, key)
    return _vector(
        f"A valid {record.type.name_en} ({record.type.name_zh}) issued by "
        f"{record.issuer.name_en}, Ed25519, minted with issuers.minting.sign_qr.",
        slug=slug,
        qr=qr,
        signer=key.public,
        trusted=key.public,
        issuer=record.issuer,
        expected={"valid": True, "type": slug, "identifier": record.identifier},
        **_layers(qr),
    )


def _positive_es256(s: _Samples) -> Vector:
    record = s.record("resident_id", 8)
    key = vector_es256_key("es256 1")
    cose = _sign_deterministic(record.claims().to_cbor(), key)
    qr = qr_envelope.wrap(cose)
    return _vector(
        "A valid Resident ID card signed with ES256 (P-256, deterministic RFC 6979 "
        "nonce so the file is reproducible). Signature is r || s, 64 bytes (RFC 9053 §2.1).",
        slug="resident_id",
        qr=qr,
        signer=key.public,
        trusted=key.public,
        issuer=record.issuer,
        expected={"valid": True, "type": "resident_id", "identifier": record.identifier},
        **_layers(qr),
    )


def _positive_sm2(s: _Samples) -> Vector:
    record = s.record("resident_id", 111)
    key = vector_sm2_key("sm2 1")
    cose = _sign_deterministic(record.claims().to_cbor(), key)
    qr = qr_envelope.wrap(cose)
    return _vector(
        "A valid Resident ID card signed with SM2 and SM3 (国密, GB/T 32918.2; COSE alg -48,"
        " JWK crv SM2), user ID 1234567812345678; k derived from the key and the digest so"
        " the file is reproducible. Signature is r || s, 64 bytes.",
        slug="resident_id",
        qr=qr,
        signer=key.public,
        trusted=key.public,
        issuer=record.issuer,
        expected={"valid": True, "type": "resident_id", "identifier": record.identifier},
        **_layers(qr),
    )


def _negatives(s: _Samples, base: Vector) -> dict[str, Vector]:
    """Negative cases; ``base`` is the valid_resident_id vector most of them start from."""
    psb = s.issuer_of("resident_id")
    psb_key = s.keys[psb.uscc]
    base_cose = bytes.fromhex(base["cose_hex"])
    base_zlib = bytes.fromhex(base["zlib_hex"])
    base_body = base["base45"]
    out: dict[str, Vector] = {}

    def derived(name: str, description: str, qr: str, code: str, **kw: Any) -> None:
        kw.setdefault("slug", "resident_id")
        kw.setdefault("signer", psb_key.public)
        kw.setdefault("trusted", psb_key.public)
        kw.setdefault("issuer", psb)
        out[name] = _vector(description, qr=qr, expected=_invalid(code), **kw)

    protected, _, payload, signature = cbor2.loads(base_cose).value
    flipped = bytearray(signature)
    flipped[7] ^= 0xFF
    cose = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, bytes(flipped)]))
    qr = qr_envelope.wrap(cose)
    derived(
        "tampered_signature",
        "valid_resident_id with byte 7 of the Ed25519 signature inverted, then re-wrapped.",
        qr,
        "signature_invalid",
        **_layers(qr),
    )

    claims = cbor2.loads(payload)
    claims[EXP] += 10 * 365 * 86400
    cose = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, cbor2.dumps(claims), signature]))
    qr = qr_envelope.wrap(cose)
    derived(
        "tampered_payload",
        "valid_resident_id with exp moved ten years later in the CWT; the original "
        "signature is kept.",
        qr,
        "signature_invalid",
        **_layers(qr),
    )

    rogue = vector_key("untrusted")
    qr = sign_qr(s.record("resident_id", 101), rogue)
    derived(
        "wrong_key",
        "A Resident ID signed by a key the verifier does not trust (TEST key "
        "'untrusted'), carrying that key's own kid; public_jwk is the issuer's real key.",
        qr,
        "unknown_key",
        signer=rogue.public,
        **_layers(qr),
    )

    permit = s.record("road_transport_permit", 102, valid_from=MINT_NOW.date() + timedelta(days=30))
    transport = permit.issuer
    transport_key = s.keys[transport.uscc]
    qr = sign_qr(permit, transport_key)
    derived(
        "not_yet_valid",
        "A road transport permit minted on 2026-11-01 that takes effect on 2026-12-01 "
        "(nbf), checked on 2026-11-02.",
        qr,
        "not_yet_valid",
        slug="road_transport_permit",
        signer=transport_key.public,
        trusted=transport_key.public,
        issuer=transport,
        **_layers(qr),
    )

    far = dataclasses.replace(s.record("resident_id", 109).claims(), not_before=YEAR_10000)
    qr = _resign(far, psb_key)
    derived(
        "not_yet_valid_far_future",
        f"A validly signed Resident ID with nbf {YEAR_10000} (10000-01-01T00:00Z), one "
        "second past what a Python datetime holds: a verifier must still answer "
        "not_yet_valid, not fail converting the date.",
        qr,
        "not_yet_valid",
        **_layers(qr),
    )

    record = s.record("road_transport_permit", 103)
    assert record.expires is not None
    qr = sign_qr(record, transport_key)
    derived(
        "expired",
        f"A road transport permit valid until {record.valid_until}, checked the day after its exp.",
        qr,
        "expired",
        clock=record.expires + timedelta(days=1, hours=10),
        slug="road_transport_permit",
        signer=transport_key.public,
        trusted=transport_key.public,
        issuer=transport,
        **_layers(qr),
    )

    cut = base_zlib[: len(base_zlib) // 2]
    body = base45.encode(cut)
    derived(
        "truncated",
        "valid_resident_id with the zlib stream cut to its first half and re-encoded: "
        "Base45 decodes, inflation stops before the end of the stream.",
        qr_envelope.PREFIX + body,
        "truncated",
        base45_text=body,
        zlib_bytes=cut,
    )

    filler = _incompressible(2900)
    qr = _resign(_with_filler(s.record("resident_id", 104), filler), psb_key)
    if len(qr) <= QR_LIMIT_CHARS:
        raise RuntimeError(f"oversized vector is only {len(qr)} characters")
    derived(
        "oversized",
        f"A signed Resident ID with {len(filler)} incompressible filler bytes in claim "
        f"{FILLER_CLAIM}: {len(qr)} characters, more than a version 40 QR code holds "
        f"({QR_LIMIT_CHARS}). Only qr is kept; the inner layers would only bloat git.",
        qr,
        "payload_too_large",
    )

    bomb = _with_filler(s.record("resident_id", 105), bytes(4 * INFLATE_LIMIT))
    cose = cose_sign1.sign(bomb, psb_key, kid=psb_key.public.thumbprint)
    qr = qr_envelope.wrap(cose)
    layers = _layers(qr)
    if len(layers["cose"]) <= INFLATE_LIMIT or len(qr) > QR_LIMIT_CHARS:
        raise RuntimeError("zlib_bomb must fit a QR code and inflate past the limit")
    derived(
        "zlib_bomb",
        f"A validly signed Resident ID with {4 * INFLATE_LIMIT} zero bytes in claim "
        f"{FILLER_CLAIM}: {len(qr)} characters that inflate to {len(layers['cose'])} bytes, "
        f"past the {INFLATE_LIMIT}-byte limit. cose_hex and below are left out (too large).",
        qr,
        "inflate_limit_exceeded",
        base45_text=layers["base45_text"],
        zlib_bytes=layers["zlib_bytes"],
    )

    body = base_body[:10] + "#" + base_body[11:]
    derived(
        "bad_base45",
        "valid_resident_id with Base45 character 10 replaced by '#', outside the "
        "RFC 9285 alphabet.",
        qr_envelope.PREFIX + body,
        "base45_invalid",
        base45_text=body,
    )

    derived(
        "unsupported_version",
        "valid_resident_id behind the prefix EL9: instead of EL1:.",
        "EL9:" + base_body,
        "unsupported_version",
        **_layers("EL9:" + base_body),
    )

    derived(
        "bad_prefix",
        "valid_resident_id behind the EU DCC prefix HC1:, which is not an elicense prefix.",
        "HC1:" + base_body,
        "malformed",
        **_layers("HC1:" + base_body),
    )

    body = base45.encode(base_cose)
    derived(
        "not_zlib",
        "valid_resident_id's COSE_Sign1 Base45-encoded without zlib: zlib_hex holds the "
        "raw COSE bytes, which are not a zlib stream.",
        qr_envelope.PREFIX + body,
        "compression_invalid",
        base45_text=body,
        zlib_bytes=base_cose,
    )

    allowed_marriage = dataclasses.replace(psb, allowed_types=psb.allowed_types | {"marriage"})
    qr = sign_qr(s.record("marriage", 106, issuer=allowed_marriage), psb_key)
    derived(
        "untrusted_issuer",
        f"A marriage certificate whose iss and identifier name {psb.name_en}, signed with "
        "that bureau's trusted key; the trust entry does not allow it to issue marriage.",
        qr,
        "untrusted_issuer",
        slug="marriage",
        **_layers(qr),
    )

    civil = s.issuer_of("marriage")
    qr = sign_qr(s.record("marriage", 107), psb_key)
    derived(
        "issuer_mismatch",
        f"A marriage certificate whose iss is {civil.name_en} ({civil.uscc}), signed with "
        f"the key of {psb.name_en}: the iss claim names another issuer than the key's.",
        qr,
        "untrusted_issuer",
        slug="marriage",
        **_layers(qr),
    )

    record = s.record("resident_id", 108)
    good = record.claims()
    id_key = codec_for(record.type.model).keys()["id_number"]
    bad_id = good.subject[:-1] + ("0" if good.subject[-1] != "0" else "1")
    fields = {**good.fields, id_key: bad_id}
    qr = _resign(dataclasses.replace(good, subject=bad_id, fields=fields), psb_key)
    derived(
        "claims_invalid",
        f"A validly signed Resident ID whose id_number (and sub) is {bad_id}: the GB 11643 "
        "check character is wrong, so the fields break the resident_id schema.",
        qr,
        "claims_invalid",
        **_layers(qr),
    )
    return out


def _bstr(data: bytes) -> bytes:
    """A byte string with its shortest head (RFC 8949 §4.2.1)."""
    return cbor2.dumps(data)


def _chunked(data: bytes) -> bytes:
    """The same bytes as an indefinite-length byte string of two chunks (RFC 8949 §3.2.3)."""
    return b"\x5f" + _bstr(data[:8]) + _bstr(data[8:]) + b"\xff"


def _reencodings(s: _Samples, base: Vector) -> dict[str, Vector]:
    """One credential, one encoding (issue 8): each case spells valid_resident_id's
    COSE_Sign1, or a payload its issuer signs, another way CBOR or COSE allows. The
    signature stays valid in every case; a verifier must answer ``malformed``."""
    psb = s.issuer_of("resident_id")
    key = s.keys[psb.uscc]
    protected, _, payload, signature = cbor2.loads(bytes.fromhex(base["cose_hex"])).value
    rogue_kid = vector_key("untrusted").public.thumbprint
    tail = _bstr(payload) + _bstr(signature)
    message = b"\xd2\x84" + _bstr(protected) + b"\xa0" + tail
    outer = {
        "trailing_cbor": (
            "valid_resident_id's COSE_Sign1 followed by one more CBOR item (0x00).",
            message + b"\x00",
        ),
        "untagged": ("valid_resident_id's COSE_Sign1 without its tag 18.", message[1:]),
        "indefinite_array": (
            "valid_resident_id's COSE_Sign1 array written with indefinite length (0x9f…0xff).",
            b"\xd2\x9f" + message[2:] + b"\xff",
        ),
        "indefinite_payload": (
            "valid_resident_id with its payload written as an indefinite-length byte "
            "string of two chunks: the same bytes, so the same signature.",
            message[: -len(tail)] + _chunked(payload) + _bstr(signature),
        ),
        "long_length_head": (
            "valid_resident_id with the payload's length in a 4-byte head (0x5a) where "
            "a 2-byte head (0x59) is the shortest.",
            message[: -len(tail)]
            + b"\x5a"
            + len(payload).to_bytes(4, "big")
            + payload
            + _bstr(signature),
        ),
        "unprotected_alg": (
            "valid_resident_id with alg -7 (ES256) in the unprotected header, contradicting "
            "the protected -8 (EdDSA).",
            b"\xd2\x84" + _bstr(protected) + cbor2.dumps({1: -7}) + tail,
        ),
        "unprotected_kid": (
            "valid_resident_id with an extra kid in the unprotected header (the TEST key "
            "'untrusted''s thumbprint).",
            b"\xd2\x84" + _bstr(protected) + cbor2.dumps({4: rogue_kid}) + tail,
        ),
    }
    out: dict[str, Vector] = {}
    for name, (description, cose) in outer.items():
        qr = qr_envelope.wrap(cose)
        out[name] = _vector(
            description + " Only one encoding is accepted.",
            slug="resident_id",
            qr=qr,
            signer=key.public,
            trusted=key.public,
            issuer=psb,
            expected=_invalid("malformed"),
            **_layers(qr),
        )

    claims = cbor2.loads(s.record("resident_id", 110).claims().to_cbor())
    items = b"".join(cbor2.dumps(k) + cbor2.dumps(v) for k, v in claims.items())
    later = cbor2.dumps(EXP) + cbor2.dumps(YEAR_10000 - 1)
    signed = {
        "indefinite_claims": (
            "A Resident ID whose CWT claims map has indefinite length (0xbf…0xff), "
            "validly signed by its issuer.",
            b"\xbf" + items + b"\xff",
        ),
        "duplicate_claim": (
            f"A Resident ID whose CWT claims carry exp twice, {YEAR_10000 - 1} first and "
            "the real one last, validly signed by its issuer: decoders that keep the first "
            "and those that keep the last would disagree.",
            bytes([0xA0 | len(claims) + 1]) + later + items,
        ),
    }
    for name, (description, cwt) in signed.items():
        qr = _resign(cwt, key)
        out[name] = _vector(
            description,
            slug="resident_id",
            qr=qr,
            signer=key.public,
            trusted=key.public,
            issuer=psb,
            expected=_invalid("malformed"),
            **_layers(qr),
        )
    return out


def build_vectors() -> dict[str, Vector]:
    """Every vector, by file stem. Pure: same code and samples, same output."""
    s = _Samples()
    vectors: dict[str, Vector] = {}
    slugs = list(s.certificates)
    for serial, slug in enumerate(slugs, start=1):
        vectors[f"valid_{slug}"] = _positive(s, slug, serial)
    vectors["valid_es256_resident_id"] = _positive_es256(s)
    vectors["valid_sm2_resident_id"] = _positive_sm2(s)
    vectors.update(_negatives(s, vectors["valid_resident_id"]))
    vectors.update(_reencodings(s, vectors["valid_resident_id"]))
    return vectors


def render(vector: Vector) -> str:
    """The exact file text of one vector."""
    return json.dumps(vector, ensure_ascii=False, indent=2) + "\n"


def write(directory: Path = VECTORS, log: Callable[[str], None] = print) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    vectors = build_vectors()
    for stale in sorted(set(p.stem for p in directory.glob("*.json")) - set(vectors)):
        (directory / f"{stale}.json").unlink()
        log(f"removed {stale}.json")
    for name, vector in vectors.items():
        (directory / f"{name}.json").write_text(render(vector), "utf-8")
    log(f"wrote {len(vectors)} vectors to {directory}")


def check(directory: Path = VECTORS) -> list[str]:
    """Names of files that are missing, stale or different from what the code produces."""
    vectors = build_vectors()
    on_disk = {p.stem for p in directory.glob("*.json")}
    problems = sorted(on_disk - set(vectors))
    for name, vector in vectors.items():
        path = directory / f"{name}.json"
        if not path.exists() or path.read_text("utf-8") != render(vector):
            problems.append(name)
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        for name in problems:
            print(f"stale: {name}.json", file=sys.stderr)
        return 1 if problems else 0
    write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
