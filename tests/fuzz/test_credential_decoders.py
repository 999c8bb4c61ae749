"""Hypothesis: every decoder on the QR credential and live presentation path gives a
typed error for anything (:func:`tests.fuzz.kit.typed`), never another exception.

Decoders covered here, each with raw input and with structured input that passes its
first checks (a valid encoding with mutated inner bytes, or a payload we sign with a
trusted key so the verifier reads its claims):

- Base45 (``issuers.formats.base45.decode``): any str.
- zlib inflate, bounded (``issuers.formats.qr_envelope.inflate``): any bytes, and a
  bomb (all zeros, 1 MB inflated) stops at the limit.
- the QR envelope (``qr_envelope.unwrap``): any str; ``EL<n>:`` prefixes, Base45 of
  random and of mutated zlib, text past the length cap.
- COSE_Sign1 (``issuers.formats.cose_sign1.decode``, with and without an unprotected
  kid): any bytes, mutated valid messages.
- canonical CBOR (``issuers.formats.canonical_cbor.canonical_loads``): any bytes.
- CWT claims (``issuers.formats.cwt.CredentialClaims.from_cbor``): any bytes, mutated
  valid claims, arbitrary CBOR values in each claim.
- the holder key in ``cnf`` (``issuers.formats.holder_binding.holder_key_from``).
- the certificate fields (``CertificateType.from_compact`` for every catalogue type;
  ``parse_fields`` for the JSON form a mint takes).
- national codes (``parse_resident_id``, ``validate_uscc``, ``parse_identifier``).
- the whole QR verifier (``verifiers.qr.verify_qr``) on mutated texts and on claims
  we sign with the trusted key (so the signature holds and the claims are read).
- the live presentation ``ELP1:`` (``issuers.formats.presentation.decode``,
  ``verifiers.presentation.verify_presentation`` and ``verify_any``), its payload
  signed by the holder key.

JOSE, status lists, trust lists, files and forms: test_jose_decoders.py,
test_file_decoders.py; images: test_image_fuzz.py; HTTP: tests/wallet/server/
test_schemathesis.py.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from issuers.catalogue import get_type
from issuers.codes import parse_identifier
from issuers.codes.gb11643 import parse_resident_id
from issuers.codes.gb32100 import validate_uscc
from issuers.crypto.keys import SigningKey
from issuers.errors import ElicenseError, InflateLimitExceeded
from issuers.formats import base45, cose_sign1, qr_envelope
from issuers.formats import presentation as fmt
from issuers.formats.canonical_cbor import canonical_loads
from issuers.formats.cwt import CredentialClaims
from issuers.formats.holder_binding import holder_key_from
from issuers.minting import build_record, sign_qr
from issuers.registry import IssuerInfo, StaticKeyResolver, TrustedKey
from issuers.status_codes import StatusReference
from tests.fuzz.kit import CBOR_VALUES, FUZZ, JSON_VALUES, mutated, mutated_text, typed
from verifiers.presentation import MemoryReplayGuard, verify_any, verify_presentation
from verifiers.qr import verify_qr
from wallet.server import demo

NOW = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
SAMPLES: list[dict[str, Any]] = demo.load_json("certificates.json")
TYPES = sorted({item["type"] for item in SAMPLES})


class ListedStatus:
    """A status checker answering every value a list may hold (index modulo 5), so the
    verifier's reading of each is reached too."""

    def status_of(self, reference: StatusReference, now: datetime, issuer: IssuerInfo) -> int:
        return reference.idx % 5


@dataclass(frozen=True)
class World:
    issuer_key: SigningKey
    holder_key: SigningKey
    qr: dict[str, str]  # type slug -> a holder-bound credential QR
    claims: dict[str, bytes]  # type slug -> its CWT claims (canonical CBOR)


@cache
def world() -> World:
    issuers = {i.uscc: i for i in demo.sample_issuers()}
    issuer_key, holder_key = SigningKey.generate(), SigningKey.generate()
    qr, claims = {}, {}
    for slug in TYPES:
        item = next(c for c in SAMPLES if c["type"] == slug)
        record = build_record(
            get_type(slug),
            issuers[item["issuer"]],
            item["fields"],
            serial=7,
            now=NOW - timedelta(days=1),
            holder_key=holder_key.public,
            status=StatusReference(5, "https://example.test/status/1"),
        )
        qr[slug] = sign_qr(record, issuer_key)
        claims[slug] = record.claims().to_cbor()
    return World(issuer_key, holder_key, qr, claims)


def _issuer_of(slug: str) -> IssuerInfo:
    uscc = next(c for c in SAMPLES if c["type"] == slug)["issuer"]
    return next(i for i in demo.sample_issuers() if i.uscc == uscc)


def signed_qr(payload: bytes) -> str:
    """``payload`` as CWT claims signed by the trusted issuer key."""
    w = world()
    cose = cose_sign1.sign(payload, w.issuer_key, kid=w.issuer_key.public.thumbprint)
    return qr_envelope.wrap(cose)


def verify(text: str, slug: str) -> None:
    """The QR verifier trusting the world's issuer key for ``slug``'s issuer."""
    keys = StaticKeyResolver([TrustedKey(world().issuer_key.public, _issuer_of(slug))])
    verify_qr(text, keys=keys, now=NOW, status=ListedStatus())


slugs = st.sampled_from(TYPES)
# CBOR nested past the recursion limit: arrays (0x81), maps (0xA1 0x00) and tags (0xD8 0x20)
NESTED_CBOR = st.builds(
    lambda n, head: head * n + b"\x00",
    st.integers(900, 20_000),
    st.sampled_from([b"\x81", b"\xa1\x00", b"\xd8\x20"]),
)


# --- the layers, raw ---------------------------------------------------------------


@given(st.text(max_size=300) | st.text(alphabet=base45.ALPHABET, max_size=300))
@FUZZ
def test_base45_decode_any_text(text: str) -> None:
    typed(base45.decode, text)


@given(st.binary(max_size=600))
@FUZZ
def test_inflate_any_bytes(data: bytes) -> None:
    typed(qr_envelope.inflate, data, 16 * 1024)


@given(st.integers(1, 64 * 1024), st.integers(0, 255))
@FUZZ
def test_inflate_stops_a_bomb_at_its_limit(limit: int, byte: int) -> None:
    bomb = zlib.compress(bytes([byte]) * (limit + 1 + 1024 * 1024), 9)
    assert isinstance(typed(qr_envelope.inflate, bomb, limit), InflateLimitExceeded)


@given(
    st.text(max_size=400)
    | st.builds(
        lambda p, t: p + t,
        st.sampled_from(["EL1:", "EL2:", "ELP1:", " EL1:"]),
        st.text(alphabet=base45.ALPHABET, max_size=400),
    )
    | st.builds(lambda b: "EL1:" + base45.encode(b), st.binary(max_size=300))
    | st.builds(lambda b: "EL1:" + base45.encode(zlib.compress(b)), st.binary(max_size=300))
    | st.integers(4297, 9000).map(lambda n: "EL1:" + "0" * n)
)
@FUZZ
def test_unwrap_any_text(text: str) -> None:
    typed(qr_envelope.unwrap, text)
    typed(qr_envelope.unwrap, text, prefix=fmt.PREFIX)


@given(st.binary(max_size=400) | NESTED_CBOR, st.booleans())
@FUZZ
def test_cose_sign1_decode_any_bytes(data: bytes, unprotected_kid: bool) -> None:
    typed(cose_sign1.decode, data, unprotected_kid=unprotected_kid)
    typed(cose_sign1.decode, b"\xd2" + data, unprotected_kid=unprotected_kid)


@given(st.data(), st.booleans())
@FUZZ
def test_cose_sign1_decode_mutated(data: st.DataObject, unprotected_kid: bool) -> None:
    cose = qr_envelope.unwrap(world().qr[data.draw(slugs)])
    typed(cose_sign1.decode, data.draw(mutated(cose)), unprotected_kid=unprotected_kid)


@given(st.binary(max_size=400) | NESTED_CBOR)
@FUZZ
def test_canonical_cbor_any_bytes(data: bytes) -> None:
    typed(canonical_loads, data, "fuzz")
    typed(CredentialClaims.from_cbor, data)


@given(st.data())
@FUZZ
def test_cwt_claims_mutated(data: st.DataObject) -> None:
    claims = world().claims[data.draw(slugs)]
    typed(CredentialClaims.from_cbor, data.draw(mutated(claims)))


@given(CBOR_VALUES | st.dictionaries(st.integers(-5, 5), CBOR_VALUES, max_size=4))
@FUZZ
def test_holder_key_from_any_value(value: Any) -> None:
    typed(holder_key_from, value if isinstance(value, dict) else {1: value})


@given(slugs, CBOR_VALUES)
@FUZZ
def test_from_compact_any_value(slug: str, value: Any) -> None:
    typed(get_type(slug).from_compact, value)


@given(st.data())
@FUZZ
def test_from_compact_with_one_field_replaced(data: st.DataObject) -> None:
    slug = data.draw(slugs)
    compact = CredentialClaims.from_cbor(world().claims[slug]).fields
    fields = dict(compact)
    if fields:
        label = data.draw(st.sampled_from(sorted(fields, key=repr)))
        fields[label] = data.draw(CBOR_VALUES)
    typed(get_type(slug).from_compact, fields)


@given(slugs, st.dictionaries(st.text(max_size=12), JSON_VALUES, max_size=6))
@FUZZ
def test_parse_fields_any_json_object(slug: str, raw: dict[str, Any]) -> None:
    typed(get_type(slug).parse_fields, raw)


@given(st.data())
@FUZZ
def test_parse_fields_with_one_field_replaced(data: st.DataObject) -> None:
    item = data.draw(st.sampled_from(SAMPLES))
    fields = dict(item["fields"])
    name = data.draw(st.sampled_from(sorted(fields)))
    fields[name] = data.draw(JSON_VALUES)
    typed(get_type(item["type"]).parse_fields, fields)


@given(st.text(max_size=40) | st.text(alphabet="0123456789X", min_size=18, max_size=18))
@FUZZ
def test_national_codes_any_text(text: str) -> None:
    typed(parse_resident_id, text)
    typed(validate_uscc, text)
    typed(parse_identifier, text)
    typed(parse_identifier, text, strict=False)


# --- the verifier, deep --------------------------------------------------------------


@given(st.data())
@FUZZ
def test_verify_qr_mutated_text(data: st.DataObject) -> None:
    slug = data.draw(slugs)
    typed(verify, data.draw(mutated_text(world().qr[slug])), slug)


@given(st.data())
@FUZZ
def test_verify_qr_mutated_cose_rewrapped(data: st.DataObject) -> None:
    """Base45 and zlib hold; the COSE inside is mutated."""
    slug = data.draw(slugs)
    cose = data.draw(mutated(qr_envelope.unwrap(world().qr[slug])))
    typed(verify, qr_envelope.wrap(cose), slug)


@given(st.data())
@FUZZ
def test_verify_qr_signed_mutated_claims(data: st.DataObject) -> None:
    """The signature holds: mutated claim bytes reach the claims, the window, the type
    schema and the status reading."""
    slug = data.draw(slugs)
    typed(verify, signed_qr(data.draw(mutated(world().claims[slug]))), slug)


@given(st.data())
@FUZZ
def test_verify_qr_signed_claims_with_one_value_replaced(data: st.DataObject) -> None:
    slug = data.draw(slugs)
    claims = dict(cbor2.loads(world().claims[slug]))
    label = data.draw(st.sampled_from(sorted(claims, key=repr)))
    if isinstance(claims[label], dict) and data.draw(st.booleans()):
        inner = dict(claims[label])
        if inner:
            inner[data.draw(st.sampled_from(sorted(inner, key=repr)))] = data.draw(CBOR_VALUES)
        claims[label] = inner
    else:
        claims[label] = data.draw(CBOR_VALUES)
    typed(verify, signed_qr(cbor2.dumps(claims, canonical=True)), slug)


# --- the live presentation ------------------------------------------------------------


def _presentation(payload: bytes, protected: dict[int, Any] | None = None) -> str:
    key = world().holder_key
    extra = {fmt.HEADER_CONTENT_TYPE: fmt.CONTENT_TYPE} if protected is None else protected
    cose = cose_sign1.sign(payload, key, kid=fmt.CNF_KID, extra_protected=extra)
    return qr_envelope.wrap(cose, fmt.PREFIX)


def _verify_presentation(text: str, slug: str) -> None:
    keys = StaticKeyResolver([TrustedKey(world().issuer_key.public, _issuer_of(slug))])
    verify_presentation(
        text,
        keys=keys,
        now=NOW,
        expected_nonce=b"n" * 8,
        replay=MemoryReplayGuard(clock=lambda: NOW),
        status=ListedStatus(),
    )
    verify_any(text, keys=keys, now=NOW, status=ListedStatus())


@given(st.text(max_size=300) | st.text(alphabet=base45.ALPHABET, max_size=300).map("ELP1:".__add__))
@FUZZ
def test_presentation_decode_any_text(text: str) -> None:
    typed(fmt.decode, text)
    typed(_verify_presentation, text, TYPES[0])


def _valid_payload(slug: str) -> dict[int, Any]:
    credential = qr_envelope.unwrap(world().qr[slug])
    at = int(NOW.timestamp())
    return {fmt.P_CREDENTIAL: credential, fmt.P_IAT: at, fmt.P_EXP: at + 60, fmt.P_NONCE: b"n" * 8}


def test_the_valid_presentation_verifies() -> None:
    """The structured strategies below start from a presentation that passes."""
    slug = TYPES[0]
    _verify_presentation(_presentation(cbor2.dumps(_valid_payload(slug), canonical=True)), slug)


@given(st.data())
@FUZZ
def test_presentation_signed_mutated_payload(data: st.DataObject) -> None:
    slug = data.draw(slugs)
    payload = cbor2.dumps(_valid_payload(slug), canonical=True)
    typed(_verify_presentation, _presentation(data.draw(mutated(payload))), slug)


@given(st.data())
@FUZZ
def test_presentation_signed_payload_with_one_value_replaced(data: st.DataObject) -> None:
    slug = data.draw(slugs)
    payload: dict[Any, Any] = _valid_payload(slug)
    label = data.draw(st.sampled_from([*sorted(payload), 9, "x"]))
    if label == fmt.P_CREDENTIAL and data.draw(st.booleans()):
        payload[label] = data.draw(mutated(payload[label]))
    else:
        payload[label] = data.draw(CBOR_VALUES)
    typed(_verify_presentation, _presentation(cbor2.dumps(payload, canonical=True)), slug)


@given(st.data())
@FUZZ
def test_presentation_protected_header_replaced(data: st.DataObject) -> None:
    slug = data.draw(slugs)
    protected = data.draw(st.dictionaries(st.integers(-3, 20), CBOR_VALUES, max_size=3))
    payload = cbor2.dumps(_valid_payload(slug), canonical=True)
    try:
        text = _presentation(payload, protected)
    except (ElicenseError, ValueError, TypeError, cbor2.CBOREncodeError):
        return  # cose_sign1.sign refuses to write it (alg or kid set, not CBOR)
    typed(_verify_presentation, text, slug)


@pytest.mark.parametrize("slug", TYPES)
def test_every_sample_credential_verifies(slug: str) -> None:
    """The strategies start from credentials that pass (status idx 5: valid)."""
    assert typed(verify, world().qr[slug], slug) is None
