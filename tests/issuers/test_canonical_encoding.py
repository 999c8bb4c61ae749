"""Issue 8 item 13: a QR credential or presentation has one accepted encoding.

CBOR lets the same values be written many ways (RFC 8949 §4.2: indefinite lengths,
longer-than-needed heads, duplicate map keys, bytes after the item), and COSE lets
header parameters sit unprotected (RFC 9052 §3). The signature covers the payload's
*content*, not how the COSE array around it is written, so each of these re-encodings
kept a valid signature and still verified. Every one must now be ``malformed``, for
the ``EL1:`` credential, for the ``ELP1:`` presentation around it, and inside what the
signatures cover (protected header, CWT claims, presentation payload), where a signer
could otherwise emit two encodings of one credential. The messages are built byte by
byte here, not with the code under test.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from issuers.catalogue import get_type
from issuers.crypto.keys import SigningKey
from issuers.errors import Malformed
from issuers.formats import cose_sign1, qr_envelope
from issuers.formats import presentation as fmt
from issuers.minting import build_record, sign_qr
from issuers.registry import StaticKeyResolver, TrustedKey
from verifiers.presentation import verify_presentation
from verifiers.qr import verify_qr
from wallet.server import demo

NOW = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
ISSUER_KEY = SigningKey.from_seed(bytes(range(32)))
HOLDER_KEY = SigningKey.from_seed(bytes(range(1, 33)))
Parts = tuple[bytes, bytes, bytes]  # protected, payload, signature


def _head(major: int, value: int) -> bytes:
    """The shortest CBOR head (RFC 8949 §3)."""
    if value < 24:
        return bytes([major << 5 | value])
    for extra, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * size):
            return bytes([major << 5 | extra]) + value.to_bytes(size, "big")
    raise AssertionError(value)


def bstr(data: bytes) -> bytes:
    return _head(2, len(data)) + data


def canonical(parts: Parts) -> bytes:
    protected, payload, signature = parts
    return b"\xd2\x84" + bstr(protected) + b"\xa0" + bstr(payload) + bstr(signature)


def _credential() -> str:
    issuers = {i.uscc: i for i in demo.sample_issuers()}
    item = next(c for c in demo.load_json("certificates.json") if c["type"] == "resident_id")
    record = build_record(
        get_type("resident_id"),
        issuers[item["issuer"]],
        item["fields"],
        serial=7,
        now=NOW - timedelta(days=1),
        holder_key=HOLDER_KEY.public,
    )
    return sign_qr(record, ISSUER_KEY)


CREDENTIAL = _credential()
KEYS = StaticKeyResolver(
    [
        TrustedKey(
            ISSUER_KEY.public,
            {i.uscc: i for i in demo.sample_issuers()}[
                next(c for c in demo.load_json("certificates.json") if c["type"] == "resident_id")[
                    "issuer"
                ]
            ],
        )
    ]
)


def parts_of(cose: bytes) -> Parts:
    protected, _, payload, signature = cbor2.loads(cose).value
    return protected, payload, signature


def resign(protected: bytes, payload: bytes, key: SigningKey) -> Parts:
    """A signature over exactly these bytes (RFC 9052 §4.4 Sig_structure)."""
    to_be_signed = cbor2.dumps(["Signature1", protected, b"", payload])
    return protected, payload, key.sign(to_be_signed)


# --- re-encodings of the COSE_Sign1 around a signed payload ----------------------------

_KID = bytes(32)


def _indefinite_bstr(data: bytes) -> bytes:
    return b"\x5f" + bstr(data[:5]) + bstr(data[5:]) + b"\xff"


OUTER: dict[str, Callable[[Parts], bytes]] = {
    "trailing-cbor": lambda p: canonical(p) + cbor2.dumps(0),
    "trailing-tag": lambda p: canonical(p) + canonical(p),
    "untagged": lambda p: canonical(p)[1:],
    "long-tag-head": lambda p: b"\xd8\x12" + canonical(p)[1:],
    "indefinite-array": lambda p: b"\xd2\x9f" + canonical(p)[2:] + b"\xff",
    "indefinite-payload": lambda p: (
        b"\xd2\x84" + bstr(p[0]) + b"\xa0" + _indefinite_bstr(p[1]) + bstr(p[2])
    ),
    "indefinite-protected": lambda p: (
        b"\xd2\x84" + _indefinite_bstr(p[0]) + b"\xa0" + bstr(p[1]) + bstr(p[2])
    ),
    "indefinite-signature": lambda p: (
        b"\xd2\x84" + bstr(p[0]) + b"\xa0" + bstr(p[1]) + _indefinite_bstr(p[2])
    ),
    "indefinite-unprotected": lambda p: (
        b"\xd2\x84" + bstr(p[0]) + b"\xbf\xff" + bstr(p[1]) + bstr(p[2])
    ),
    "long-payload-head": lambda p: (
        (b"\xd2\x84" + bstr(p[0]) + b"\xa0" + b"\x5a" + len(p[1]).to_bytes(4, "big") + p[1])
        + bstr(p[2])
    ),
    "unprotected-alg-contradicting": lambda p: (
        b"\xd2\x84" + bstr(p[0]) + cbor2.dumps({1: -7}) + bstr(p[1]) + bstr(p[2])
    ),
    "unprotected-alg-agreeing": lambda p: (
        b"\xd2\x84" + bstr(p[0]) + cbor2.dumps({1: -8}) + bstr(p[1]) + bstr(p[2])
    ),
    "unprotected-extra-kid": lambda p: (
        b"\xd2\x84" + bstr(p[0]) + cbor2.dumps({4: _KID}) + bstr(p[1]) + bstr(p[2])
    ),
    "unprotected-content-type": lambda p: (
        b"\xd2\x84" + bstr(p[0]) + cbor2.dumps({3: 0}) + bstr(p[1]) + bstr(p[2])
    ),
}


def test_the_builders_reproduce_what_we_sign() -> None:
    cose = qr_envelope.unwrap(CREDENTIAL)
    assert canonical(parts_of(cose)) == cose


@pytest.mark.parametrize("name", sorted(OUTER))
def test_a_re_encoded_credential_is_malformed(name: str) -> None:
    parts = parts_of(qr_envelope.unwrap(CREDENTIAL))
    text = qr_envelope.wrap(OUTER[name](parts))
    with pytest.raises(Malformed) as refused:
        verify_qr(text, keys=KEYS, now=NOW)
    assert refused.value.code == "malformed"


@pytest.mark.parametrize("name", sorted(OUTER))
def test_a_re_encoded_credential_inside_a_presentation_is_malformed(name: str) -> None:
    """The holder signs over whatever credential bytes it carries: the credential's
    own encoding is checked there too."""
    parts = parts_of(qr_envelope.unwrap(CREDENTIAL))
    payload = {1: OUTER[name](parts), 2: int(NOW.timestamp()), 3: int(NOW.timestamp()) + 60}
    text = _presentation(cbor2.dumps(payload))
    with pytest.raises(Malformed):
        verify_presentation(text, keys=KEYS, now=NOW)


# --- non-canonical bytes under a valid signature ---------------------------------------

_ALG_EDDSA_LONG = b"\x38\x07"  # -8 with a one-byte argument where the head holds it


SIGNED_PROTECTED: dict[str, bytes] = {
    "indefinite-map": b"\xbf\x01\x27\x04" + bstr(ISSUER_KEY.public.thumbprint) + b"\xff",
    "long-int-head": b"\xa2\x01" + _ALG_EDDSA_LONG + b"\x04" + bstr(ISSUER_KEY.public.thumbprint),
    "duplicate-alg": b"\xa3\x01\x27\x01\x27\x04" + bstr(ISSUER_KEY.public.thumbprint),
    "trailing-byte": cbor2.dumps({1: -8, 4: ISSUER_KEY.public.thumbprint}) + b"\x00",
}


@pytest.mark.parametrize("name", sorted(SIGNED_PROTECTED))
def test_a_signed_non_canonical_protected_header_is_malformed(name: str) -> None:
    payload = parts_of(qr_envelope.unwrap(CREDENTIAL))[1]
    text = qr_envelope.wrap(canonical(resign(SIGNED_PROTECTED[name], payload, ISSUER_KEY)))
    with pytest.raises(Malformed):
        verify_qr(text, keys=KEYS, now=NOW)


def _claims_variants(claims: bytes) -> dict[str, bytes]:
    decoded: dict[Any, Any] = cbor2.loads(claims)
    items = b"".join(cbor2.dumps(k) + cbor2.dumps(v) for k, v in decoded.items())
    first_key, first_value = next(iter(decoded.items()))
    return {
        "indefinite-map": b"\xbf" + items + b"\xff",
        "duplicate-claim": _head(5, len(decoded) + 1)
        + cbor2.dumps(first_key)
        + cbor2.dumps(first_value)
        + items,
        "long-map-head": b"\xb8" + bytes([len(decoded)]) + items,
        "trailing-byte": claims + b"\x00",
    }


@pytest.mark.parametrize(
    "name", ["indefinite-map", "duplicate-claim", "long-map-head", "trailing-byte"]
)
def test_signed_non_canonical_claims_are_malformed(name: str) -> None:
    protected, claims, _ = parts_of(qr_envelope.unwrap(CREDENTIAL))
    variant = _claims_variants(claims)[name]
    assert variant != claims
    text = qr_envelope.wrap(canonical(resign(protected, variant, ISSUER_KEY)))
    with pytest.raises(Malformed):
        verify_qr(text, keys=KEYS, now=NOW)


# --- the presentation envelope (ELP1) --------------------------------------------------


def _protected_presentation() -> bytes:
    return cbor2.dumps({1: -8, 4: fmt.CNF_KID, fmt.HEADER_CONTENT_TYPE: fmt.CONTENT_TYPE})


def _presentation(payload: bytes, outer: Callable[[Parts], bytes] = canonical) -> str:
    parts = resign(_protected_presentation(), payload, HOLDER_KEY)
    return qr_envelope.wrap(outer(parts), fmt.PREFIX)


def _good_payload() -> dict[int, Any]:
    return {
        1: qr_envelope.unwrap(CREDENTIAL),
        2: int(NOW.timestamp()),
        3: int(NOW.timestamp()) + 60,
    }


def test_the_hand_built_presentation_verifies() -> None:
    """The control: built the way the tests below build theirs, it is good."""
    text = _presentation(cbor2.dumps(_good_payload()))
    assert text == fmt.present(CREDENTIAL, HOLDER_KEY, now=NOW)
    assert verify_presentation(text, keys=KEYS, now=NOW).kind == "dynamic"


@pytest.mark.parametrize("name", sorted(OUTER))
def test_a_re_encoded_presentation_is_malformed(name: str) -> None:
    text = _presentation(cbor2.dumps(_good_payload()), OUTER[name])
    with pytest.raises(Malformed) as refused:
        verify_presentation(text, keys=KEYS, now=NOW)
    assert refused.value.code == "malformed"


def _payload_variants() -> dict[str, bytes]:
    good = _good_payload()
    items = b"".join(cbor2.dumps(k) + cbor2.dumps(v) for k, v in good.items())
    later = int(NOW.timestamp()) + 3600
    return {
        "indefinite-map": b"\xbf" + items + b"\xff",
        "duplicate-exp": b"\xa4" + items + cbor2.dumps(3) + cbor2.dumps(later),
        "trailing-byte": cbor2.dumps(good) + b"\x00",
        "long-iat-head": b"\xa3"
        + cbor2.dumps(1)
        + cbor2.dumps(good[1])
        + b"\x02\x1b"
        + good[2].to_bytes(8, "big")
        + cbor2.dumps(3)
        + cbor2.dumps(good[3]),
    }


@pytest.mark.parametrize(
    "name", ["indefinite-map", "duplicate-exp", "trailing-byte", "long-iat-head"]
)
def test_a_holder_signed_non_canonical_payload_is_malformed(name: str) -> None:
    text = _presentation(_payload_variants()[name])
    with pytest.raises(Malformed):
        verify_presentation(text, keys=KEYS, now=NOW)
    with pytest.raises(Malformed):
        fmt.decode(text)


def test_cose_decode_names_the_rule_it_applies() -> None:
    parts = parts_of(qr_envelope.unwrap(CREDENTIAL))
    with pytest.raises(Malformed, match="unprotected"):
        cose_sign1.decode(OUTER["unprotected-extra-kid"](parts))
    with pytest.raises(Malformed, match="canonical"):
        cose_sign1.decode(OUTER["trailing-cbor"](parts))


@settings(max_examples=200, deadline=None)
@given(
    protected=st.binary(max_size=300),
    payload=st.binary(max_size=70_000),
    signature=st.binary(max_size=80),
    kid=st.one_of(st.none(), st.binary(max_size=40)),
)
def test_the_encoding_decode_compares_with_is_what_cbor2_writes(
    protected: bytes, payload: bytes, signature: bytes, kid: bytes | None
) -> None:
    unprotected = {} if kid is None else {4: kid}
    expected = cbor2.dumps(cbor2.CBORTag(18, [protected, unprotected, payload, signature]))
    written = cose_sign1._encoding(protected, payload, signature, cbor2.dumps(unprotected))
    assert written == expected


# --- status list tokens: kid may sit unprotected (the draft's example), nothing else ----


def _status_list_cwt(unprotected: dict[int, Any], protected: dict[int, Any]) -> bytes:
    raw = cbor2.dumps(protected)
    return cbor2.dumps(cbor2.CBORTag(18, [raw, unprotected, b"\xa0", bytes(64)]))


def test_a_status_list_cwt_may_carry_kid_unprotected_only_once() -> None:
    kid = ISSUER_KEY.public.thumbprint
    typ = {1: -8, 16: "application/statuslist+cwt"}
    alone = cose_sign1.decode(_status_list_cwt({4: kid}, typ), unprotected_kid=True)
    assert alone.kid == kid
    with pytest.raises(Malformed, match="both"):
        cose_sign1.decode(_status_list_cwt({4: kid}, {**typ, 4: kid}), unprotected_kid=True)
    with pytest.raises(Malformed, match="unprotected"):
        cose_sign1.decode(_status_list_cwt({4: kid, 1: -7}, typ), unprotected_kid=True)
    with pytest.raises(Malformed, match="unprotected"):
        cose_sign1.decode(_status_list_cwt({4: kid}, typ))  # not for anything else
