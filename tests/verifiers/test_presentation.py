"""Dynamic presentation (亮证): a holder-signed, short-lived QR over the issuer credential."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import cbor2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from issuers.catalogue import get_type
from issuers.crypto.keys import Algorithm, SigningKey
from issuers.errors import (
    ClaimsInvalid,
    HolderBindingMissing,
    HolderSignatureInvalid,
    InvalidInput,
    Malformed,
    NonceMismatch,
    PayloadTooLarge,
    PresentationStale,
    Replayed,
    SignatureInvalid,
)
from issuers.formats import base45, cose_sign1, qr_envelope
from issuers.formats import presentation as fmt
from issuers.formats.holder_binding import confirmation_for, holder_key_from
from issuers.formats.qr_image import qr_matrix
from issuers.minting import build_record, sign_qr
from issuers.registry import StaticKeyResolver, TrustedKey
from verifiers.presentation import MemoryReplayGuard, verify_any, verify_presentation
from verifiers.qr import verify_qr
from wallet.server import demo

NOW = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
SAMPLES: list[dict[str, Any]] = demo.load_json("certificates.json")
TYPES = sorted({item["type"] for item in SAMPLES})


@dataclass(frozen=True)
class Minted:
    qr: str
    issuer_key: SigningKey
    holder_key: SigningKey
    keys: StaticKeyResolver


def mint(
    type_slug: str = "resident_id",
    *,
    issuer_alg: Algorithm = Algorithm.EDDSA,
    holder_alg: Algorithm = Algorithm.EDDSA,
    bind: bool = True,
) -> Minted:
    issuers = {i.uscc: i for i in demo.sample_issuers()}
    item = next(c for c in SAMPLES if c["type"] == type_slug)
    issuer = issuers[item["issuer"]]
    issuer_key, holder_key = SigningKey.generate(issuer_alg), SigningKey.generate(holder_alg)
    record = build_record(
        get_type(type_slug),
        issuer,
        item["fields"],
        serial=7,
        now=NOW - timedelta(days=1),
        holder_key=holder_key.public if bind else None,
    )
    keys = StaticKeyResolver([TrustedKey(issuer_key.public, issuer)])
    return Minted(sign_qr(record, issuer_key), issuer_key, holder_key, keys)


def forge(
    minted: Minted,
    payload: dict[int, Any],
    key: SigningKey | None = None,
    kid: bytes | None = None,
) -> str:
    """A presentation built by hand, past present()'s own refusals. Its kid is the
    signer's thumbprint (the form a verifier accepts besides the empty kid)."""
    key = key or minted.holder_key
    cose = cose_sign1.sign(
        cbor2.dumps(payload),
        key,
        kid=key.public.thumbprint if kid is None else kid,
        extra_protected={fmt.HEADER_CONTENT_TYPE: fmt.CONTENT_TYPE},
    )
    return qr_envelope.wrap(cose, fmt.PREFIX)


@pytest.mark.parametrize("alg", list(Algorithm), ids=lambda a: a.value)
def test_cnf_round_trips_as_an_rfc_8747_cose_key(alg: Algorithm) -> None:
    key = SigningKey.generate(alg).public
    cnf = confirmation_for(key)
    assert set(cnf) == {1}
    kty_crv = {Algorithm.EDDSA: (1, 6), Algorithm.ES256: (2, 1), Algorithm.SM2: (2, -65537)}
    assert (cnf[1][1], cnf[1][-1]) == kty_crv[alg]  # OKP Ed25519, EC2 P-256, EC2 SM2
    decoded = cbor2.loads(cbor2.dumps(cnf))
    assert holder_key_from(decoded).thumbprint == key.thumbprint


def test_an_uncompressed_p256_cose_key_is_read_too() -> None:
    key = SigningKey.generate(Algorithm.ES256).public
    assert isinstance(key.key, ec.EllipticCurvePublicKey)
    y = key.key.public_numbers().y.to_bytes(32, "big")
    cnf = {1: {**confirmation_for(key)[1], -3: y}}
    assert holder_key_from(cnf).thumbprint == key.thumbprint


@pytest.mark.parametrize(
    ("cnf", "error"),
    [
        (None, HolderBindingMissing),
        ({3: b"kid-only"}, HolderBindingMissing),
        ({1: "not a map"}, ClaimsInvalid),
        ({1: {1: 1, -1: 6, -2: b"short"}}, ClaimsInvalid),
        ({1: {1: 2, -1: 1, -2: b"\xff" * 32, -3: True}}, ClaimsInvalid),  # not on the curve
        ({1: {1: 1, -1: 6, -2: b"\x01" * 32, 3: -7}}, ClaimsInvalid),  # alg of another kty
        ({1: {1: True, -1: 6, -2: b"\x01" * 32}}, ClaimsInvalid),
        ({1: {1: 3, -1: 1, -2: b"\x01" * 32}}, ClaimsInvalid),
    ],
    ids=["none", "kid-only", "key-not-map", "short-x", "off-curve", "wrong-alg", "bool-kty", "rsa"],
)
def test_malformed_cnf_gets_a_typed_error(cnf: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        holder_key_from(cnf)


def test_a_credential_without_holder_key_has_no_cnf_as_before() -> None:
    minted = mint(bind=False)
    assert verify_qr(minted.qr, keys=minted.keys, now=NOW).confirmation is None


@pytest.mark.parametrize("holder_alg", list(Algorithm), ids=lambda a: a.value)
def test_round_trip(holder_alg: Algorithm) -> None:
    minted = mint(holder_alg=holder_alg)
    text = fmt.present(minted.qr, minted.holder_key, now=NOW)
    assert text.startswith("ELP1:")
    shown = verify_presentation(text, keys=minted.keys, now=NOW + timedelta(seconds=5))
    assert shown.kind == "dynamic"
    assert shown.credential.type_slug == "resident_id"
    assert shown.presented_at == NOW
    assert shown.expires_at == NOW + timedelta(seconds=60)
    assert shown.holder_kid == minted.holder_key.public.kid


def test_a_static_credential_with_cnf_still_verifies_and_reads_static() -> None:
    minted = mint()
    assert verify_qr(minted.qr, keys=minted.keys, now=NOW).type_slug == "resident_id"
    assert verify_any(minted.qr, keys=minted.keys, now=NOW).kind == "static"
    text = fmt.present(minted.qr, minted.holder_key, now=NOW)
    assert verify_any(text, keys=minted.keys, now=NOW).kind == "dynamic"
    with pytest.raises(NonceMismatch):
        verify_any(minted.qr, keys=minted.keys, now=NOW, expected_nonce=b"n" * 16)


def test_screenshot_after_lifetime_plus_skew_is_stale() -> None:
    minted = mint()
    text = fmt.present(minted.qr, minted.holder_key, now=NOW)
    later = NOW + timedelta(seconds=61) + timedelta(seconds=30)
    with pytest.raises(PresentationStale):
        verify_presentation(text, keys=minted.keys, now=later)


@pytest.mark.parametrize("offset", [-30, 0, 60, 90], ids=lambda s: f"{s:+}s")
def test_within_skew_is_valid(offset: int) -> None:
    minted = mint()
    text = fmt.present(minted.qr, minted.holder_key, now=NOW)
    shown = verify_presentation(text, keys=minted.keys, now=NOW + timedelta(seconds=offset))
    assert shown.kind == "dynamic"


def test_dated_beyond_skew_in_the_future_is_stale() -> None:
    minted = mint()
    text = fmt.present(minted.qr, minted.holder_key, now=NOW + timedelta(seconds=31))
    with pytest.raises(PresentationStale):
        verify_presentation(text, keys=minted.keys, now=NOW)


def test_signed_by_another_key_is_refused() -> None:
    minted = mint()
    iat = int(NOW.timestamp())
    payload = {1: qr_envelope.unwrap(minted.qr), 2: iat, 3: iat + 60}
    for other in (SigningKey.generate(), SigningKey.generate(Algorithm.ES256)):
        with pytest.raises(HolderSignatureInvalid):
            verify_presentation(forge(minted, payload, other), keys=minted.keys, now=NOW)
    # The holder's kid, but a signature by someone else.
    good = cose_sign1.decode(qr_envelope.unwrap(forge(minted, payload), prefix=fmt.PREFIX))
    intruder = SigningKey.generate()
    swapped = cbor2.dumps(
        cbor2.CBORTag(18, [good.protected_raw, {}, good.payload, intruder.sign(b"x")])
    )
    with pytest.raises(HolderSignatureInvalid):
        verify_presentation(qr_envelope.wrap(swapped, fmt.PREFIX), keys=minted.keys, now=NOW)


def test_the_kid_is_empty_or_the_holder_keys_thumbprint_and_nothing_else() -> None:
    minted = mint()
    iat = int(NOW.timestamp())
    payload = {1: qr_envelope.unwrap(minted.qr), 2: iat, 3: iat + 60}
    for kid in (b"", minted.holder_key.public.thumbprint):
        shown = verify_presentation(forge(minted, payload, kid=kid), keys=minted.keys, now=NOW)
        assert shown.kind == "dynamic"
    for kid in (b"x", SigningKey.generate().public.thumbprint):
        with pytest.raises(HolderSignatureInvalid):
            verify_presentation(forge(minted, payload, kid=kid), keys=minted.keys, now=NOW)


def test_the_holder_side_refuses_a_key_the_credential_does_not_bind() -> None:
    minted = mint()
    with pytest.raises(InvalidInput):
        fmt.present(minted.qr, SigningKey.generate(), now=NOW)


def test_a_credential_without_cnf_cannot_be_presented() -> None:
    minted = mint(bind=False)
    with pytest.raises(HolderBindingMissing):
        fmt.present(minted.qr, minted.holder_key, now=NOW)
    iat = int(NOW.timestamp())
    text = forge(minted, {1: qr_envelope.unwrap(minted.qr), 2: iat, 3: iat + 60})
    with pytest.raises(HolderBindingMissing):
        verify_presentation(text, keys=minted.keys, now=NOW)


def test_tampered_inner_credential_fails_the_issuer_signature() -> None:
    minted = mint()
    inner = bytearray(qr_envelope.unwrap(minted.qr))
    inner[-70] ^= 0x01  # inside the signed payload, just before the signature
    iat = int(NOW.timestamp())
    text = forge(minted, {1: bytes(inner), 2: iat, 3: iat + 60})
    with pytest.raises(SignatureInvalid):
        verify_presentation(text, keys=minted.keys, now=NOW)


def test_nonce_required_and_wrong_or_missing() -> None:
    minted = mint()
    nonce = bytes(range(16))
    text = fmt.present(minted.qr, minted.holder_key, now=NOW, nonce=nonce)
    assert verify_presentation(text, keys=minted.keys, now=NOW, expected_nonce=nonce)
    with pytest.raises(NonceMismatch):
        verify_presentation(text, keys=minted.keys, now=NOW, expected_nonce=b"\x00" * 16)
    bare = fmt.present(minted.qr, minted.holder_key, now=NOW)
    with pytest.raises(NonceMismatch):
        verify_presentation(bare, keys=minted.keys, now=NOW, expected_nonce=nonce)


def test_second_scan_is_replayed() -> None:
    minted = mint()
    guard = MemoryReplayGuard(clock=lambda: NOW)
    text = fmt.present(minted.qr, minted.holder_key, now=NOW)
    verify_presentation(text, keys=minted.keys, now=NOW, replay=guard)
    with pytest.raises(Replayed):
        verify_presentation(text, keys=minted.keys, now=NOW, replay=guard)
    # A refreshed code (new iat) is a new presentation.
    fresh = fmt.present(minted.qr, minted.holder_key, now=NOW + timedelta(seconds=1))
    verify_presentation(fresh, keys=minted.keys, now=NOW, replay=guard)


def test_eight_threads_scanning_one_token_yield_exactly_one_success() -> None:
    minted = mint()
    guard = MemoryReplayGuard(clock=lambda: NOW)
    text = fmt.present(minted.qr, minted.holder_key, now=NOW)
    barrier = threading.Barrier(8)
    outcomes: list[str] = []
    lock = threading.Lock()

    def scan() -> None:
        barrier.wait()
        try:
            verify_presentation(text, keys=minted.keys, now=NOW, replay=guard)
            outcome = "ok"
        except Replayed:
            outcome = "replayed"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=scan) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok"] + ["replayed"] * 7


def test_replay_guard_forgets_expired_entries_and_stays_bounded() -> None:
    clock = [NOW]
    guard = MemoryReplayGuard(max_entries=3, clock=lambda: clock[0])
    assert not guard.seen(b"a", NOW + timedelta(seconds=10))
    assert guard.seen(b"a", NOW + timedelta(seconds=10))
    for token in (b"b", b"c", b"d", b"e"):
        assert not guard.seen(token, NOW + timedelta(seconds=20))
    assert len(guard) == 3
    clock[0] = NOW + timedelta(seconds=21)
    assert not guard.seen(b"f", NOW + timedelta(seconds=30))
    assert len(guard) == 1


def test_the_holder_side_refuses_an_oversized_nonce() -> None:
    minted = mint()
    with pytest.raises(InvalidInput):
        fmt.present(minted.qr, minted.holder_key, now=NOW, nonce=b"n" * 17)


def test_a_long_lived_presentation_is_refused() -> None:
    minted = mint()
    with pytest.raises(InvalidInput):
        fmt.present(minted.qr, minted.holder_key, now=NOW, lifetime=timedelta(hours=1))
    iat = int(NOW.timestamp())
    text = forge(minted, {1: qr_envelope.unwrap(minted.qr), 2: iat, 3: iat + 24 * 3600})
    with pytest.raises(PresentationStale):
        verify_presentation(text, keys=minted.keys, now=NOW)


@pytest.mark.parametrize(
    "payload",
    [
        {2: 0, 3: 60},
        {1: b"", 2: 60, 3: 60},
        {1: b"", 2: 0, 3: 60, 4: "text"},
        {1: b"", 2: 0, 3: 60, 9: 1},
    ],
    ids=["no-credential", "exp-not-after-iat", "nonce-not-bytes", "unknown-member"],
)
def test_malformed_presentation_payloads(payload: dict[int, Any]) -> None:
    minted = mint()
    with pytest.raises(Malformed):
        verify_presentation(forge(minted, payload), keys=minted.keys, now=NOW)


def test_far_dates_get_a_typed_verdict_not_a_crash() -> None:
    minted = mint()
    text = forge(minted, {1: qr_envelope.unwrap(minted.qr), 2: -(2**62), 3: -(2**62) + 60})
    with pytest.raises(PresentationStale):
        verify_presentation(text, keys=minted.keys, now=NOW)


def test_oversized_presentation_is_refused() -> None:
    minted = mint()
    holder = minted.holder_key
    inner = qr_envelope.unwrap(minted.qr)
    padded_claims = cbor2.loads(cose_sign1.decode(inner).payload)
    padded_claims[-65538] = base45.encode(bytes(range(256)) * 2)  # incompressible filler
    bloated = cose_sign1.sign(
        cbor2.dumps(padded_claims), minted.issuer_key, kid=minted.issuer_key.public.thumbprint
    )
    with pytest.raises(PayloadTooLarge):
        fmt.present(qr_envelope.wrap(bloated), holder, now=NOW)


@pytest.mark.parametrize("type_slug", TYPES)
@pytest.mark.parametrize("issuer_alg", list(Algorithm), ids=lambda a: f"issuer-{a.value}")
@pytest.mark.parametrize("holder_alg", list(Algorithm), ids=lambda a: f"holder-{a.value}")
def test_every_sample_type_fits_qr_version_20_level_m(
    type_slug: str, issuer_alg: Algorithm, holder_alg: Algorithm
) -> None:
    minted = mint(type_slug, issuer_alg=issuer_alg, holder_alg=holder_alg)
    nonce = os.urandom(fmt.MAX_NONCE_BYTES)  # the largest nonce, incompressible
    text = fmt.present(minted.qr, minted.holder_key, now=NOW, nonce=nonce)
    assert qr_matrix(text, max_version=40).version <= 20
    assert verify_presentation(text, keys=minted.keys, now=NOW, expected_nonce=nonce)


def _raw_verify(key: SigningKey, signature: bytes, data: bytes) -> None:
    public = key.public.key
    if isinstance(public, ed25519.Ed25519PublicKey):
        public.verify(signature, data)
    else:
        r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        public.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))


@pytest.mark.parametrize("alg", [Algorithm.EDDSA, Algorithm.ES256], ids=lambda a: a.value)
def test_both_signatures_verify_with_cbor2_and_cryptography_alone(alg: Algorithm) -> None:
    """Independent check: the layers decoded and both signatures checked by hand."""
    import zlib

    minted = mint(issuer_alg=alg, holder_alg=alg)
    text = fmt.present(minted.qr, minted.holder_key, now=NOW, nonce=b"n" * 8)
    outer = cbor2.loads(zlib.decompress(base45.decode(text.removeprefix("ELP1:"))))
    assert outer.tag == 18
    protected_raw, _unprotected, payload_raw, signature = outer.value
    protected = cbor2.loads(protected_raw)
    assert protected[1] == alg.cose_id
    assert protected[4] == b""  # "the key in the credential's cnf"
    assert protected[3] == fmt.CONTENT_TYPE
    _raw_verify(
        minted.holder_key,
        signature,
        cbor2.dumps(["Signature1", protected_raw, b"", payload_raw]),
    )
    payload = cbor2.loads(payload_raw)
    assert payload[3] - payload[2] == 60
    assert payload[4] == b"n" * 8
    inner = cbor2.loads(payload[1])
    i_protected_raw, _, i_payload_raw, i_signature = inner.value
    _raw_verify(
        minted.issuer_key,
        i_signature,
        cbor2.dumps(["Signature1", i_protected_raw, b"", i_payload_raw]),
    )
    cose_key = cbor2.loads(i_payload_raw)[8][1]
    if alg is Algorithm.EDDSA:
        bound: Any = ed25519.Ed25519PublicKey.from_public_bytes(cose_key[-2])
    else:
        prefix = b"\x03" if cose_key[-3] else b"\x02"
        bound = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), prefix + cose_key[-2])
    assert bound == minted.holder_key.public.key
