"""Signed trust lists: round trip, jwcrypto as the independent check, the resolver
through verify_qr, every refusal by its code, and fuzzing for untyped escapes."""

from __future__ import annotations

import base64
import contextlib
import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st
from jwcrypto.jwk import JWK
from jwcrypto.jws import JWS

from issuers.catalogue import CATALOGUE
from issuers.crypto.keys import Algorithm, SigningKey, b64url
from issuers.errors import (
    InvalidInput,
    KeyCompromised,
    PayloadTooLarge,
    UnknownKey,
    UntrustedIssuer,
)
from issuers.minting import build_record, sign_qr
from issuers.trust import (
    DEFAULT_MAX_BYTES,
    KeyEntry,
    TrustAnchor,
    TrustedIssuerEntry,
    TrustList,
    TrustListInvalid,
    TrustListKeyResolver,
    sign_trust_list,
    trust_list_from_issuers,
    verify_trust_list,
)
from verifiers.qr import verify_qr
from wallet.server import demo

NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
ISSUERS = {info.uscc: info for info in demo.sample_issuers()}
CERTIFICATES: list[dict[str, Any]] = demo.load_json("certificates.json")
JS_CIVIL = "11320000000000002E"  # 江苏省民政厅: marriage
JS_TRANSPORT = "11320000000000005P"  # 江苏省交通运输厅: transport permits
ZJ_TRANSPORT = "11330000000000003M"  # 浙江省交通运输厅: transport permits
SH_POLICE = "113100000000000017"  # 上海市公安局: in nobody's list here


def ed25519(label: int) -> SigningKey:
    return SigningKey.from_seed(bytes([label]) * 32)


def p256(secret: int) -> SigningKey:
    return SigningKey(Algorithm.ES256, ec.derive_private_key(secret, ec.SECP256R1()))


JS_ANCHOR = ed25519(0x32)  # Jiangsu's anchor: Ed25519
ZJ_ANCHOR = p256(0x33)  # Zhejiang's anchor: ES256
ROGUE = ed25519(0x66)
JS_TRANSPORT_KEY = ed25519(1)
JS_TRANSPORT_OLD = ed25519(2)
JS_CIVIL_KEY = p256(3)
ZJ_TRANSPORT_KEY = ed25519(4)
SH_POLICE_KEY = ed25519(5)
BOTH = (TrustAnchor(JS_ANCHOR.public, "320000"), TrustAnchor(ZJ_ANCHOR.public, "330000"))


# --- building lists and credentials --------------------------------------------------


def listed(uscc: str, *keys: KeyEntry, types: tuple[str, ...] | None = None) -> TrustedIssuerEntry:
    info = ISSUERS[uscc]
    if types is not None:
        info = replace(info, allowed_types=frozenset(types))
    return TrustedIssuerEntry(info, keys)


def active(key: SigningKey) -> KeyEntry:
    return KeyEntry.of(key.public, not_before=NOW - timedelta(days=60))


def jiangsu_list(seq: int = 1) -> TrustList:
    """江苏省交通运输厅 with a current and a retired key, 江苏省民政厅 with an ES256 key."""
    retired = KeyEntry.of(
        JS_TRANSPORT_OLD.public,
        state="retired",
        not_before=NOW - timedelta(days=800),
        not_after=NOW - timedelta(days=60),
    )
    entries = [
        listed(JS_TRANSPORT, active(JS_TRANSPORT_KEY), retired),
        listed(JS_CIVIL, active(JS_CIVIL_KEY)),
    ]
    return trust_list_from_issuers("320000", entries, sequence=seq, now=NOW, validity=WEEK)


def zhejiang_list() -> TrustList:
    entries = [listed(ZJ_TRANSPORT, active(ZJ_TRANSPORT_KEY))]
    return trust_list_from_issuers("330000", entries, sequence=1, now=NOW, validity=WEEK)


def signed(region: str, anchor: SigningKey, *entries: TrustedIssuerEntry, seq: int = 1) -> str:
    trust_list = trust_list_from_issuers(region, entries, sequence=seq, now=NOW, validity=WEEK)
    return sign_trust_list(trust_list, anchor)


def mint(uscc: str, type_slug: str, key: SigningKey, *, at: datetime | None = None) -> str:
    item = next(c for c in CERTIFICATES if c["type"] == type_slug)
    record = build_record(
        CATALOGUE[type_slug],
        ISSUERS[uscc],
        item["fields"],
        serial=7,
        now=at or NOW - timedelta(days=30),
        valid_from=date.fromisoformat(item["valid_from"]),
    )
    return sign_qr(record, key)


def resolver(*documents: str, anchors: tuple[TrustAnchor, ...] = BOTH) -> TrustListKeyResolver:
    return TrustListKeyResolver.from_documents(documents, anchors=anchors, now=NOW)


# --- JWS by hand, so the negative cases do not lean on the code under test ------------


def b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def forge(header: dict[str, Any], payload: dict[str, Any] | bytes, key: SigningKey) -> str:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(body)}"
    return f"{signing_input}.{b64url(key.sign(signing_input.encode()))}"


def parts(document: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header, payload, _ = document.split(".")
    return json.loads(b64decode(header)), json.loads(b64decode(payload))


def js_header(**changes: Any) -> dict[str, Any]:
    header = {"alg": "EdDSA", "kid": JS_ANCHOR.public.kid, "typ": "trustlist+jwt", **changes}
    return {k: v for k, v in header.items() if v is not None}


def jiangsu_claims() -> dict[str, Any]:
    return parts(sign_trust_list(jiangsu_list(), JS_ANCHOR))[1]


# --- round trip and the independent check ----------------------------------------------


@pytest.mark.parametrize(("anchor", "region"), [(JS_ANCHOR, "320000"), (ZJ_ANCHOR, "330000")])
def test_sign_then_verify_returns_the_same_list(anchor: SigningKey, region: str) -> None:
    compromised = KeyEntry.of(
        SH_POLICE_KEY.public, state="compromised", compromised_at=NOW - timedelta(days=1)
    )
    source = jiangsu_list() if region == "320000" else zhejiang_list()
    first = source.issuers[0]
    first = replace(first, keys=(*first.keys, compromised))
    source = replace(source, sequence=9, issuers=(first, *source.issuers[1:]))
    document = sign_trust_list(source, anchor)
    header, _ = parts(document)
    assert header == {"alg": anchor.alg.value, "kid": anchor.public.kid, "typ": "trustlist+jwt"}
    got = verify_trust_list(document, anchors=[TrustAnchor(anchor.public, region)], now=NOW)
    assert got == replace(source, anchor_kid=anchor.public.kid)
    assert got.issuers[0].keys[-1].state == "compromised"


@pytest.mark.parametrize("anchor", [JS_ANCHOR, ZJ_ANCHOR], ids=["EdDSA", "ES256"])
def test_jwcrypto_verifies_our_list_and_agrees_on_every_kid(anchor: SigningKey) -> None:
    document = sign_trust_list(jiangsu_list(), anchor)
    jws = JWS()
    jws.deserialize(document)
    jws.verify(JWK(**anchor.public.public_jwk()))  # raises if it does not verify
    header = jws.jose_header
    assert header["typ"] == "trustlist+jwt"
    assert header["kid"] == JWK(**anchor.public.public_jwk()).thumbprint()
    claims = json.loads(jws.payload)
    assert claims["iss"] == "320000"
    assert claims["seq"] == 1
    assert claims["iat"] == int(NOW.timestamp())
    assert claims["exp"] == int((NOW + WEEK).timestamp())
    assert [i["uscc"] for i in claims["issuers"]] == [JS_TRANSPORT, JS_CIVIL]
    keys = [k for i in claims["issuers"] for k in i["keys"]]
    assert [k["status"] for k in keys] == ["active", "retired", "active"]
    for jwk in keys:
        assert jwk["kid"] == JWK(**jwk).thumbprint()  # RFC 7638, computed by jwcrypto
        assert jwk["use"] == "sig"
        assert not {"d", "p", "q"} & jwk.keys()


@pytest.mark.parametrize(
    ("anchor", "make_list"),
    [(JS_ANCHOR, jiangsu_list), (ZJ_ANCHOR, zhejiang_list)],
    ids=["EdDSA", "ES256"],
)
def test_a_list_signed_by_jwcrypto_verifies(
    anchor: SigningKey, make_list: Callable[[], TrustList]
) -> None:
    pem = anchor.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    private = JWK.from_pem(pem)
    claims = parts(sign_trust_list(make_list(), anchor))[1]
    jws = JWS(json.dumps(claims, ensure_ascii=False).encode())
    protected = {"alg": anchor.alg.value, "kid": private.thumbprint(), "typ": "trustlist+jwt"}
    jws.add_signature(private, None, json.dumps(protected))
    got = verify_trust_list(jws.serialize(compact=True), anchors=BOTH, now=NOW)
    assert got == replace(make_list(), anchor_kid=anchor.public.kid)


# --- the resolver through verify_qr ----------------------------------------------------


def test_a_listed_issuer_key_verifies_its_credential() -> None:
    keys = resolver(sign_trust_list(jiangsu_list(), JS_ANCHOR))
    result = verify_qr(
        mint(JS_TRANSPORT, "road_transport_permit", JS_TRANSPORT_KEY), keys=keys, now=NOW
    )
    assert result.issuer == ISSUERS[JS_TRANSPORT]
    assert result.type_slug == "road_transport_permit"
    result = verify_qr(mint(JS_CIVIL, "marriage", JS_CIVIL_KEY), keys=keys, now=NOW)
    assert (result.issuer.uscc, result.alg) == (JS_CIVIL, "ES256")


def test_an_issuer_in_no_trusted_list_is_unknown() -> None:
    keys = resolver(sign_trust_list(jiangsu_list(), JS_ANCHOR))
    with pytest.raises(UnknownKey) as caught:
        verify_qr(mint(SH_POLICE, "resident_id", SH_POLICE_KEY), keys=keys, now=NOW)
    assert caught.value.code == "unknown_key"


def test_a_type_the_list_does_not_allow_is_untrusted() -> None:
    only_roads = listed(JS_TRANSPORT, active(JS_TRANSPORT_KEY), types=("road_transport_permit",))
    keys = resolver(signed("320000", JS_ANCHOR, only_roads))
    verify_qr(mint(JS_TRANSPORT, "road_transport_permit", JS_TRANSPORT_KEY), keys=keys, now=NOW)
    with pytest.raises(UntrustedIssuer) as caught:
        verify_qr(mint(JS_TRANSPORT, "ride_hailing_permit", JS_TRANSPORT_KEY), keys=keys, now=NOW)
    assert caught.value.code == "untrusted_issuer"


def test_a_listed_key_cannot_speak_for_another_issuer() -> None:
    keys = resolver(sign_trust_list(jiangsu_list(), JS_ANCHOR))
    with pytest.raises(UntrustedIssuer):  # Jiangsu transport's key, Zhejiang's name
        verify_qr(mint(ZJ_TRANSPORT, "road_transport_permit", JS_TRANSPORT_KEY), keys=keys, now=NOW)


def test_mutual_recognition_needs_the_other_provinces_anchor() -> None:
    jiangsu = sign_trust_list(jiangsu_list(), JS_ANCHOR)
    zhejiang = sign_trust_list(zhejiang_list(), ZJ_ANCHOR)
    js_credential = mint(JS_TRANSPORT, "ride_hailing_permit", JS_TRANSPORT_KEY)
    zj_credential = mint(ZJ_TRANSPORT, "ride_hailing_permit", ZJ_TRANSPORT_KEY)

    both = resolver(jiangsu, zhejiang, anchors=BOTH)
    assert verify_qr(js_credential, keys=both, now=NOW).issuer.uscc == JS_TRANSPORT
    assert verify_qr(zj_credential, keys=both, now=NOW).issuer.uscc == ZJ_TRANSPORT

    with pytest.raises(TrustListInvalid) as caught:  # a Jiangsu-only verifier refuses it
        verify_trust_list(zhejiang, anchors=BOTH[:1], now=NOW)
    assert caught.value.code == "untrusted_anchor"
    jiangsu_only = resolver(jiangsu, anchors=BOTH[:1])
    verify_qr(js_credential, keys=jiangsu_only, now=NOW)
    with pytest.raises(UnknownKey):
        verify_qr(zj_credential, keys=jiangsu_only, now=NOW)


def test_a_key_the_list_marks_compromised_fails_everything_it_signed() -> None:
    credential = mint(JS_TRANSPORT, "road_transport_permit", JS_TRANSPORT_KEY)
    compromised = KeyEntry.of(
        JS_TRANSPORT_KEY.public, state="compromised", compromised_at=NOW - timedelta(days=1)
    )
    keys = resolver(signed("320000", JS_ANCHOR, listed(JS_TRANSPORT, compromised), seq=2))
    with pytest.raises(KeyCompromised) as caught:
        verify_qr(credential, keys=keys, now=NOW)
    assert caught.value.code == "key_compromised"


def test_a_retired_key_still_verifies_what_it_signed_before() -> None:
    old = mint(
        JS_TRANSPORT, "road_transport_permit", JS_TRANSPORT_OLD, at=NOW - timedelta(days=400)
    )
    keys = resolver(sign_trust_list(jiangsu_list(), JS_ANCHOR))
    assert keys.resolve(JS_TRANSPORT_OLD.public.thumbprint).state == "retired"
    assert verify_qr(old, keys=keys, now=NOW).issuer.uscc == JS_TRANSPORT


# --- how overlapping lists combine -----------------------------------------------------


def test_the_later_list_of_an_anchor_replaces_the_earlier_whole() -> None:
    first = sign_trust_list(jiangsu_list(seq=1), JS_ANCHOR)
    second = signed("320000", JS_ANCHOR, listed(JS_CIVIL, active(JS_CIVIL_KEY)), seq=2)
    for order in ((first, second), (second, first)):
        keys = resolver(*order)
        assert [t.sequence for t in keys.trust_lists] == [2]
        keys.resolve(JS_CIVIL_KEY.public.thumbprint)
        with pytest.raises(UnknownKey):  # dropped from seq 2
            keys.resolve(JS_TRANSPORT_KEY.public.thumbprint)


def test_two_lists_with_one_sequence_number_and_different_content_are_refused() -> None:
    first = sign_trust_list(jiangsu_list(seq=3), JS_ANCHOR)
    other = signed("320000", JS_ANCHOR, listed(JS_CIVIL, active(JS_CIVIL_KEY)), seq=3)
    resolver(first, first)  # the same list twice is fine
    with pytest.raises(TrustListInvalid):
        resolver(first, other)


def test_different_anchors_listing_one_issuer_keep_both_keys() -> None:
    second_anchor = ed25519(0x34)  # e.g. Jiangsu's next anchor key, both configured
    one = signed("320000", JS_ANCHOR, listed(JS_TRANSPORT, active(JS_TRANSPORT_KEY)), seq=5)
    two = signed("320000", second_anchor, listed(JS_TRANSPORT, active(JS_TRANSPORT_OLD)), seq=1)
    keys = resolver(one, two, anchors=(BOTH[0], TrustAnchor(second_anchor.public, "320000")))
    assert len(keys) == 2
    for key in (JS_TRANSPORT_KEY, JS_TRANSPORT_OLD):
        credential = mint(JS_TRANSPORT, "road_transport_permit", key)
        assert verify_qr(credential, keys=keys, now=NOW).issuer.uscc == JS_TRANSPORT


def test_one_key_listed_twice_takes_the_most_severe_state_or_is_ambiguous() -> None:
    second_anchor = ed25519(0x34)
    anchors = (BOTH[0], TrustAnchor(second_anchor.public, "320000"))
    base = listed(JS_TRANSPORT, active(JS_TRANSPORT_KEY))
    compromised = listed(JS_TRANSPORT, replace(active(JS_TRANSPORT_KEY), state="compromised"))
    keys = resolver(
        signed("320000", JS_ANCHOR, base),
        signed("320000", second_anchor, compromised),
        anchors=anchors,
    )
    assert keys.resolve(JS_TRANSPORT_KEY.public.thumbprint).state == "compromised"

    narrower = listed(JS_TRANSPORT, active(JS_TRANSPORT_KEY), types=("road_transport_permit",))
    keys = resolver(
        signed("320000", JS_ANCHOR, base),
        signed("320000", second_anchor, narrower),
        anchors=anchors,
    )
    with pytest.raises(UntrustedIssuer):
        keys.resolve(JS_TRANSPORT_KEY.public.thumbprint)


# --- refusals, each by its code --------------------------------------------------------


def _tampered_payload() -> str:
    header, payload, signature = sign_trust_list(jiangsu_list(), JS_ANCHOR).split(".")
    claims = json.loads(b64decode(payload))
    claims["issuers"][0]["allowed_types"].append("marriage")
    return f"{header}.{b64url(json.dumps(claims).encode())}.{signature}"


def _zeroed_signature() -> str:
    header, payload, _ = sign_trust_list(jiangsu_list(), JS_ANCHOR).split(".")
    return f"{header}.{payload}.{b64url(bytes(64))}"


def _duplicate_header_member() -> str:
    # The last "typ" is the right one: a parser that keeps the last would accept it.
    raw = '{"typ": "JWT", ' + json.dumps(js_header())[1:]
    header = b64url(raw.encode())
    payload = b64url(json.dumps(jiangsu_claims()).encode())
    return f"{header}.{payload}.{b64url(JS_ANCHOR.sign(f'{header}.{payload}'.encode()))}"


def _duplicate_payload_member() -> str:
    raw = '{"seq": 99, ' + json.dumps(jiangsu_claims())[1:]
    return forge(js_header(), raw.encode(), JS_ANCHOR)


JWS_CASES: dict[str, tuple[Callable[[], str], str]] = {
    "tampered-payload": (_tampered_payload, "trust_list_signature_invalid"),
    "zeroed-signature": (_zeroed_signature, "trust_list_signature_invalid"),
    "anchor-kid-rogue-key": (
        lambda: forge(js_header(), jiangsu_claims(), ROGUE),
        "trust_list_signature_invalid",
    ),
    "alg-not-the-anchors": (
        lambda: forge(js_header(alg="ES256"), jiangsu_claims(), JS_ANCHOR),
        "trust_list_signature_invalid",
    ),
    "untrusted-anchor": (
        lambda: sign_trust_list(jiangsu_list(), ROGUE),
        "untrusted_anchor",
    ),
    "typ-JWT": (
        lambda: forge(js_header(typ="JWT"), jiangsu_claims(), JS_ANCHOR),
        "trust_list_invalid",
    ),
    "typ-statuslist": (
        lambda: forge(js_header(typ="statuslist+jwt"), jiangsu_claims(), JS_ANCHOR),
        "trust_list_invalid",
    ),
    "typ-missing": (
        lambda: forge(js_header(typ=None), jiangsu_claims(), JS_ANCHOR),
        "trust_list_invalid",
    ),
    "alg-none": (
        lambda: forge(js_header(alg="none"), jiangsu_claims(), JS_ANCHOR),
        "trust_list_invalid",
    ),
    "kid-missing": (
        lambda: forge(js_header(kid=None), jiangsu_claims(), JS_ANCHOR),
        "trust_list_invalid",
    ),
    "crit": (
        lambda: forge(js_header(crit=["exp"]), jiangsu_claims(), JS_ANCHOR),
        "trust_list_invalid",
    ),
    "duplicate-header-member": (_duplicate_header_member, "trust_list_invalid"),
    "payload-duplicate-member": (_duplicate_payload_member, "trust_list_invalid"),
    "payload-not-object": (lambda: forge(js_header(), b"[1,2]", JS_ANCHOR), "trust_list_invalid"),
    "payload-NaN": (lambda: forge(js_header(), b'{"seq":NaN}', JS_ANCHOR), "trust_list_invalid"),
    "payload-not-utf8": (
        lambda: forge(js_header(), b"\xff\xfe{}", JS_ANCHOR),
        "trust_list_invalid",
    ),
    "two-segments": (lambda: "eyJhIjoxfQ.eyJhIjoxfQ", "trust_list_invalid"),
    "padded": (lambda: sign_trust_list(jiangsu_list(), JS_ANCHOR) + "==", "trust_list_invalid"),
    "non-base64url": (
        lambda: sign_trust_list(jiangsu_list(), JS_ANCHOR).replace("e", "+", 1),
        "trust_list_invalid",
    ),
    "non-ascii": (lambda: "信任列表.e30.AAAA", "trust_list_invalid"),
    "empty": (lambda: "", "trust_list_invalid"),
    "deep-header": (lambda: b64url(b"[" * 1500) + ".e30.AAAA", "trust_list_invalid"),
    "deep-payload": (lambda: forge(js_header(), b"[" * 100_000, JS_ANCHOR), "trust_list_invalid"),
    "huge-header": (lambda: "A" * 5000 + ".e30.AAAA", "trust_list_invalid"),
}


@pytest.mark.parametrize(("make", "code"), JWS_CASES.values(), ids=JWS_CASES.keys())
def test_a_bad_document_is_refused_with_its_code(make: Callable[[], str], code: str) -> None:
    with pytest.raises(TrustListInvalid) as caught:
        verify_trust_list(make(), anchors=BOTH, now=NOW)
    assert caught.value.code == code


@pytest.mark.parametrize("typ", ["trustlist+jwt", "TrustList+JWT", "application/trustlist+jwt"])
def test_typ_compares_as_rfc7515_says(typ: str) -> None:
    document = forge(js_header(typ=typ), jiangsu_claims(), JS_ANCHOR)
    assert verify_trust_list(document, anchors=BOTH, now=NOW).sequence == 1


def test_a_list_expires_at_its_next_update() -> None:
    document = sign_trust_list(jiangsu_list(), JS_ANCHOR)
    verify_trust_list(document, anchors=BOTH, now=NOW + WEEK - timedelta(seconds=1))
    for now in (NOW + WEEK, NOW + WEEK * 50):
        with pytest.raises(TrustListInvalid) as caught:
            verify_trust_list(document, anchors=BOTH, now=now)
        assert caught.value.code == "trust_list_expired"


def test_an_oversized_document_is_refused_before_it_is_read() -> None:
    with pytest.raises(PayloadTooLarge) as caught:
        verify_trust_list("A" * (DEFAULT_MAX_BYTES + 1), anchors=BOTH, now=NOW)
    assert caught.value.code == "payload_too_large"
    document = sign_trust_list(jiangsu_list(), JS_ANCHOR)
    verify_trust_list(document, anchors=BOTH, now=NOW, max_bytes=len(document))
    with pytest.raises(PayloadTooLarge):
        verify_trust_list(document, anchors=BOTH, now=NOW, max_bytes=len(document) - 1)


# --- claims that are signed but wrong ---------------------------------------------------

DELETE = object()
OTHER_KID = ROGUE.public.kid
ISSUED = int(NOW.timestamp())


def _change(*path: Any, to: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(claims: dict[str, Any]) -> None:
        *parents, last = path
        target: Any = claims
        for step in parents:
            target = target[step]
        if to is DELETE:
            del target[last]
        else:
            target[last] = to(target[last]) if callable(to) else to

    return mutate


def _key(*path: Any, to: Any) -> Callable[[dict[str, Any]], None]:
    return _change("issuers", 0, "keys", 0, *path, to=to)


BAD_CLAIMS: dict[str, Callable[[dict[str, Any]], None]] = {
    "iss-missing": _change("iss", to=DELETE),
    "iss-five-digits": _change("iss", to="32000"),
    "iss-no-such-province": _change("iss", to="990000"),
    "iss-number": _change("iss", to=320000),
    "region-name-number": _change("region_name", to=5),
    "iat-string": _change("iat", to=str(ISSUED)),
    "exp-float": _change("exp", to=ISSUED + 3600.5),
    "exp-beyond-9999": _change("exp", to=10**12),
    "exp-not-after-iat": _change("exp", to=ISSUED),
    "seq-missing": _change("seq", to=DELETE),
    "seq-negative": _change("seq", to=-1),
    "seq-bool": _change("seq", to=True),
    "seq-over-2^53": _change("seq", to=2**53),
    "issuers-object": _change("issuers", to={}),
    "issuer-not-object": _change("issuers", 0, to="11320000000000005P"),
    "uscc-check-character": _change("issuers", 0, "uscc", to="11320000000000005Q"),
    "uscc-lower-case": _change("issuers", 0, "uscc", to="11320000000000005p"),
    "uscc-missing": _change("issuers", 0, "uscc", to=DELETE),
    "uscc-twice": _change("issuers", 1, "uscc", to=JS_TRANSPORT),
    "region-outside-the-lists": _change("issuers", 0, "region_code", to="330000"),
    "region-code-bad": _change("issuers", 0, "region_code", to="3200000"),
    "name-empty": _change("issuers", 0, "name_zh", to=" "),
    "name-control-character": _change("issuers", 0, "name_zh", to="江苏\x00交通"),
    "name-too-long": _change("issuers", 0, "name_zh", to="长" * 201),
    "name-en-missing": _change("issuers", 0, "name_en", to=DELETE),
    "type-unknown": _change("issuers", 0, "allowed_types", to=["spaceship_licence"]),
    "type-twice": _change("issuers", 1, "allowed_types", to=["marriage", "marriage"]),
    "types-string": _change("issuers", 0, "allowed_types", to="marriage"),
    "keys-missing": _change("issuers", 0, "keys", to=DELETE),
    "key-not-object": _key(to="ed25519"),
    "key-twice": _change(
        "issuers", 1, "keys", to=lambda _: [jiangsu_claims()["issuers"][0]["keys"][0]]
    ),
    "kid-not-thumbprint": _key("kid", to=OTHER_KID),
    "kid-missing": _key("kid", to=DELETE),
    "alg-mismatch": _key("alg", to="ES256"),
    "use-enc": _key("use", to="enc"),
    "status-unknown": _key("status", to="revoked"),
    "status-missing": _key("status", to=DELETE),
    "private-member": _key("d", to="AAAA"),
    "x-padded": _key("x", to=lambda x: x + "="),
    "x-too-short": _key("x", to=lambda x: x[:-2]),
    "x-number": _key("x", to=7),
    "kty-rsa": _key("kty", to="RSA"),
    "ec-point-off-curve": _change("issuers", 1, "keys", 0, "y", to=b64url(bytes(32))),
    "key-exp-before-nbf": _key("exp", to=0),
    "key-nbf-string": _key("nbf", to="yesterday"),
    "compromised-at-on-an-active-key": _key("compromised_at", to=ISSUED),
}


@pytest.mark.parametrize("mutate", BAD_CLAIMS.values(), ids=BAD_CLAIMS.keys())
def test_signed_but_wrong_claims_are_invalid(mutate: Callable[[dict[str, Any]], None]) -> None:
    claims = jiangsu_claims()
    mutate(claims)
    with pytest.raises(TrustListInvalid) as caught:
        verify_trust_list(forge(js_header(), claims, JS_ANCHOR), anchors=BOTH, now=NOW)
    assert caught.value.code == "trust_list_invalid"
    assert caught.value.field


def test_the_unmutated_claims_pass_so_the_cases_above_test_one_thing_each() -> None:
    got = verify_trust_list(forge(js_header(), jiangsu_claims(), JS_ANCHOR), anchors=BOTH, now=NOW)
    assert got == replace(jiangsu_list(), anchor_kid=JS_ANCHOR.public.kid)


def test_the_signer_refuses_what_a_verifier_would_refuse() -> None:
    bad = replace(jiangsu_list(), region_code="330000")  # Jiangsu issuers in a Zhejiang list
    with pytest.raises(InvalidInput) as caught:
        sign_trust_list(bad, JS_ANCHOR)
    assert caught.value.field == "issuers[0].uscc"  # registered in Jiangsu, not Zhejiang
    with pytest.raises(InvalidInput) as caught:
        sign_trust_list(replace(jiangsu_list(), anchor_kid=ZJ_ANCHOR.public.kid), JS_ANCHOR)
    assert caught.value.field == "anchor_kid"


# --- fuzzing: malformed input only ever raises typed errors -----------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats()
    | st.text(max_size=24)
    | st.sampled_from(["320000", JS_TRANSPORT, "active", "compromised", "marriage", OTHER_KID]),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return
    for key, child in items:
        yield (*prefix, key)
        yield from _paths(child, (*prefix, key))


BASE_CLAIMS = jiangsu_claims()
CLAIM_PATHS = sorted(_paths(BASE_CLAIMS), key=repr)


@settings(max_examples=400, deadline=None)
@given(
    path=st.sampled_from(CLAIM_PATHS),
    value=JSON_VALUES | st.just(DELETE),
    extra=st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=2),
)
def test_fuzzed_signed_claims_verify_or_raise_trust_list_invalid(
    path: tuple[Any, ...], value: Any, extra: dict[str, Any]
) -> None:
    claims = copy.deepcopy(BASE_CLAIMS)
    _change(*path, to=value)(claims)
    claims.update(extra)
    with contextlib.suppress(TrustListInvalid):  # anything else fails the test
        verify_trust_list(forge(js_header(), claims, JS_ANCHOR), anchors=BOTH, now=NOW)


@settings(max_examples=300, deadline=None)
@given(header=st.dictionaries(st.sampled_from(["alg", "kid", "typ", "crit", "x"]), JSON_VALUES))
def test_fuzzed_headers_verify_or_raise_trust_list_invalid(header: dict[str, Any]) -> None:
    document = forge({**js_header(), **header}, BASE_CLAIMS, JS_ANCHOR)
    with contextlib.suppress(TrustListInvalid):
        verify_trust_list(document, anchors=BOTH, now=NOW)


DOCUMENT = sign_trust_list(jiangsu_list(), JS_ANCHOR)


@settings(max_examples=400, deadline=None)
@given(position=st.integers(0, len(DOCUMENT) - 1), character=st.characters(max_codepoint=0x7F))
def test_any_changed_character_is_refused(position: int, character: str) -> None:
    changed = DOCUMENT[:position] + character + DOCUMENT[position + 1 :]
    if changed.strip() == DOCUMENT:
        return
    with pytest.raises(TrustListInvalid):
        verify_trust_list(changed, anchors=BOTH, now=NOW)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300) | st.from_regex(r"[A-Za-z0-9_=.-]{0,300}", fullmatch=True))
def test_arbitrary_text_is_refused_with_a_typed_error(text: str) -> None:
    with pytest.raises(TrustListInvalid):
        verify_trust_list(text, anchors=BOTH, now=NOW)
