"""Hypothesis: the JOSE decoders give a typed error for anything, never another
exception (:func:`tests.fuzz.kit.typed`).

Decoders covered here, raw and structured (mutated valid tokens; headers, claims and
disclosures we sign with the expected key so the checks behind the signature run):

- compact JWS (``issuers.formats.jws.parse``, ``load_object``) and unpadded
  base64url (``issuers.crypto.base64url.parse_b64url``: ValueError by contract, the
  one primitive below the typed layer; jws.parse types it).
- public JWKs: ``VerifyingKey.from_jwk`` (holder keys, anchors, SD-JWT ``cnf``) and
  ``wallet.clients.assertion.public_jwk`` (a client's registered key).
- SD-JWT VC + KB-JWT (``issuers.formats.sd_jwt.verify``) and a device's key binding
  (``issuers.formats.sd_jwt.attach_key_binding``).
- RFC 7523 client assertions (``assertion_issuer``, ``verify_assertion``).
- audit checkpoints (``wallet.audit.chain.read_checkpoint``).
- the platform's share annotations (``wallet.consent.annotation.verify_annotation``).

Status list tokens (JWT and CWT, ``issuers.formats.status_list_token.verify_jwt`` /
``verify_cwt``, ``StatusList.from_json`` / ``from_cbor``) and trust lists
(``issuers.trust.verify_trust_list``, its claims) have the same properties, raw,
mutated and signed-with-fuzzed-claims, in tests/issuers/test_status_list.py and
tests/issuers/test_trust_list.py.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from issuers.crypto.base64url import parse_b64url
from issuers.crypto.keys import Algorithm, SigningKey, VerifyingKey, b64url
from issuers.formats import jws, sd_jwt
from tests.fuzz.kit import FUZZ, JSON_VALUES, NESTED_JSON, forge, mutated_text, typed
from wallet.audit.chain import checkpoint_jws, read_checkpoint
from wallet.clients.assertion import assertion_issuer, public_jwk, verify_assertion
from wallet.consent.annotation import (
    ANNOTATION_TYP,
    Annotation,
    sign_annotation,
    verify_annotation,
)

NOW = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
ISSUER = SigningKey.from_seed(b"\x01" * 32)
HOLDER = SigningKey.from_seed(b"\x02" * 32)
CLIENT = SigningKey.generate(Algorithm.ES256)
AUD, NONCE = "https://verifier.example", "n-0123456789"
TOKEN_ENDPOINT = "https://wallet.example/oauth/token"
CLIENT_ID = "svc_fuzz"
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

jws_like = st.text(max_size=300) | st.lists(
    st.text(alphabet=B64URL + "=.~", max_size=80), min_size=1, max_size=5
).map(".".join)


# --- JWS, base64url, JWK --------------------------------------------------------------


@given(jws_like)
@FUZZ
def test_jws_parse_any_text(text: str) -> None:
    typed(jws.parse, text)


@given(st.binary(max_size=200) | JSON_VALUES.map(lambda v: json.dumps(v).encode()) | NESTED_JSON)
@FUZZ
def test_jws_load_object_any_bytes(data: bytes) -> None:
    typed(jws.load_object, data, "fuzz")


@given(st.text(max_size=100) | st.text(alphabet=B64URL, max_size=100), st.booleans())
@FUZZ
def test_parse_b64url_raises_only_value_error(text: str, canonical: bool) -> None:
    with contextlib.suppress(ValueError):
        parse_b64url(text, canonical=canonical)


_JWK = st.fixed_dictionaries(
    {},
    optional={
        "kty": st.sampled_from(["OKP", "EC", "RSA", "oct", ""]) | JSON_VALUES,
        "crv": st.sampled_from(["Ed25519", "P-256", "P-384", "X25519"]) | JSON_VALUES,
        "x": st.sampled_from([HOLDER.public.to_jwk().get("x", ""), "AAAA", ""])
        | st.text(alphabet=B64URL, max_size=60)
        | JSON_VALUES,
        "y": st.text(alphabet=B64URL, max_size=60) | JSON_VALUES,
        "d": st.text(alphabet=B64URL, max_size=10),
        "alg": st.sampled_from(["EdDSA", "ES256", "none"]) | JSON_VALUES,
        "kid": JSON_VALUES,
        "use": JSON_VALUES,
    },
)


@given(_JWK)
@FUZZ
def test_jwk_import_any_object(jwk: dict[str, Any]) -> None:
    typed(VerifyingKey.from_jwk, jwk)
    typed(public_jwk, jwk)


# --- SD-JWT VC + KB-JWT ----------------------------------------------------------------

_CLAIMS = {
    "iss": "https://issuer.example",
    "vct": "https://issuer.example/vct/resident_id",
    "iat": int(NOW.timestamp()) - 60,
    "cnf": {"jwk": HOLDER.public.to_jwk()},
}
_DISCLOSABLE = {"name": "张伟", "birth_date": "1990-03-15"}
ISSUED = sd_jwt.issue(_CLAIMS, _DISCLOSABLE, ISSUER, kid="issuer-1")
PRESENTATION = ISSUED.full()


def _kb(presentation: str, payload: Any = None, header: dict[str, Any] | None = None) -> str:
    if payload is None and header is None:
        return sd_jwt.bind(presentation, HOLDER, aud=AUD, nonce=NONCE, iat=NOW)
    kb_payload = {"iat": int(NOW.timestamp()), "aud": AUD, "nonce": NONCE}
    kb_payload["sd_hash"] = sd_jwt.sd_hash(presentation)
    return presentation + forge(
        header or {"typ": "kb+jwt", "alg": "EdDSA"},
        kb_payload if payload is None else payload,
        HOLDER,
    )


def verify_sd_jwt(text: str) -> None:
    sd_jwt.verify(
        text, issuer_key=ISSUER.public, aud=AUD, nonce=NONCE, now=NOW, kb_max_age=timedelta(1)
    )


def test_the_valid_sd_jwt_verifies() -> None:
    """The structured strategies below start from this presentation."""
    assert typed(verify_sd_jwt, _kb(PRESENTATION)) is None


@given(jws_like.map(lambda t: t.replace(".", "~", 1)) | st.text(max_size=200))
@FUZZ
def test_sd_jwt_any_text(text: str) -> None:
    typed(verify_sd_jwt, text)


@given(st.data())
@FUZZ
def test_sd_jwt_mutated(data: st.DataObject) -> None:
    typed(verify_sd_jwt, data.draw(mutated_text(_kb(PRESENTATION))))


_ISSUER_HEADER = {"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": "issuer-1"}


@given(
    st.dictionaries(
        st.sampled_from(["iss", "iat", "nbf", "exp", "cnf", "_sd", "_sd_alg", "name", "x"]),
        JSON_VALUES
        | st.fixed_dictionaries({"jwk": JSON_VALUES | st.just(HOLDER.public.to_jwk())})
        | st.lists(st.text(max_size=50), max_size=3),
        max_size=5,
    ),
    st.dictionaries(st.sampled_from(["alg", "typ", "crit", "kid"]), JSON_VALUES, max_size=2),
)
@FUZZ
def test_sd_jwt_signed_issuer_claims(changes: dict[str, Any], header: dict[str, Any]) -> None:
    """Any claims and header, signed by the issuer: the checks behind its signature."""
    payload = {**json.loads(jws.parse(ISSUED.jwt).payload), **changes}
    issuer_jwt = forge({**_ISSUER_HEADER, **header}, payload, ISSUER)
    encoded = "".join(f"{d.encoded}~" for d in ISSUED.disclosures)
    typed(verify_sd_jwt, _kb(f"{issuer_jwt}~{encoded}"))


@given(st.lists(st.binary(max_size=60) | JSON_VALUES.map(jws.dumps), min_size=1, max_size=3))
@FUZZ
def test_sd_jwt_signed_digests_of_any_disclosure(contents: list[bytes]) -> None:
    """Disclosures of any content whose digests the issuer signed: the disclosure
    decoder itself is reached."""
    encoded = [b64url(content) for content in contents]
    digests = [sd_jwt.digest_of(text) for text in encoded]
    payload = {**_CLAIMS, "_sd": digests, "_sd_alg": "sha-256"}
    issuer_jwt = forge(_ISSUER_HEADER, payload, ISSUER)
    typed(verify_sd_jwt, _kb(issuer_jwt + "~" + "".join(f"{e}~" for e in encoded)))


@given(
    st.dictionaries(
        st.sampled_from(["iat", "aud", "nonce", "sd_hash", "x"]), JSON_VALUES, max_size=4
    ),
    st.dictionaries(st.sampled_from(["alg", "typ", "crit"]), JSON_VALUES, max_size=2),
)
@FUZZ
def test_sd_jwt_signed_key_binding(changes: dict[str, Any], header: dict[str, Any]) -> None:
    payload = {
        "iat": int(NOW.timestamp()),
        "aud": AUD,
        "nonce": NONCE,
        "sd_hash": sd_jwt.sd_hash(PRESENTATION),
        **changes,
    }
    typed(verify_sd_jwt, _kb(PRESENTATION, payload, {"typ": "kb+jwt", "alg": "EdDSA", **header}))


@given(st.text(max_size=80), st.binary(max_size=120), st.binary(max_size=80))
@FUZZ
def test_attach_key_binding_any_input(presentation: str, signing_input: bytes, sig: bytes) -> None:
    typed(sd_jwt.attach_key_binding, presentation, signing_input, sig, holder_key=HOLDER.public)
    typed(sd_jwt.attach_key_binding, PRESENTATION, signing_input, sig, holder_key=HOLDER.public)


# --- client assertions ------------------------------------------------------------------

CLIENT_JWK = public_jwk(CLIENT.public.to_jwk())


def _verify_assertion(text: str) -> None:
    verify_assertion(text, key=CLIENT_JWK, client_id=CLIENT_ID, audience=TOKEN_ENDPOINT, now=NOW)


_ASSERTION = {
    "iss": CLIENT_ID,
    "sub": CLIENT_ID,
    "aud": TOKEN_ENDPOINT,
    "exp": int(NOW.timestamp()) + 120,
    "iat": int(NOW.timestamp()),
    "jti": "jti-1",
}


def test_the_valid_assertion_verifies() -> None:
    assert typed(_verify_assertion, forge({"alg": "ES256"}, _ASSERTION, CLIENT)) is None


@given(
    jws_like
    | NESTED_JSON.map(lambda payload: f"{b64url(jws.dumps({'alg': 'ES256'}))}.{b64url(payload)}.AA")
)
@FUZZ
def test_client_assertion_any_text(text: str) -> None:
    typed(assertion_issuer, text)
    typed(_verify_assertion, text)


@given(
    st.dictionaries(
        st.sampled_from(["iss", "sub", "aud", "exp", "nbf", "iat", "jti", "x"]),
        JSON_VALUES | st.integers(0, 2**40),
        max_size=4,
    ),
    st.dictionaries(st.sampled_from(["alg", "typ", "crit", "kid", "b64"]), JSON_VALUES, max_size=2),
    st.booleans(),
)
@FUZZ
def test_client_assertion_signed_claims(
    changes: dict[str, Any], header: dict[str, Any], raw: bool
) -> None:
    """Claims and header of any shape, signed by the registered key."""
    payload: Any = {**_ASSERTION, **changes}
    if raw:  # the payload's JSON as a value of any type, e.g. a list or a number
        payload = json.dumps(changes.get("x", [CLIENT_ID]))
    typed(_verify_assertion, forge({"alg": "ES256", **header}, payload, CLIENT))


@given(st.data())
@FUZZ
def test_client_assertion_mutated(data: st.DataObject) -> None:
    text = forge({"alg": "ES256"}, _ASSERTION, CLIENT)
    typed(_verify_assertion, data.draw(mutated_text(text)))


# --- audit checkpoints ------------------------------------------------------------------

CHECKPOINT = checkpoint_jws(ISSUER, 3, "ab" * 32, NOW)


@given(jws_like)
@FUZZ
def test_checkpoint_any_text(text: str) -> None:
    typed(read_checkpoint, text, ISSUER.public)


@given(st.data())
@FUZZ
def test_checkpoint_mutated_and_signed_any_payload(data: st.DataObject) -> None:
    typed(read_checkpoint, data.draw(mutated_text(CHECKPOINT)), ISSUER.public)
    header = {"alg": "EdDSA", "typ": data.draw(JSON_VALUES | st.just("audit-checkpoint+jwt"))}
    typed(read_checkpoint, forge(header, data.draw(JSON_VALUES), ISSUER), ISSUER.public)


# --- share annotations ------------------------------------------------------------------

_ANNOTATION = Annotation(
    iss="https://wallet.example", license_id="1.2.156.x", vct="urn:elicense:vct:marriage",
    client_id=CLIENT_ID, client_name="出生登记服务", client_uscc="113100000000000017",
    purpose="新生儿出生登记", item_code="birth_registration", item_name_zh="出生登记",
    pulled_at=int(NOW.timestamp()), valid_until=int(NOW.timestamp()) + 3600,
    grant_id="g-1", use=1, max_uses=3, share_digest="d", audit_receipt="r",
)  # fmt: skip
ANNOTATION = sign_annotation(_ANNOTATION, ISSUER)


def test_the_valid_annotation_verifies() -> None:
    assert verify_annotation(ANNOTATION, ISSUER.public) == _ANNOTATION


@given(jws_like)
@FUZZ
def test_annotation_any_text(text: str) -> None:
    typed(verify_annotation, text, ISSUER.public, share="x~")


@given(st.data())
@FUZZ
def test_annotation_mutated_and_signed_any_claims(data: st.DataObject) -> None:
    typed(verify_annotation, data.draw(mutated_text(ANNOTATION)), ISSUER.public)
    claims = _ANNOTATION.to_claims()
    name = data.draw(st.sampled_from([*sorted(claims), "x"]))
    claims[name] = data.draw(JSON_VALUES)
    header = {"typ": ANNOTATION_TYP, "alg": "EdDSA", "kid": ISSUER.public.kid}
    header.update(
        data.draw(st.dictionaries(st.sampled_from(["typ", "kid", "crit"]), JSON_VALUES, max_size=1))
    )
    typed(verify_annotation, forge(header, claims, ISSUER), ISSUER.public, share="x~")
