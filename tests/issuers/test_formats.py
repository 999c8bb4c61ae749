"""Base45, COSE_Sign1 and the QR envelope, checked against independent code where it exists."""

from __future__ import annotations

import zlib

import base45 as reference_base45
import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from issuers.crypto.keys import Algorithm, SigningKey
from issuers.errors import (
    Base45Invalid,
    CompressionInvalid,
    InflateLimitExceeded,
    Malformed,
    PayloadTooLarge,
    SignatureInvalid,
    Truncated,
    UnsupportedVersion,
)
from issuers.formats import base45, cose_sign1, qr_envelope


@given(st.binary(max_size=600))
@settings(max_examples=200)
def test_base45_matches_the_reference_package(data: bytes) -> None:
    text = base45.encode(data)
    assert text == reference_base45.b45encode(data).decode("ascii")
    assert base45.decode(text) == data


def test_base45_rfc9285_examples() -> None:
    # RFC 9285 §4.3: "AB" -> "BB8", "Hello!!" -> "%69 VD92EX0", "base-45" -> "UJCLQE7W581"
    assert base45.encode(b"AB") == "BB8"
    assert base45.encode(b"Hello!!") == "%69 VD92EX0"
    assert base45.encode(b"base-45") == "UJCLQE7W581"
    assert base45.decode("QED8WEX0") == b"ietf!"


@pytest.mark.parametrize(
    "text",
    ["GGW", "ZZZ", "abc", "A", "BB8B", "ÄBC", "::"],
    ids=[
        "triple-over-65535",
        "ZZZ",
        "lowercase",
        "dangling",
        "dangling-after",
        "non-ascii",
        "pair-over-255",
    ],
)
def test_base45_rejects_what_rfc9285_section6_rejects(text: str) -> None:
    with pytest.raises(Base45Invalid):
        base45.decode(text)


@pytest.mark.parametrize("alg", list(Algorithm))
def test_cose_sign1_round_trip_and_structure(alg: Algorithm) -> None:
    key = SigningKey.generate(alg)
    encoded = cose_sign1.sign(b"payload", key, kid=key.public.thumbprint)
    tag = cbor2.loads(encoded)
    assert tag.tag == 18
    protected_raw, unprotected, payload, signature = tag.value
    assert cbor2.loads(protected_raw) == {1: alg.cose_id, 4: key.public.thumbprint}
    assert unprotected == {}
    assert payload == b"payload"
    assert len(signature) == 64
    message = cose_sign1.decode(encoded)
    message.verify(key.public)
    assert message.kid == key.public.thumbprint


def test_cose_sign1_detects_a_changed_payload_and_a_wrong_key() -> None:
    key = SigningKey.generate()
    protected, unprotected, _, signature = cbor2.loads(
        cose_sign1.sign(b"payload", key, kid=b"k")
    ).value
    forged = cbor2.dumps(cbor2.CBORTag(18, [protected, dict(unprotected), b"pAyload", signature]))
    with pytest.raises(SignatureInvalid):
        cose_sign1.decode(forged).verify(key.public)
    good = cose_sign1.decode(cose_sign1.sign(b"payload", key, kid=b"k"))
    with pytest.raises(SignatureInvalid):
        good.verify(SigningKey.generate().public)


def test_cose_sign1_refuses_a_key_of_another_algorithm() -> None:
    ed = SigningKey.generate(Algorithm.EDDSA)
    message = cose_sign1.decode(cose_sign1.sign(b"x", ed, kid=b"k"))
    with pytest.raises(Malformed):
        message.verify(SigningKey.generate(Algorithm.ES256).public)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xff",
        cbor2.dumps([1, 2, 3]),
        cbor2.dumps(cbor2.CBORTag(98, [])),
        cbor2.dumps([b"", {}, "text", b""]),
        cbor2.dumps([cbor2.dumps([1]), {}, b"", b""]),
    ],
    ids=["empty", "break", "short-array", "wrong-tag", "text-payload", "protected-not-map"],
)
def test_cose_sign1_decode_rejects_malformed_structures(data: bytes) -> None:
    with pytest.raises(Malformed):
        cose_sign1.decode(data)


def test_envelope_round_trip() -> None:
    text = qr_envelope.wrap(b"\x01" * 300)
    assert text.startswith("EL1:")
    assert qr_envelope.unwrap(text) == b"\x01" * 300


def test_envelope_bounds_and_typed_errors() -> None:
    limits = qr_envelope.EnvelopeLimits(max_text_chars=100, max_inflated_bytes=1000)
    with pytest.raises(PayloadTooLarge):
        qr_envelope.unwrap("EL1:" + "0" * 200, limits)
    with pytest.raises(UnsupportedVersion):
        qr_envelope.unwrap("EL2:ABC")
    with pytest.raises(Malformed):
        qr_envelope.unwrap("HC1:ABC")
    bomb = "EL1:" + base45.encode(zlib.compress(b"\0" * 2000, 9))
    with pytest.raises(InflateLimitExceeded):
        qr_envelope.unwrap(bomb, limits)
    whole = zlib.compress(b"some credential bytes" * 5, 9)
    with pytest.raises(Truncated):
        qr_envelope.unwrap("EL1:" + base45.encode(whole[: len(whole) // 2]))
    with pytest.raises(CompressionInvalid):
        qr_envelope.unwrap("EL1:" + base45.encode(b"not zlib at all"))
    with pytest.raises(Malformed):
        qr_envelope.unwrap("EL1:" + base45.encode(whole + b"trailing"))


@given(st.binary(max_size=300), st.binary(max_size=70_000), st.binary(max_size=30))
@settings(max_examples=60, deadline=None)
def test_sig_structure_is_exactly_what_cbor2_encodes(
    protected: bytes, payload: bytes, aad: bytes
) -> None:
    expected = cbor2.dumps(["Signature1", protected, aad, payload])
    assert cose_sign1._sig_structure(protected, payload, aad) == expected
