"""The annotation (加注) on a share: signed by the platform key, checked by jwcrypto (not
our code) and by ours, and refused when altered, re-keyed, re-typed or moved to another
share."""

from __future__ import annotations

import hashlib
import json

import pytest
from jwcrypto.jwk import JWK
from jwcrypto.jws import JWS

from issuers.crypto.base64url import b64url, b64url_decode
from issuers.crypto.keys import SigningKey
from issuers.crypto.platform_key import platform_signing_key
from issuers.errors import Malformed, SignatureInvalid, UnknownKey
from issuers.formats import jws
from wallet.consent.annotation import (
    ANNOTATION_TYP,
    Annotation,
    share_digest,
    sign_annotation,
    verify_annotation,
)

PLATFORM = platform_signing_key(bytes(range(32)))
SHARE = "eyJhbGciOiJFZERTQSJ9.e30.c2ln~WyJzIiwibmFtZSIsIuW8oOS8nyJd~eyJ0eXAiOiJrYitqd3QifQ.e30.c2ln"


def annotation(**changes: object) -> Annotation:
    values: dict[str, object] = {
        "iss": "https://elicense.example",
        "license_id": "1100000000000000010001310104199003151234",
        "vct": "urn:elicense:vct:marriage",
        "client_id": "sh-hukou",
        "client_name": "徐汇公安分局户政",
        "client_uscc": "11310104MB2F12345X",
        "purpose": "为新生儿张浩办理出生登记",
        "item_code": "birth_registration",
        "item_name_zh": "出生登记",
        "pulled_at": 1_790_000_000,
        "valid_until": 1_790_086_400,
        "grant_id": "g-123",
        "use": 1,
        "max_uses": 3,
        "share_digest": share_digest(SHARE),
        "audit_receipt": "a" * 64,
    }
    values.update(changes)
    return Annotation(**values)  # type: ignore[arg-type]


def test_jwcrypto_verifies_it_with_the_published_key_and_reads_every_claim() -> None:
    token = sign_annotation(annotation(), PLATFORM)
    header = json.loads(b64url_decode(token.split(".")[0]))
    assert header == {"typ": ANNOTATION_TYP, "alg": "EdDSA", "kid": PLATFORM.public.kid}
    checked = JWS()
    checked.deserialize(token, key=JWK(**PLATFORM.public.public_jwk()), alg="EdDSA")
    claims = json.loads(checked.payload)
    assert claims["bundle_item"] == {"code": "birth_registration", "name_zh": "出生登记"}
    assert claims["use"] == {"n": 1, "max": 3}
    assert claims["client_name"] == "徐汇公安分局户政"
    assert claims["pulled_at"] == 1_790_000_000
    assert "holder_ref" not in claims
    assert claims["share_digest"] == share_digest(SHARE)


def test_ours_round_trips_and_ties_it_to_its_share() -> None:
    token = sign_annotation(annotation(holder_ref="party-1"), PLATFORM)
    read = verify_annotation(token, PLATFORM.public, share=SHARE)
    assert read == annotation(holder_ref="party-1")
    with pytest.raises(SignatureInvalid) as refused:
        verify_annotation(token, PLATFORM.public, share=SHARE + "x")
    assert refused.value.field == "share_digest"


def test_share_digest_is_sha256_of_the_exact_text() -> None:

    assert share_digest("abc~") == b64url(hashlib.sha256(b"abc~").digest())
    assert share_digest("abc~") != share_digest("abc")


def test_an_altered_payload_fails_the_signature() -> None:
    header, _, signature = sign_annotation(annotation(), PLATFORM).split(".")
    forged = b64url(jws.dumps(annotation(purpose="别的事由").to_claims()))
    with pytest.raises(SignatureInvalid):
        verify_annotation(f"{header}.{forged}.{signature}", PLATFORM.public)


def test_another_key_is_unknown_even_with_its_own_valid_signature() -> None:
    other = SigningKey.generate()
    with pytest.raises(UnknownKey):
        verify_annotation(sign_annotation(annotation(), other), PLATFORM.public)


def test_another_typ_is_refused_before_the_signature() -> None:
    header = {"typ": "JWT", "alg": "EdDSA", "kid": PLATFORM.public.kid}
    token = jws.sign(header, jws.dumps(annotation().to_claims()), PLATFORM)
    with pytest.raises(Malformed):
        verify_annotation(token, PLATFORM.public)


@pytest.mark.parametrize("missing", ["purpose", "use", "bundle_item", "audit_receipt"])
def test_a_missing_claim_is_malformed(missing: str) -> None:
    claims = annotation().to_claims()
    del claims[missing]
    header = {"typ": ANNOTATION_TYP, "alg": "EdDSA", "kid": PLATFORM.public.kid}
    with pytest.raises(Malformed):
        verify_annotation(jws.sign(header, jws.dumps(claims), PLATFORM), PLATFORM.public)


def test_oversized_text_is_refused_unparsed() -> None:
    with pytest.raises(Malformed):
        verify_annotation("a" * 10_000, PLATFORM.public)
