"""Our SD-JWT (issuers.formats.sd_jwt): issue, present, bind, verify, and every
tampering the verifier must refuse (RFC 9901 §7)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from issuers.crypto.base64url import b64url, b64url_decode
from issuers.crypto.keys import Algorithm, SigningKey
from issuers.errors import (
    ClaimsInvalid,
    ElicenseError,
    Expired,
    HolderBindingMissing,
    HolderSignatureInvalid,
    InvalidInput,
    Malformed,
    NonceMismatch,
    NotYetValid,
    PayloadTooLarge,
    PresentationStale,
    SignatureInvalid,
)
from issuers.formats import jws, sd_jwt
from issuers.formats.sd_jwt import Disclosure, IssuedSdJwt

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
AUD, NONCE = "client-medical-insurance", "n-0S6_WzA2Mj"
ISSUER = SigningKey.from_seed(bytes(range(32)))
HOLDER = SigningKey.from_seed(bytes(range(1, 33)))
FIELDS = {"name": "张伟", "sex": "男", "birth_date": "1990-03-15", "address": {"city": "上海"}}


def issued(holder: SigningKey = HOLDER, **extra: Any) -> IssuedSdJwt:
    visible = {
        "iss": "https://elicense.example/issuers/11310000MB0000001X",
        "vct": "urn:elicense:vct:resident_id",
        "iat": int(NOW.timestamp()) - 3600,
        "nbf": int(NOW.timestamp()) - 3600,
        "exp": int((NOW + timedelta(days=365)).timestamp()),
        "cnf": {"jwk": holder.public.to_jwk()},
        **extra,
    }
    return sd_jwt.issue(visible, FIELDS, ISSUER, kid=ISSUER.public.kid)


def shared(names: tuple[str, ...] = ("name", "birth_date"), holder: SigningKey = HOLDER) -> str:
    return sd_jwt.bind(issued(holder).presentation(names), holder, aud=AUD, nonce=NONCE, iat=NOW)


def check(text: str, **overrides: Any) -> sd_jwt.VerifiedSdJwt:
    options: dict[str, Any] = {"issuer_key": ISSUER.public, "aud": AUD, "nonce": NONCE, "now": NOW}
    return sd_jwt.verify(text, **(options | overrides))


def test_only_the_chosen_claims_are_disclosed() -> None:
    verified = check(shared())
    assert verified.disclosed == {"name", "birth_date"}
    assert verified.claims["name"] == "张伟"
    assert "sex" not in verified.claims
    assert "address" not in verified.claims
    assert "_sd" not in verified.claims
    assert verified.kb_payload["aud"] == AUD


def test_nested_values_and_chinese_survive_the_round_trip() -> None:
    verified = check(shared(("address", "sex")))
    assert verified.claims["address"] == {"city": "上海"}
    assert verified.claims["sex"] == "男"


def test_digests_are_sorted_and_decoys_add_digests() -> None:
    payload = json.loads(b64url_decode(issued().jwt.split(".")[1]))
    assert payload["_sd"] == sorted(payload["_sd"])
    assert len(payload["_sd"]) == len(FIELDS)
    decoyed = sd_jwt.issue({}, FIELDS, ISSUER, kid="k", decoys=3)
    assert len(json.loads(b64url_decode(decoyed.jwt.split(".")[1]))["_sd"]) == len(FIELDS) + 3


def test_the_disclosure_encoding_is_utf8_json_and_its_digest() -> None:
    disclosure = Disclosure.of("c2FsdA", "name", "张伟")
    assert json.loads(b64url_decode(disclosure.encoded)) == ["c2FsdA", "name", "张伟"]
    assert "张伟".encode() in b64url_decode(disclosure.encoded)  # not \\u escapes
    assert disclosure.digest == sd_jwt.digest_of(disclosure.encoded)


@pytest.mark.parametrize("alg", list(Algorithm), ids=str)
def test_both_holder_algorithms_bind(alg: Algorithm) -> None:
    holder = SigningKey.generate(alg)
    assert check(shared(holder=holder)).kb_payload["nonce"] == NONCE


def test_a_device_signature_is_attached_only_after_it_verifies() -> None:
    device = SigningKey.generate(Algorithm.ES256)
    presentation = issued(device).presentation(["name"])
    signing_input = sd_jwt.key_binding_input(
        presentation, aud=AUD, nonce=NONCE, iat=NOW, alg=device.alg.value
    )
    signed = sd_jwt.attach_key_binding(
        presentation, signing_input, device.sign(signing_input), holder_key=device.public
    )
    assert check(signed).disclosed == {"name"}
    with pytest.raises(HolderSignatureInvalid):
        sd_jwt.attach_key_binding(
            presentation, signing_input, HOLDER.sign(signing_input), holder_key=device.public
        )
    other = issued(device).presentation(["sex"])
    with pytest.raises(HolderSignatureInvalid):
        sd_jwt.attach_key_binding(
            other, signing_input, device.sign(signing_input), holder_key=device.public
        )


def test_presenting_an_unknown_claim_is_an_error() -> None:
    with pytest.raises(InvalidInput):
        issued().presentation(["name", "spouse"])


@pytest.mark.parametrize("name", ["_sd", "...", "_sd_alg"])
def test_reserved_names_cannot_be_issued(name: str) -> None:
    with pytest.raises(InvalidInput):
        sd_jwt.issue({}, {name: 1}, ISSUER, kid="k")


def _parts(text: str) -> list[str]:
    return text.split("~")


def _rebind(parts: list[str], holder: SigningKey = HOLDER) -> str:
    """Reassemble and sign a fresh KB-JWT, so only the disclosures are under test."""
    presentation = "~".join([*parts[:-1], ""])
    return sd_jwt.bind(presentation, holder, aud=AUD, nonce=NONCE, iat=NOW)


def _tampered_disclosure() -> str:
    parts = _parts(shared())
    salt, name, _ = json.loads(b64url_decode(parts[1]))
    parts[1] = b64url(json.dumps([salt, name, "李娜"], ensure_ascii=False).encode())
    return _rebind(parts)


def _duplicated() -> str:
    parts = _parts(shared())
    return _rebind([parts[0], parts[1], parts[1], parts[-1]])


def _extra_disclosure() -> str:
    stranger = Disclosure.of("c2FsdHNhbHQ", "spouse", "李娜")
    parts = _parts(shared())
    return _rebind([*parts[:-1], stranger.encoded, parts[-1]])


def _reserved_name_disclosure() -> str:
    # An issuer that signed a "..." disclosure: ours refuses to, so sign by hand.
    smuggled = Disclosure.of("c2FsdHNhbHQ", "...", "x")
    payload = {
        "_sd": [smuggled.digest],
        "_sd_alg": "sha-256",
        "cnf": {"jwk": HOLDER.public.to_jwk()},
    }
    header = {"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": "k"}
    jwt = jws.sign(header, json.dumps(payload).encode(), ISSUER)
    return sd_jwt.bind(f"{jwt}~{smuggled.encoded}~", HOLDER, aud=AUD, nonce=NONCE, iat=NOW)


def _reordered_after_binding() -> str:
    parts = _parts(shared())
    return "~".join([parts[0], parts[2], parts[1], parts[3]])


def _disclosure_dropped_after_binding() -> str:
    parts = _parts(shared())
    return "~".join([parts[0], parts[1], parts[3]])


def _issuer_payload_edited() -> str:
    parts = _parts(shared())
    header, payload, signature = parts[0].split(".")
    claims = json.loads(b64url_decode(payload))
    claims["exp"] += 1
    parts[0] = ".".join([header, b64url(json.dumps(claims).encode()), signature])
    return _rebind(parts)


def _no_key_binding() -> str:
    return issued().presentation(["name"])


TAMPERED: dict[str, tuple[Callable[[], str], type[ElicenseError]]] = {
    "tampered disclosure": (_tampered_disclosure, Malformed),
    "duplicated disclosure": (_duplicated, Malformed),
    "extra disclosure": (_extra_disclosure, Malformed),
    "reserved name disclosed": (_reserved_name_disclosure, Malformed),
    "reordered after binding": (_reordered_after_binding, HolderSignatureInvalid),
    "dropped after binding": (_disclosure_dropped_after_binding, HolderSignatureInvalid),
    "issuer payload edited": (_issuer_payload_edited, SignatureInvalid),
    "no key binding": (_no_key_binding, HolderBindingMissing),
}


@pytest.mark.parametrize("case", TAMPERED, ids=list(TAMPERED))
def test_tampering_is_refused(case: str) -> None:
    make, error = TAMPERED[case]
    with pytest.raises(error):
        check(make())


def test_a_reordered_presentation_bound_as_such_is_accepted() -> None:
    # Order of Disclosures is free (§4); only the KB-JWT pins the exact string.
    parts = _parts(shared())
    assert check(_rebind([parts[0], parts[2], parts[1], parts[3]])).disclosed == {
        "name",
        "birth_date",
    }


def test_a_duplicate_digest_in_the_payload_is_refused() -> None:
    disclosure = Disclosure.of("c2FsdHNhbHQ", "name", "x")
    payload = {"_sd": [disclosure.digest] * 2, "cnf": {"jwk": HOLDER.public.to_jwk()}}
    header = {"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": "k"}
    jwt = jws.sign(header, json.dumps(payload).encode(), ISSUER)
    with pytest.raises(Malformed):
        check(sd_jwt.bind(f"{jwt}~", HOLDER, aud=AUD, nonce=NONCE, iat=NOW))


WRONG: dict[str, tuple[dict[str, Any], type[ElicenseError]]] = {
    "other issuer key": ({"issuer_key": SigningKey.generate().public}, SignatureInvalid),
    "other nonce": ({"nonce": "another"}, NonceMismatch),
    "other audience": ({"aud": "client-x"}, ClaimsInvalid),
    "expired": ({"now": NOW + timedelta(days=400)}, Expired),
    "not yet valid": ({"now": NOW - timedelta(days=1)}, NotYetValid),
    "kb too old": (
        {"kb_max_age": timedelta(minutes=5), "now": NOW + timedelta(hours=1)},
        PresentationStale,
    ),
    "kb from the future": ({"now": NOW - timedelta(minutes=10)}, PresentationStale),
    "other typ": ({"typ": "vc+sd-jwt"}, Malformed),
}


@pytest.mark.parametrize("case", WRONG, ids=list(WRONG))
def test_the_verifier_checks_against_its_own_expectations(case: str) -> None:
    overrides, error = WRONG[case]
    with pytest.raises(error):
        check(shared(), **overrides)


def test_a_kb_jwt_dated_in_the_future_is_stale() -> None:
    text = sd_jwt.bind(
        issued().presentation(["name"]), HOLDER, aud=AUD, nonce=NONCE, iat=NOW + timedelta(hours=1)
    )
    with pytest.raises(PresentationStale):
        check(text)


def test_a_kb_jwt_by_another_key_is_refused() -> None:
    text = sd_jwt.bind(
        issued().presentation(["name"]), SigningKey.generate(), aud=AUD, nonce=NONCE, iat=NOW
    )
    with pytest.raises(HolderSignatureInvalid):
        check(text)


@pytest.mark.parametrize(
    "text",
    ["x" * (sd_jwt.MAX_CHARS + 1), "a" + "~" * (sd_jwt.MAX_DISCLOSURES + 3)],
    ids=["too long", "too many disclosures"],
)
def test_sizes_are_bounded_before_parsing(text: str) -> None:
    with pytest.raises(PayloadTooLarge):
        check(text)


@pytest.mark.parametrize("text", ["", "not-a-jwt~", "a.b.c~%%~", "张伟~"], ids=repr)
def test_garbage_is_a_typed_error(text: str) -> None:
    with pytest.raises(ElicenseError):
        check(text)
