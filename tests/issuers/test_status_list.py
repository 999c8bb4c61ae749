"""IETF Token Status List: bit packing, compression, JWT and CWT tokens.

Vectors are quoted from draft-ietf-oauth-status-list-18
(https://datatracker.ietf.org/doc/html/draft-ietf-oauth-status-list-18): §4.1/§4.2/§4.3
(16 entries at 1 bit, 12 at 2 bits), §5.2 and §8.2 (example tokens), and Appendix C
(2^20 entries at 1, 2 and 4 bits). Independent checks use zlib, base64, json, cbor2,
cryptography and jwcrypto directly, not our code: jwcrypto verifies our JWTs from the
public JWK, and a JWT that jwcrypto signed verifies with ours.
"""

from __future__ import annotations

import base64
import contextlib
import json
import random
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jwcrypto.jwk import JWK
from jwcrypto.jws import JWS

from issuers.crypto.keys import Algorithm, SigningKey, VerifyingKey, b64url, b64url_decode
from issuers.errors import (
    ClaimsInvalid,
    CompressionInvalid,
    ElicenseError,
    InflateLimitExceeded,
    InvalidInput,
    KeyCompromised,
    Malformed,
    PayloadTooLarge,
    SignatureInvalid,
    StatusListExpired,
    StatusUnavailable,
    Truncated,
    UnknownKey,
    UntrustedIssuer,
)
from issuers.formats import cose_sign1, jws
from issuers.formats.status_list import MAX_ENTRIES, StatusList, StatusListToken, StatusType
from issuers.formats.status_list_token import sign_cwt, sign_jwt, verify_cwt, verify_jwt
from issuers.registry import IssuerInfo, StaticKeyResolver, TrustedKey

NOW = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
URI = "https://status.example.gov.cn/statuslists/1"
ISSUER = IssuerInfo("91310115591693856A", "上海市交通委员会", "Transport", "310115", frozenset())
OTHER_ISSUER = IssuerInfo("11100000000013127X", "民政部", "Civil affairs", "110000", frozenset())
ED_KEY = SigningKey.from_seed(bytes(range(32)))
ES_KEY = SigningKey.generate(Algorithm.ES256)
SM2_KEY = SigningKey.generate(Algorithm.SM2)
KEYS = {Algorithm.EDDSA: ED_KEY, Algorithm.ES256: ES_KEY, Algorithm.SM2: SM2_KEY}
# What jwcrypto can check (it has no SM2; tests/interop/test_sm2_interop.py checks SM2 lists
# with gmssl instead).
JWCRYPTO_ALGORITHMS = [Algorithm.EDDSA, Algorithm.ES256]


def _unwrap(text: str) -> str:
    return "".join(text.split())


# --- draft §4.1-§4.3: the two small worked examples -----------------------------------

SMALL_1BIT = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]
SMALL_2BIT = [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]


@pytest.mark.parametrize(
    ("bits", "statuses", "raw", "compressed", "lst"),
    [
        (1, SMALL_1BIT, "b9a3", "78dadbb918000217015d", "eNrbuRgAAhcBXQ"),
        (2, SMALL_2BIT, "c944f9", "78da3be9f2130003df0207", "eNo76fITAAPfAgc"),
    ],
    ids=["1-bit-16", "2-bit-12"],
)
def test_draft_section_4_worked_examples(
    bits: int, statuses: list[int], raw: str, compressed: str, lst: str
) -> None:
    status_list = StatusList(len(statuses), bits)
    for idx, value in enumerate(statuses):
        status_list.set(idx, value)
    assert status_list.to_bytes().hex() == raw
    assert status_list.compressed().hex() == compressed
    assert status_list.to_json() == {"bits": bits, "lst": lst}
    decoded = StatusList.from_json({"bits": bits, "lst": lst}, max_bytes=64)
    assert [decoded.get(i) for i in range(len(statuses))] == statuses


def test_draft_section_4_3_cbor_encoding() -> None:
    status_list = StatusList(16, 1)
    for idx, value in enumerate(SMALL_1BIT):
        status_list.set(idx, value)
    assert (
        cbor2.dumps(status_list.to_cbor()).hex() == "a2646269747301636c73744a78dadbb918000217015d"
    )


# --- draft Appendix C: 2^20 entries ---------------------------------------------------

C1_STATUSES = dict.fromkeys(
    [0, 1993, 25460, 159495, 495669, 554353, 645645, 723232, 854545, 934534, 1000345], 1
)
C1_LST = """
    eNrt3AENwCAMAEGogklACtKQPg9LugC9k_ACvreiogE
    AAKkeCQAAAAAAAAAAAAAAAAAAAIBylgQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
    AAAAAAAAAAAAAAAAAAAXG9IAAAAAAAAAPwsJAAAAAAAAAAAAAAAvhsSAAAAAAAAAAA
    A7KpLAAAAAAAAAAAAAAAAAAAAAJsLCQAAAAAAAAAAADjelAAAAAAAAAAAKjDMAQAAA
    ACAZC8L2AEb"""
C1_CBOR = """
    a2646269747301636c737458bd78daeddc010dc0200c0041a88249400ad2903e0f4b
    ba00bd93f002beb7a2a2010000a91e09000000000000000000000000000000807296
    04000000000000000000000000000000000000000000000000000000000000000000
    000000000000005c6f4800000000000000fc2c240000000000000000000000be1b12
    000000000000000000ecaa4b000000000000000000000000000000009b0b09000000
    00000000000038de9400000000000000002a30cc010000000080642f0bd8011b"""
C2_STATUSES = {
    0: 1, 1993: 2, 25460: 1, 159495: 3, 495669: 1, 554353: 1,
    645645: 2, 723232: 1, 854545: 1, 934534: 2, 1000345: 3,
}  # fmt: skip
C2_LST = """
    eNrt2zENACEQAEEuoaBABP5VIO01fCjIHTMStt9ovGV
    IAAAAAABAbiEBAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEB5WwIAAAAAA
    AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
    AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAID0ugQAAAAAAAAAAAAAAAAAQG12SgAAA
    AAAAAAAAAAAAAAAAAAAAAAAAOCSIQEAAAAAAAAAAAAAAAAAAAAAAAD8ExIAAAAAAAA
    AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAwJEuAQAAAAAAAAAAAAAAAAAAAAAAAMB9S
    wIAAAAAAAAAAAAAAAAAAACoYUoAAAAAAAAAAAAAAEBqH81gAQw"""
C2_CBOR = """
    a2646269747302636c737459013d78daeddb310d00211000412ea1a04004fe5520ed
    357c28c81d3312b6df68bc65480000000000406e2101000000000000000000000000
    0000000000000000000000000000000000000040795b020000000000000000000000
    00000000000000000000000000000000000000000000000000000000000000000000
    00000000000000000000000000000000000000000000000000000000000000000000
    0080f4ba0400000000000000000000000000406d764a000000000000000000000000
    000000000000000000e0922101000000000000000000000000000000000000fc1312
    00000000000000000000000000000000000000000000000000000000000000c0912e
    01000000000000000000000000000000000000c07d4b020000000000000000000000
    00000000a8614a0000000000000000000000406a1fcd60010c"""
C3_STATUSES = {
    0: 1, 1993: 2, 35460: 3, 459495: 4, 595669: 5, 754353: 6, 845645: 7, 923232: 8,
    924445: 9, 934534: 10, 1004534: 11, 1000345: 12, 1030203: 13, 1030204: 14, 1030205: 15,
}  # fmt: skip
C3_CBOR = """
    a2646269747304636c737459024878daedd0410d8030100030081f0226908204244c
    025290840414111cecb7e4b8b5123a0e40669b020000000000000000000000000000
    0020b549010000000000000000000000000000000000000000000000000000000000
    00000000000000000000000000000000000000000000000000000000000000000000
    00000000000000000000000000000000000000000000000000000000000000000000
    00000000000000000000000000000000000000000000000000000000000000000000
    00000000000000000000000000000000000000000000000000000000000000000000
    00000000000000000000000000000000000000000000000000000000000000000000
    0000000000400ebb0200000000000000000000000000000000000000000000000000
    00000000000000000000000000000000000000000000000000000000000000000000
    000000000000e8c5a100000000000000000000000000000000000000000000000000
    00000000000000000000000000000000000000000000000000000000000000000000
    00000000000000000000000000000000000082280a00000000000000000000000000
    00000000000000000000000000000000000000000000000000000000000080ae9c0a
    00000000000000000000000000000000000000000000000000000000000000000000
    000000686a5640339702000000008865510000000000000000000000000000000000
    00000000000000000000000000000071dc0a0080ba55010000000000000000000000
    c0cf3daf03000000000000000008ec03dc4c04c0"""
APPENDIX_C = [
    pytest.param(1, C1_STATUSES, C1_LST, C1_CBOR, id="C.1-1-bit"),
    pytest.param(2, C2_STATUSES, C2_LST, C2_CBOR, id="C.2-2-bit"),
    pytest.param(4, C3_STATUSES, None, C3_CBOR, id="C.3-4-bit"),
]


@pytest.mark.parametrize(("bits", "statuses", "lst", "cbor_hex"), APPENDIX_C)
def test_draft_appendix_c_encodes_exactly(
    bits: int, statuses: dict[int, int], lst: str | None, cbor_hex: str
) -> None:
    status_list = StatusList(2**20, bits)
    for idx, value in statuses.items():
        status_list.set(idx, value)
    expected = cbor2.loads(bytes.fromhex(_unwrap(cbor_hex)))
    assert expected["bits"] == bits
    assert status_list.compressed() == expected["lst"]
    assert cbor2.dumps(status_list.to_cbor()).hex() == _unwrap(cbor_hex)
    if lst is not None:
        assert _unwrap(lst) == b64url(expected["lst"])  # the draft agrees with itself
        assert status_list.to_json() == {"bits": bits, "lst": _unwrap(lst)}


@pytest.mark.parametrize(("bits", "statuses", "lst", "cbor_hex"), APPENDIX_C)
def test_draft_appendix_c_decodes_to_exactly_the_listed_statuses(
    bits: int, statuses: dict[int, int], lst: str | None, cbor_hex: str
) -> None:
    encoded = cbor2.loads(bytes.fromhex(_unwrap(cbor_hex)))
    decoded = StatusList.from_cbor(encoded, max_bytes=2**20)
    assert decoded.size == 2**20
    assert all(decoded.get(idx) == value for idx, value in statuses.items())
    # Every other entry is VALID: count non-zero entries straight from the bytes.
    mask = (1 << bits) - 1
    nonzero = sum(
        1 for byte in decoded.to_bytes() for shift in range(0, 8, bits) if byte >> shift & mask
    )
    assert nonzero == len(statuses)


# --- bit packing against an independent model -----------------------------------------


def _reference_bytes(size: int, bits: int, statuses: dict[int, int]) -> bytes:
    """§4.1 restated as arithmetic: entry i holds bits i*bits.. of one little-endian
    integer, so byte k bit j is integer bit 8k+j (least significant bit first)."""
    number = sum(value << (idx * bits) for idx, value in statuses.items())
    return number.to_bytes(-(-size * bits // 8), "little")


@given(st.sampled_from([1, 2, 4, 8]), st.data())
@settings(max_examples=150, deadline=None)
def test_get_set_round_trip_matches_the_reference(bits: int, data: st.DataObject) -> None:
    size = data.draw(st.integers(1, 3000), label="size")
    writes = data.draw(
        st.lists(st.tuples(st.integers(0, size - 1), st.integers(0, (1 << bits) - 1)), max_size=200)
    )
    status_list = StatusList(size, bits)
    model: dict[int, int] = {}
    for idx, value in writes:
        status_list.set(idx, value)
        model[idx] = value
    assert all(status_list.get(i) == model.get(i, 0) for i in range(size))
    assert status_list.to_bytes() == _reference_bytes(size, bits, model)
    assert zlib.decompress(status_list.compressed()) == status_list.to_bytes()
    decoded = StatusList.from_compressed(status_list.compressed(), bits, max_bytes=size)
    assert decoded == status_list
    assert all(decoded.get(i) == model.get(i, 0) for i in range(size))


def test_status_list_rejects_bad_parameters_with_typed_errors() -> None:
    for size, bits in [(0, 2), (MAX_ENTRIES + 1, 2), (10, 3), (10, 16), (True, 2)]:
        with pytest.raises(InvalidInput):
            StatusList(size, bits)
    status_list = StatusList(10, 2)
    for idx, value in [(10, 1), (-1, 1), (0, 4), (0, -1), (0, True)]:
        with pytest.raises(InvalidInput):
            status_list.set(idx, value)
    status_list.set(9, StatusType.SUSPENDED)
    assert status_list.get(9) == StatusType.SUSPENDED
    # §8.3 step 6: an index outside the list means no statement; the token is rejected.
    for idx in (10, -1, 2**40):
        with pytest.raises(StatusUnavailable) as caught:
            status_list.get(idx)
        assert caught.value.code == "status_unavailable"


def test_from_compressed_typed_errors() -> None:
    whole = zlib.compress(bytes(range(256)) * 4, 9)
    with pytest.raises(Truncated):
        StatusList.from_compressed(whole[:-6], 2, max_bytes=4096)
    with pytest.raises(CompressionInvalid):
        StatusList.from_compressed(b"not zlib", 2, max_bytes=4096)
    with pytest.raises(Malformed):
        StatusList.from_compressed(whole + b"x", 2, max_bytes=4096)
    with pytest.raises(Malformed):
        StatusList.from_compressed(zlib.compress(b""), 2, max_bytes=4096)
    with pytest.raises(Malformed):
        StatusList.from_compressed(whole, 3, max_bytes=4096)
    with pytest.raises(InflateLimitExceeded):
        StatusList.from_compressed(whole, 2, max_bytes=1023)
    assert StatusList.from_compressed(whole, 2, max_bytes=1024).size == 4096
    too_many = zlib.compress(bytes(MAX_ENTRIES // 8 + 1), 9)  # one byte past 2^24 at 1 bit
    with pytest.raises(PayloadTooLarge):
        StatusList.from_compressed(too_many, 1, max_bytes=MAX_ENTRIES)


# --- Status List Tokens ---------------------------------------------------------------


def _resolver(*keys: SigningKey, state: str = "active", issuer: IssuerInfo = ISSUER) -> Any:
    return StaticKeyResolver([TrustedKey(k.public, issuer, state=state) for k in keys])


def _token(bits: int = 2, **changes: Any) -> StatusListToken:
    status_list = StatusList(5000, bits)
    status_list.set(0, 1)
    status_list.set(4321, (1 << bits) - 1)
    fields: dict[str, Any] = {
        "uri": URI,
        "issued_at": NOW - timedelta(hours=1),
        "expires": NOW + timedelta(days=1),
        "ttl": 43200,
        "status_list": status_list,
    }
    return StatusListToken(**(fields | changes))


@pytest.mark.parametrize("alg", list(Algorithm))
@pytest.mark.parametrize("form", ["jwt", "cwt"])
def test_sign_verify_round_trip(alg: Algorithm, form: str) -> None:
    key = KEYS[alg]
    token = _token()
    if form == "jwt":
        got = verify_jwt(sign_jwt(token, key), keys=_resolver(key), now=NOW, expected_uri=URI)
    else:
        got = verify_cwt(sign_cwt(token, key), keys=_resolver(key), now=NOW, expected_uri=URI)
    assert got.uri == URI
    assert got.issued_at == token.issued_at
    assert got.expires == token.expires
    assert got.ttl == 43200
    assert got.kid == key.public.thumbprint
    assert got.status_list == token.status_list
    assert (got.status_list.get(0), got.status_list.get(1), got.status_list.get(4321)) == (1, 0, 3)


@pytest.mark.parametrize("form", ["jwt", "cwt"])
def test_optional_claims_may_be_absent(form: str) -> None:
    token = _token(bits=1, expires=None, ttl=None)
    if form == "jwt":
        got = verify_jwt(sign_jwt(token, ED_KEY), keys=_resolver(ED_KEY), now=NOW)
    else:
        got = verify_cwt(sign_cwt(token, ED_KEY), keys=_resolver(ED_KEY), now=NOW)
    assert (got.expires, got.ttl, got.status_list.bits) == (None, None, 1)


def test_cwt_decoded_independently_with_cbor2_and_cryptography() -> None:
    token = _token()
    tag = cbor2.loads(sign_cwt(token, ED_KEY))
    assert tag.tag == 18
    protected_raw, unprotected, payload, signature = tag.value
    assert cbor2.loads(protected_raw) == {
        1: -8,
        4: ED_KEY.public.thumbprint,
        16: "application/statuslist+cwt",
    }
    assert unprotected == {}
    claims = cbor2.loads(payload)
    assert list(claims) == [2, 6, 4, 65534, 65533]  # the draft's example order
    assert claims[2] == URI
    assert claims[6] == int((NOW - timedelta(hours=1)).timestamp())
    assert claims[4] == int((NOW + timedelta(days=1)).timestamp())
    assert claims[65534] == 43200
    assert claims[65533]["bits"] == 2
    assert zlib.decompress(claims[65533]["lst"]) == token.status_list.to_bytes()
    to_be_signed = cbor2.dumps(["Signature1", protected_raw, b"", payload])
    public = ed25519.Ed25519PublicKey.from_public_bytes(b64url_decode(ED_KEY.public.to_jwk()["x"]))
    public.verify(signature, to_be_signed)  # raises InvalidSignature if we got it wrong


@pytest.mark.parametrize("alg", JWCRYPTO_ALGORITHMS)
def test_jwt_decoded_with_base64_json_and_verified_by_jwcrypto(alg: Algorithm) -> None:
    key = KEYS[alg]
    token = _token()
    jwt = sign_jwt(token, key)
    header_b64, payload_b64, _ = jwt.split(".")

    def decode(part: str) -> Any:
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))

    assert decode(header_b64) == {"alg": alg.value, "kid": key.public.kid, "typ": "statuslist+jwt"}
    claims = decode(payload_b64)
    assert set(claims) == {"sub", "iat", "exp", "ttl", "status_list"}
    assert claims["sub"] == URI
    assert claims["iat"] == int((NOW - timedelta(hours=1)).timestamp())
    assert claims["exp"] == int((NOW + timedelta(days=1)).timestamp())
    assert claims["ttl"] == 43200
    lst = claims["status_list"]["lst"]
    assert claims["status_list"]["bits"] == 2
    raw = zlib.decompress(base64.urlsafe_b64decode(lst + "=" * (-len(lst) % 4)))
    assert raw == token.status_list.to_bytes()
    checked = JWS()
    checked.deserialize(jwt, key=JWK(**key.public.public_jwk()), alg=alg.value)
    assert json.loads(checked.payload) == claims


@pytest.mark.parametrize("alg", JWCRYPTO_ALGORITHMS)
def test_a_jwt_signed_by_jwcrypto_verifies_with_ours(alg: Algorithm) -> None:
    key = KEYS[alg]
    header = {"alg": alg.value, "kid": key.public.kid, "typ": "application/statuslist+jwt"}
    jwt = _jws(header, _claims(exp=int((NOW + timedelta(hours=1)).timestamp()), ttl=300), key)
    got = verify_jwt(jwt, keys=_resolver(key), now=NOW, expected_uri=URI)
    assert (got.uri, got.ttl, got.kid) == (URI, 300, key.public.thumbprint)
    assert got.issued_at == datetime.fromtimestamp(1_700_000_000, UTC)
    assert got.status_list == StatusList.from_compressed(zlib.compress(bytes(8)), 2, max_bytes=8)


def test_the_jws_module_raises_the_callers_error_class() -> None:
    """One JWS for trust lists and status lists: each caller names its error class."""
    with pytest.raises(Malformed):
        jws.parse("only.two")
    with pytest.raises(UnknownKey):  # any ElicenseError class will do
        jws.parse("only.two", error=UnknownKey)
    with pytest.raises(ClaimsInvalid):
        jws.load_object(b"[]", "payload", error=ClaimsInvalid)
    parsed = jws.parse(sign_jwt(_token(), ED_KEY))
    jws.verify(parsed, ED_KEY.public)
    with pytest.raises(SignatureInvalid):
        jws.verify(parsed, ES_KEY.public)  # header alg EdDSA, key ES256
    with pytest.raises(SignatureInvalid):
        jws.verify(parsed, SigningKey.generate().public)
    with pytest.raises(InvalidInput):
        jws.sign({"alg": "ES256"}, b"{}", ED_KEY)


# --- what a verifier must refuse --------------------------------------------------------


def _jws(header: dict[str, Any], claims: dict[str, Any], key: SigningKey = ED_KEY) -> str:
    """A JWS built with jwcrypto alone, for tokens our signer would never produce."""
    jws = JWS(json.dumps(claims).encode())
    jws.add_signature(JWK.from_pyca(key.key), protected=json.dumps(header))
    return str(jws.serialize(compact=True))


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}."


def _raw_jws(header: dict[str, Any], claims: dict[str, Any]) -> str:
    """RFC 7515 §5.1 by hand, for headers jwcrypto refuses to produce."""
    signing_input = _unsigned(header, claims)[:-1]
    return f"{signing_input}.{b64url(ED_KEY.sign(signing_input.encode()))}"


def _hs256(header: dict[str, Any], claims: dict[str, Any]) -> str:
    jws = JWS(json.dumps(claims).encode())
    jws.add_signature(JWK(kty="oct", k=b64url(b"k" * 32)), protected=json.dumps(header))
    return str(jws.serialize(compact=True))


def _ed_header(**changes: Any) -> dict[str, Any]:
    return {"alg": "EdDSA", "kid": ED_KEY.public.kid, "typ": "statuslist+jwt"} | changes


def _claims(**changes: Any) -> dict[str, Any]:
    status_list = {"bits": 2, "lst": b64url(zlib.compress(bytes(8), 9))}
    return {"sub": URI, "iat": 1_700_000_000, "status_list": status_list} | changes


def _cwt(claims: Any, typ: Any = "application/statuslist+cwt", key: SigningKey = ED_KEY) -> bytes:
    extra = None if typ is None else {16: typ}
    payload = cbor2.dumps(claims)
    return cose_sign1.sign(payload, key, kid=key.public.thumbprint, extra_protected=extra)


def _cwt_claims(changes: dict[int, Any] | None = None) -> dict[Any, Any]:
    status_list = {"bits": 2, "lst": zlib.compress(bytes(8), 9)}
    return {2: URI, 6: 1_700_000_000, 65533: status_list} | (changes or {})


BOMB = zlib.compress(bytes(8 * 1024 * 1024), 9)  # 8 MiB of zeros in about 8 KB
DRAFT_LST = "eNrbuRgAAhcBXQ"
# Without the duplicate check, the last typ wins and the token reaches the signature.
_DUPLICATE_HEADER = (
    f'{{"typ":"JWT","typ":"statuslist+jwt","alg":"EdDSA","kid":"{ED_KEY.public.kid}"}}'
)
DUPLICATE_TYP = ".".join(
    (b64url(_DUPLICATE_HEADER.encode()), b64url(json.dumps(_claims()).encode()), b64url(bytes(64)))
)


def _with_list(bits: Any, lst: Any) -> dict[str, Any]:
    return _claims(status_list={"bits": bits, "lst": lst})


@pytest.mark.parametrize(
    ("jwt", "error"),
    [
        (_jws(_ed_header(typ="JWT"), _claims()), Malformed),
        (_jws(_ed_header(typ=None), _claims()), Malformed),
        (_unsigned(_ed_header(alg="none"), _claims()), Malformed),
        (_hs256(_ed_header(alg="HS256"), _claims()), Malformed),  # §11.6: no MACs here
        (_raw_jws(_ed_header(crit=["exp"]), _claims()), Malformed),
        (_jws(_ed_header(kid="not base64url!"), _claims()), Malformed),
        (_jws(_ed_header(kid=b64url(b"\0" * 32)), _claims()), UnknownKey),
        (_jws(_ed_header(), _claims(sub=7)), ClaimsInvalid),
        (_jws(_ed_header(), _claims(iat="yesterday")), ClaimsInvalid),
        (_jws(_ed_header(), _claims(iat=1e300)), ClaimsInvalid),
        (_jws(_ed_header(), _claims(ttl=0)), ClaimsInvalid),
        (_jws(_ed_header(), _claims(ttl=1.5)), ClaimsInvalid),
        (_jws(_ed_header(), _claims(exp=1_700_000_001)), StatusListExpired),
        (_jws(_ed_header(), _claims(status_list=None)), ClaimsInvalid),
        (_jws(_ed_header(), _with_list(3, DRAFT_LST)), Malformed),
        (_jws(_ed_header(), _with_list(1, "eNrbu+RgAAhcBXQ")), Malformed),
        (_jws(_ed_header(), _with_list(1, b64url(BOMB))), InflateLimitExceeded),
        (_jws(_ed_header(), _with_list(1, "anVuaw")), CompressionInvalid),
        ("not.a.jwt", Malformed),
        ("only.two", Malformed),
        (_jws(_ed_header(), _claims()) + ".extra", Malformed),
        (DUPLICATE_TYP, Malformed),
    ],
    ids=[
        "typ-JWT", "typ-missing", "alg-none", "alg-HS256-mac", "crit", "kid-not-base64url",
        "kid-unknown", "sub-not-text", "iat-not-date", "iat-out-of-range", "ttl-zero",
        "ttl-fraction", "expired", "status_list-missing", "bits-3", "lst-not-base64url",
        "lst-zlib-bomb", "lst-not-zlib", "garbage", "two-parts", "four-parts", "duplicate-member",
    ],
)  # fmt: skip
def test_verify_jwt_refusals(jwt: str, error: type[ElicenseError]) -> None:
    with pytest.raises(error):
        verify_jwt(jwt, keys=_resolver(ED_KEY), now=NOW)


@pytest.mark.parametrize(
    ("cwt", "error"),
    [
        (_cwt(_cwt_claims(), typ="application/cwt"), Malformed),
        (_cwt(_cwt_claims(), typ=None), Malformed),
        (_cwt(_cwt_claims(), typ=61), Malformed),
        (cbor2.dumps(cbor2.CBORTag(61, cbor2.loads(_cwt(_cwt_claims())))), Malformed),
        (cbor2.dumps(cbor2.loads(_cwt(_cwt_claims())).value), Malformed),  # untagged
        (_cwt(_cwt_claims(), key=SigningKey.from_seed(b"\1" * 32)), UnknownKey),
        (_cwt([1, 2, 3]), ClaimsInvalid),
        (_cwt(_cwt_claims({2: b"uri"})), ClaimsInvalid),
        (_cwt(_cwt_claims({6: "now"})), ClaimsInvalid),
        (_cwt(_cwt_claims({65534: -5})), ClaimsInvalid),
        (_cwt(_cwt_claims({4: 1_700_000_001})), StatusListExpired),
        (_cwt(_cwt_claims({65533: None})), ClaimsInvalid),
        (_cwt(_cwt_claims({65533: {"bits": 2, "lst": "text"}})), Malformed),
        (_cwt(_cwt_claims({65533: {"bits": 1, "lst": BOMB}})), InflateLimitExceeded),
        (b"\xd2\x84", Malformed),
        (b"", Malformed),
    ],
    ids=[
        "typ-cwt", "typ-missing", "typ-integer", "cwt-tag-61", "untagged", "kid-unknown",
        "claims-not-map", "sub-bytes", "iat-text", "ttl-negative", "expired",
        "status-list-missing", "lst-text", "lst-zlib-bomb", "truncated", "empty",
    ],
)  # fmt: skip
def test_verify_cwt_refusals(cwt: bytes, error: type[ElicenseError]) -> None:
    with pytest.raises(error):
        verify_cwt(cwt, keys=_resolver(ED_KEY), now=NOW)


@pytest.mark.parametrize("form", ["jwt", "cwt"])
def test_tampered_signature_wrong_key_expiry_uri_issuer_and_state(form: str) -> None:
    sign, verify = (sign_jwt, verify_jwt) if form == "jwt" else (sign_cwt, verify_cwt)
    token = sign(_token(), ED_KEY)
    keys = _resolver(ED_KEY)
    if isinstance(token, str):
        head, payload, signature = token.split(".")
        flipped = ("B" if signature[5] == "A" else "A").join((signature[:5], signature[6:]))
        tampered: Any = f"{head}.{payload}.{flipped}"
    else:
        tampered = token[:-10] + bytes([token[-10] ^ 1]) + token[-9:]
    with pytest.raises(SignatureInvalid):
        verify(tampered, keys=keys, now=NOW)

    class WrongKeyUnderTheRightKid:
        def resolve(self, kid: bytes) -> TrustedKey:
            return TrustedKey(SigningKey.generate().public, ISSUER)

    with pytest.raises(SignatureInvalid):
        verify(token, keys=WrongKeyUnderTheRightKid(), now=NOW)
    with pytest.raises(UnknownKey):
        verify(token, keys=_resolver(ES_KEY), now=NOW)
    expires = NOW + timedelta(days=1)
    verify(token, keys=keys, now=expires + timedelta(seconds=59))  # within the leeway
    with pytest.raises(StatusListExpired) as caught:
        verify(token, keys=keys, now=expires + timedelta(seconds=60))
    assert caught.value.code == "status_list_expired"
    assert isinstance(caught.value, StatusUnavailable)  # the list is stale, not the credential
    with pytest.raises(StatusListExpired):
        verify(token, keys=keys, now=expires, leeway=timedelta(0))
    with pytest.raises(ClaimsInvalid):
        verify(token, keys=keys, now=NOW, expected_uri=URI + "0")
    assert verify(token, keys=keys, now=NOW, expected_issuer=ISSUER.uscc).uri == URI
    with pytest.raises(UntrustedIssuer):
        verify(
            token, keys=_resolver(ED_KEY, issuer=OTHER_ISSUER), now=NOW, expected_issuer=ISSUER.uscc
        )
    with pytest.raises(KeyCompromised):
        verify(token, keys=_resolver(ED_KEY, state="compromised"), now=NOW)
    with pytest.raises(InflateLimitExceeded):
        verify(token, keys=keys, now=NOW, max_bytes=100)  # the list holds 1,250 bytes
    with pytest.raises(InvalidInput):
        verify(token, keys=keys, now=NOW.replace(tzinfo=None))


def test_a_cwt_is_not_a_jwt_and_back() -> None:
    with pytest.raises(Malformed):
        verify_jwt(sign_cwt(_token(), ED_KEY), keys=_resolver(ED_KEY), now=NOW)  # type: ignore[arg-type]
    with pytest.raises(Malformed):
        verify_cwt(sign_jwt(_token(), ED_KEY), keys=_resolver(ED_KEY), now=NOW)  # type: ignore[arg-type]


def test_signing_refuses_inconsistent_tokens() -> None:
    with pytest.raises(InvalidInput):
        sign_jwt(_token(kid=ES_KEY.public.thumbprint), ED_KEY)
    for changes in [{"issued_at": NOW.replace(tzinfo=None)}, {"ttl": 0}, {"uri": ""}]:
        with pytest.raises(InvalidInput):
            _token(**changes)


# --- the draft's own example tokens -----------------------------------------------------

DRAFT_CWT = """
    d2845820a2012610781a6170706c69636174696f6e2f7374617475736c6973742b63
    7774a1044231325850a502782168747470733a2f2f6578616d706c652e636f6d2f73
    74617475736c697374732f31061a648c5bea041a8898dfea19fffe19a8c019fffda2
    646269747301636c73744a78dadbb918000217015d584093fa4d01032b18c35e2fe1
    101b77fd6cc9440022caa4694450c4e4e9feab4e99d1fa6d9772ce2bf3a12e0323de
    d7c982c5e101a5e67f0cbc1e2b6f57ce99c279"""
DRAFT_JWT = """
    eyJhbGciOiJFUzI1NiIsImtpZCI6IjEyIiwidHlwIjoic3RhdHVzbGlzdCtqd3QifQ.e
    yJleHAiOjIyOTE3MjAxNzAsImlhdCI6MTY4NjkyMDE3MCwiaXNzIjoiaHR0cHM6Ly9le
    GFtcGxlLmNvbSIsInN0YXR1c19saXN0Ijp7ImJpdHMiOjEsImxzdCI6ImVOcmJ1UmdBQ
    WhjQlhRIn0sInN1YiI6Imh0dHBzOi8vZXhhbXBsZS5jb20vc3RhdHVzbGlzdHMvMSIsI
    nR0bCI6NDMyMDB9.2lKUUNG503R9htu4aHAYi7vjmr3sgApbfoDvPrl65N3URUO1EYqq
    Ql45Jfzd-Av4QzlKa3oVALpLwOEUOq-U_g"""


class _AnyKidIsThisKey:
    def __init__(self, key: VerifyingKey) -> None:
        self.key = key

    def resolve(self, kid: bytes) -> TrustedKey:
        return TrustedKey(self.key, ISSUER)


def test_draft_example_tokens_pass_every_check_before_the_signature() -> None:
    """The draft does not publish the example key, so the examples can only get as far
    as the signature; SignatureInvalid (and not Malformed) shows that our reading of
    tag, typ, alg and kid accepts them. Their claims decode with our labels."""
    keys = _AnyKidIsThisKey(ES_KEY.public)
    when = datetime(2024, 1, 1, tzinfo=UTC)
    cwt = bytes.fromhex(_unwrap(DRAFT_CWT))
    with pytest.raises(SignatureInvalid):
        verify_cwt(cwt, keys=keys, now=when)
    with pytest.raises(SignatureInvalid):
        verify_jwt(_unwrap(DRAFT_JWT), keys=keys, now=when)
    claims = cbor2.loads(cose_sign1.decode(cwt, unprotected_kid=True).payload)
    assert claims == {
        2: "https://example.com/statuslists/1",
        6: 1686920170,
        4: 2291720170,
        65534: 43200,
        65533: {"bits": 1, "lst": bytes.fromhex("78dadbb918000217015d")},
    }
    assert StatusList.from_cbor(claims[65533], max_bytes=16).to_bytes() == b"\xb9\xa3"
    payload = _unwrap(DRAFT_JWT).split(".")[1]
    jwt_claims = json.loads(b64url_decode(payload))
    assert StatusList.from_json(jwt_claims["status_list"], max_bytes=16).to_bytes() == b"\xb9\xa3"


# --- fuzzing: malformed input only ever raises typed errors -----------------------------


def _typed_or_valid(verify: Any, data: Any) -> None:
    with contextlib.suppress(ElicenseError):
        verify(data, keys=_resolver(ED_KEY, ES_KEY), now=NOW)


@given(st.binary(max_size=400))
@settings(max_examples=300)
def test_fuzz_cwt_garbage(data: bytes) -> None:
    _typed_or_valid(verify_cwt, data)
    _typed_or_valid(verify_cwt, b"\xd2" + data)


@given(st.text(max_size=400), st.text(alphabet="ABCabc_-.=+/0", max_size=200))
@settings(max_examples=300)
def test_fuzz_jwt_garbage(text: str, b64ish: str) -> None:
    _typed_or_valid(verify_jwt, text)
    _typed_or_valid(verify_jwt, b64ish)


VALID_JWT = sign_jwt(_token(), ED_KEY)
VALID_CWT = sign_cwt(_token(), ES_KEY)


@given(st.data())
@settings(max_examples=300, deadline=None)
def test_fuzz_mutated_tokens(data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(VALID_CWT) - 1))
    cwt = bytearray(VALID_CWT)
    cwt[position] ^= data.draw(st.integers(1, 255))
    _typed_or_valid(verify_cwt, bytes(cwt))
    position = data.draw(st.integers(0, len(VALID_JWT) - 1))
    char = data.draw(st.characters(codec="ascii"))
    _typed_or_valid(verify_jwt, VALID_JWT[:position] + char + VALID_JWT[position + 1 :])


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.text(max_size=8),
    st.sampled_from([URI, 0, 1, 2, 4, 8, 1_700_000_000, 2**64, 10**400]),
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
_lst = st.sampled_from([zlib.compress(bytes(4)), b"", b"x", BOMB[:100], zlib.compress(b"")])


@given(
    st.fixed_dictionaries(
        {},
        optional={
            "sub": _values,
            "iat": _values,
            "exp": _values,
            "ttl": _values,
            "status_list": _values
            | st.fixed_dictionaries({"bits": _values, "lst": _lst.map(b64url) | _values}),
        },
    )
)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_fuzz_signed_jwt_claims(claims: dict[str, Any]) -> None:
    _typed_or_valid(verify_jwt, _jws(_ed_header(), claims))


@given(
    st.fixed_dictionaries(
        {},
        optional={
            2: _values,
            6: _values,
            4: _values,
            65534: _values,
            65533: _values | st.fixed_dictionaries({"bits": _values, "lst": _lst | _values}),
        },
    ),
    st.one_of(st.just("application/statuslist+cwt"), _values),
)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_fuzz_signed_cwt_claims(claims: dict[int, Any], typ: Any) -> None:
    _typed_or_valid(verify_cwt, _cwt(claims, typ=typ))


@pytest.mark.parametrize("form", ["jwt", "cwt"])
def test_a_token_too_big_for_max_bytes_is_refused_before_parsing(form: str) -> None:
    noise = random.Random(7).randbytes(40_000)  # incompressible: about 40 KB of lst
    status_list = StatusList.from_compressed(zlib.compress(noise), 2, max_bytes=40_000)
    token = _token(status_list=status_list)
    sign, verify = (sign_jwt, verify_jwt) if form == "jwt" else (sign_cwt, verify_cwt)
    signed = sign(token, ED_KEY)
    assert verify(signed, keys=_resolver(ED_KEY), now=NOW).status_list == status_list
    with pytest.raises(PayloadTooLarge):
        verify(signed, keys=_resolver(ED_KEY), now=NOW, max_bytes=10_000)


def test_a_list_over_a_mebibyte_is_packed_run_length_and_reads_back() -> None:
    """Past RLE_ABOVE_BYTES the Z_RLE strategy (a zlib stream like any other: its header
    says 'fastest', FLEVEL 0) keeps a 10^7-entry list's compression bounded."""
    from issuers.formats.status_list import RLE_ABOVE_BYTES

    size = 10**7
    status_list = StatusList(size, 2)
    for idx in range(7, size, 9973):
        status_list.set(idx, StatusType.INVALID)
    assert len(status_list.to_bytes()) > RLE_ABOVE_BYTES
    packed = status_list.compressed()
    assert packed[:2] == b"\x78\x01"
    assert zlib.decompress(packed) == status_list.to_bytes()
    decoded = StatusList.from_compressed(packed, 2, max_bytes=len(status_list.to_bytes()))
    assert decoded == status_list
    assert decoded.get(7 + 9973) == StatusType.INVALID
    assert decoded.get(8) == StatusType.VALID
