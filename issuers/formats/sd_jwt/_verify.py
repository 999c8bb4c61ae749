"""Verifying an SD-JWT+KB (RFC 9901 §7.1, §7.3): issuer signature, Disclosures, then
the Key Binding.

https://www.rfc-editor.org/rfc/rfc9901#section-7

Order of checks, each raising its own verdict from :mod:`issuers.errors`:

1. sizes, before anything is split or decoded (:data:`MAX_CHARS`,
   :data:`MAX_DISCLOSURES`), else ``payload_too_large``;
2. the issuer-signed JWT: ``typ`` (SD-JWT VC §3.2.1), ``alg`` = the issuer key's,
   signature, else ``malformed`` / ``signature_invalid``;
3. the Disclosures (§7.1 step 3): each canonical base64url of a JSON array
   ``[salt, name, value]``, digest referenced once by the top-level ``_sd``, no two
   alike, no name ``_sd`` or ``...``, none overwriting a visible claim; else
   ``malformed``. This profile discloses top-level properties only, so array-element
   Disclosures are refused;
4. ``nbf`` / ``exp`` against ``now`` (the sd-jwt reference library checks neither);
5. the KB-JWT (§7.3): a holder key in ``cnf.jwk``, ``typ`` ``kb+jwt``, the signature
   by that key, ``nonce``, ``aud``, ``iat`` not in the future (nor older than
   ``kb_max_age`` when given), and ``sd_hash`` over exactly the presentation it
   follows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NoReturn

from issuers.crypto.base64url import b64url, parse_b64url
from issuers.crypto.keys import VerifyingKey
from issuers.errors import (
    ClaimsInvalid,
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
from issuers.formats import jws
from issuers.formats.sd_jwt._issue import DIGEST_ALG, RESERVED_NAMES, SD_JWT_VC_TYP, SEPARATOR
from issuers.formats.sd_jwt._key_binding import KB_JWT_TYP, sd_hash

__all__ = ["MAX_CHARS", "MAX_DISCLOSURES", "IssuerKeys", "VerifiedSdJwt", "verify"]

MAX_CHARS = 256 * 1024  # a 40-member household register is about 10 KB
MAX_DISCLOSURES = 256  # our widest type has about 20 fields
DEFAULT_SKEW = timedelta(seconds=60)

# Given the unverified issuer JWT header and payload, the key that must have signed
# it (raise UnknownKey / UntrustedIssuer when there is none).
IssuerKeys = Callable[[Mapping[str, Any], Mapping[str, Any]], VerifyingKey]


@dataclass(frozen=True, slots=True)
class VerifiedSdJwt:
    """What a verified SD-JWT+KB says: visible and disclosed claims merged."""

    claims: dict[str, Any]  # without "_sd" / "_sd_alg"
    disclosed: frozenset[str]
    header: dict[str, Any]
    kb_payload: dict[str, Any]


def verify(
    sd_jwt_with_kb: str,
    *,
    issuer_key: VerifyingKey | IssuerKeys,
    aud: str,
    nonce: str,
    now: datetime,
    typ: str = SD_JWT_VC_TYP,
    kb_max_age: timedelta | None = None,
    skew: timedelta = DEFAULT_SKEW,
) -> VerifiedSdJwt:
    """Verify issuer, Disclosures and Key Binding; raise the first failure."""
    if not isinstance(sd_jwt_with_kb, str) or not sd_jwt_with_kb.isascii():
        raise Malformed("an SD-JWT is ASCII text", field="sd_jwt")
    if len(sd_jwt_with_kb) > MAX_CHARS:
        raise PayloadTooLarge(f"an SD-JWT is at most {MAX_CHARS} characters", field="sd_jwt")
    if sd_jwt_with_kb.count(SEPARATOR) > MAX_DISCLOSURES + 1:
        raise PayloadTooLarge(f"at most {MAX_DISCLOSURES} disclosures", field="sd_jwt")
    if SEPARATOR not in sd_jwt_with_kb:
        _malformed("an SD-JWT is <issuer JWT>~<disclosures>~<KB-JWT>", "sd_jwt")
    issuer_jwt, *encoded, kb_jwt = sd_jwt_with_kb.split(SEPARATOR)
    header, payload = _issuer_jwt(issuer_jwt, issuer_key, typ)
    disclosed = _disclose(payload, encoded)
    _check_times(payload, now, skew)
    presentation = sd_jwt_with_kb[: len(sd_jwt_with_kb) - len(kb_jwt)]
    kb_payload = _key_binding(payload, kb_jwt, presentation, aud, nonce, now, kb_max_age, skew)
    claims = {k: v for k, v in payload.items() if k not in RESERVED_NAMES}
    claims.update(disclosed)
    return VerifiedSdJwt(claims, frozenset(disclosed), header, kb_payload)


def _issuer_jwt(
    text: str, issuer_key: VerifyingKey | IssuerKeys, typ: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    parsed = jws.parse(text)
    if jws.media_type(parsed.header.get("typ")) != typ:
        _malformed(f"the issuer JWT typ is not {typ}", "typ")
    if "crit" in parsed.header:
        _malformed("no critical header parameters are understood", "crit")
    payload = jws.load_object(parsed.payload, "payload")
    key = issuer_key if isinstance(issuer_key, VerifyingKey) else issuer_key(parsed.header, payload)
    jws.verify(parsed, key, error=SignatureInvalid)
    return parsed.header, payload


def _disclose(payload: Mapping[str, Any], encoded: list[str]) -> dict[str, Any]:
    if payload.get("_sd_alg", DIGEST_ALG) != DIGEST_ALG:
        _malformed(f"_sd_alg must be {DIGEST_ALG}", "_sd_alg")
    digests = payload.get("_sd", [])
    if not isinstance(digests, list) or not all(isinstance(d, str) for d in digests):
        _malformed("_sd must be an array of digests", "_sd")
    if len(set(digests)) != len(digests):
        _malformed("a digest appears twice in _sd", "_sd")
    referenced = set(digests)
    seen: set[str] = set()
    disclosed: dict[str, Any] = {}
    for text in encoded:
        digest = b64url(hashlib.sha256(text.encode("ascii")).digest())
        if digest in seen:
            _malformed("a disclosure is sent twice", "disclosures")
        seen.add(digest)
        if digest not in referenced:
            _malformed("a disclosure is not referenced by the issuer JWT", "disclosures")
        name, value = _decode_disclosure(text)
        if name in payload or name in disclosed:
            _malformed(f"the disclosed claim {name!r} is already present", "disclosures")
        disclosed[name] = value
    return disclosed


def _decode_disclosure(text: str) -> tuple[str, Any]:
    try:
        raw = parse_b64url(text, canonical=True)
    except ValueError as exc:
        _malformed(f"a disclosure is {exc}", "disclosures")
    # load_object wants an object; wrap so the array is read by the same strict parser.
    holder = jws.load_object(b'{"d":' + raw + b"}", "disclosures")
    item = holder["d"]
    if not isinstance(item, list) or len(item) != 3:
        _malformed("a disclosure is [salt, name, value]", "disclosures")
    salt, name, value = item
    if not isinstance(salt, str) or not isinstance(name, str):
        _malformed("a disclosure's salt and name are strings", "disclosures")
    if name in RESERVED_NAMES:
        _malformed(f"a disclosure may not be named {name!r}", "disclosures")
    return name, value


def _check_times(payload: Mapping[str, Any], now: datetime, skew: timedelta) -> None:
    at = now.timestamp()
    for name in ("iat", "nbf", "exp"):
        value = payload.get(name)
        if value is not None and (type(value) is not int):
            raise ClaimsInvalid(f"{name} must be a NumericDate integer", field=name)
    nbf, exp = payload.get("nbf"), payload.get("exp")
    if nbf is not None and nbf > at + skew.total_seconds():
        raise NotYetValid("the credential is not valid yet", field="nbf")
    if exp is not None and exp <= at - skew.total_seconds():
        raise Expired("the credential has expired", field="exp")


def _key_binding(
    payload: Mapping[str, Any],
    kb_jwt: str,
    presentation: str,
    aud: str,
    nonce: str,
    now: datetime,
    kb_max_age: timedelta | None,
    skew: timedelta,
) -> dict[str, Any]:
    cnf = payload.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    if not isinstance(jwk, dict):
        raise HolderBindingMissing("the credential names no holder key (cnf.jwk)", field="cnf")
    try:
        holder_key = VerifyingKey.from_jwk(jwk)
    except InvalidInput:
        raise HolderBindingMissing("the holder key in cnf.jwk is unusable", field="cnf") from None
    if not kb_jwt:
        raise HolderBindingMissing("the presentation has no Key Binding JWT", field="kb_jwt")
    parsed = jws.parse(kb_jwt)
    if jws.media_type(parsed.header.get("typ")) != KB_JWT_TYP:
        _malformed("the KB-JWT typ is not kb+jwt", "kb_jwt")
    jws.verify(parsed, holder_key, error=HolderSignatureInvalid)
    kb = jws.load_object(parsed.payload, "kb_jwt")
    if kb.get("nonce") != nonce:
        raise NonceMismatch("the KB-JWT carries another nonce", field="nonce")
    if kb.get("aud") != aud:
        raise ClaimsInvalid("the KB-JWT is for another audience", field="aud")
    iat = kb.get("iat")
    if type(iat) is not int:
        raise ClaimsInvalid("the KB-JWT iat must be a NumericDate integer", field="iat")
    if iat > now.timestamp() + skew.total_seconds():
        raise PresentationStale("the KB-JWT is dated in the future", field="iat")
    if kb_max_age is not None and iat < (now - kb_max_age - skew).timestamp():
        raise PresentationStale("the KB-JWT is too old", field="iat")
    if kb.get("sd_hash") != sd_hash(presentation):
        raise HolderSignatureInvalid("the KB-JWT does not cover this presentation", field="sd_hash")
    return kb


def _malformed(message: str, field: str) -> NoReturn:
    raise Malformed(message, field=field)
