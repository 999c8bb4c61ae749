"""Status List Tokens: a Status List signed as a JWT or as a CWT.

draft-ietf-oauth-status-list-18 §5
(https://datatracker.ietf.org/doc/html/draft-ietf-oauth-status-list-18#section-5).

§5.1, JWT: "typ: REQUIRED. The JWT type MUST be statuslist+jwt." Claims: ``sub``
(REQUIRED, "MUST specify the URI of the Status List Token"), ``iat`` (REQUIRED),
``exp`` (RECOMMENDED), ``ttl`` (RECOMMENDED, "the maximum amount of time, in seconds,
that the Status List Token can be cached by a consumer before a fresh copy SHOULD be
retrieved. The value of the claim MUST be a positive number"), ``status_list``
(REQUIRED, ``{"bits": 1|2|4|8, "lst": base64url(compressed byte array)}``, §4.2).

§5.2, CWT: "The Status List Token MUST NOT be tagged with the CWT tag [...]. The COSE
message MUST either be the tagged COSE_Sign1_Tagged (18) or COSE_Mac0_Tagged (17)".
Protected header "16 (type): REQUIRED. The type of the CWT MUST be
application/statuslist+cwt". Claims: 2 subject, 6 issued at, 4 expiration time,
65534 time to live, 65533 status list (``{"bits": uint, "lst": bstr}``, §4.3).

Verification follows §8.3 step 3-5 in this order: signature by a trusted key, the
required claims, ``sub`` equal to the Referenced Token's ``uri`` ("4.a"), ``exp``
("4.c If the expiration time is defined (exp or 4), it MUST be checked if the Status
List Token is expired"; an expired list raises ``StatusListExpired``, a
``StatusUnavailable``: fetch a fresh list, the credential itself is not in question),
and only then the bounded inflate of ``lst`` ("5."). Acting on ``ttl`` (step 4.d) is
the caching layer's job; it is returned, checked positive.

Keys: the JOSE ``kid`` is the base64url RFC 7638 thumbprint, the COSE ``kid`` the raw
32 bytes; both resolve through :class:`issuers.registry.KeyResolver`. MAC algorithms
are not accepted: only EdDSA (Ed25519), ES256 and SM2 (COSE -48). The JWT is signed and parsed by
:mod:`issuers.formats.jws` (RFC 7515), the CWT by :mod:`issuers.formats.cose_sign1`;
both sign through :mod:`issuers.crypto.keys`, and nothing here sees key bytes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import cbor2

from issuers.crypto.keys import SigningKey, b64url
from issuers.errors import (
    ClaimsInvalid,
    InvalidInput,
    KeyCompromised,
    Malformed,
    PayloadTooLarge,
    StatusListExpired,
    UntrustedIssuer,
)
from issuers.formats import cose_sign1, jws
from issuers.formats.status_list import (
    DEFAULT_MAX_BYTES,
    StatusList,
    StatusListToken,
    b64url_strict,
)
from issuers.registry import KeyResolver, TrustedKey

JWT_TYP = "statuslist+jwt"
CWT_TYP = "application/statuslist+cwt"
SUB, EXP, IAT, TTL, STATUS_LIST = 2, 4, 6, 65534, 65533  # §5.2 CWT claim keys
DEFAULT_LEEWAY = timedelta(seconds=60)  # RFC 7519 §4.1.4 "some small leeway"
_MAPS = (dict, cbor2.frozendict)
_CBOR_ERRORS = (cbor2.CBORDecodeError, ValueError, TypeError, RecursionError, OverflowError)


def _claims(token: StatusListToken) -> list[tuple[str, int, Any]]:
    """(JWT name, CWT label, value) of each claim present, in the draft's order."""
    claims = [("sub", SUB, token.uri), ("iat", IAT, _seconds(token.issued_at))]
    if token.expires is not None:
        claims.append(("exp", EXP, _seconds(token.expires)))
    if token.ttl is not None:
        claims.append(("ttl", TTL, token.ttl))
    return claims


def sign_jwt(token: StatusListToken, key: SigningKey) -> str:
    """The JWS Compact Serialization of ``token`` (§5.1), via :mod:`issuers.formats.jws`."""
    header = {"alg": key.alg.value, "kid": b64url(_kid_for(token, key)), "typ": JWT_TYP}
    claims = {name: value for name, _, value in _claims(token)}
    claims["status_list"] = token.status_list.to_json()
    return jws.sign(header, jws.dumps(claims), key)


def sign_cwt(token: StatusListToken, key: SigningKey) -> bytes:
    """The COSE_Sign1_Tagged CWT of ``token`` (§5.2), ``typ`` in the protected header."""
    claims: dict[int, Any] = {label: value for _, label, value in _claims(token)}
    claims[STATUS_LIST] = token.status_list.to_cbor()
    typ = {cose_sign1.HEADER_TYP: CWT_TYP}
    kid = _kid_for(token, key)
    return cose_sign1.sign(cbor2.dumps(claims), key, kid=kid, extra_protected=typ)


def verify_jwt(
    text: str,
    *,
    keys: KeyResolver,
    now: datetime,
    expected_uri: str | None = None,
    expected_issuer: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    leeway: timedelta = DEFAULT_LEEWAY,
) -> StatusListToken:
    """Return the verified token, or raise a typed error saying why not.

    ``expected_uri`` is the Referenced Token's ``status_list.uri``; ``expected_issuer``
    (a USCC) makes sure the list was signed by the credential's own issuer, so that
    one trusted issuer cannot publish a list for another's URI. ``max_bytes`` bounds
    the inflated ``lst``, and so the whole token."""
    _check_input(text, str, now, max_bytes)
    parsed = jws.parse(text)  # Malformed: shape, base64url, header JSON, duplicates
    header = parsed.header
    if jws.media_type(header.get("typ")) != JWT_TYP:  # RFC 7515 §4.1.9
        raise Malformed(f"typ must be {JWT_TYP!r}, not {header.get('typ')!r}")
    if "crit" in header:
        raise Malformed("the JWS header names critical extensions this verifier lacks")
    alg, kid = header.get("alg"), b64url_strict(header.get("kid"), "the JWS kid")
    # §11.6: no "none", no MACs. Text first: a JSON object is unhashable, and this is
    # read before any signature, from whoever served the list (a TypeError, not a verdict).
    if not isinstance(alg, str) or alg not in jws.ALGORITHMS:
        raise Malformed(f"unsupported JWS alg {alg!r}")
    trusted = keys.resolve(kid)
    if trusted.key.alg.value != alg:  # the kid is the key's thumbprint: an inconsistent header
        raise Malformed(f"header says {alg} but the key is {trusted.key.alg.value}")
    jws.verify(parsed, trusted.key)  # SignatureInvalid
    _check_signer(trusted, kid, expected_issuer)
    claims = jws.load_object(parsed.payload, "payload")  # Malformed unless a JSON object
    found = _Claims(*(claims.get(name) for name in ("sub", "iat", "exp", "ttl", "status_list")))
    return _finish(found, StatusList.from_json, kid, now, expected_uri, max_bytes, leeway)


def verify_cwt(
    data: bytes,
    *,
    keys: KeyResolver,
    now: datetime,
    expected_uri: str | None = None,
    expected_issuer: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    leeway: timedelta = DEFAULT_LEEWAY,
) -> StatusListToken:
    """The CWT twin of :func:`verify_jwt`, with the same checks and errors."""
    _check_input(data, bytes, now, max_bytes)
    if not data.startswith(b"\xd2"):
        raise Malformed("a status list CWT must be COSE_Sign1_Tagged (tag 18)")
    message = cose_sign1.decode(data, unprotected_kid=True)  # as the draft's example
    typ = message.protected.get(cose_sign1.HEADER_TYP)
    if type(typ) is not str or typ.lower() != CWT_TYP:
        raise Malformed(f"protected typ (16) must be {CWT_TYP!r}, not {typ!r}")
    trusted = keys.resolve(message.kid)
    message.verify(trusted.key)
    _check_signer(trusted, message.kid, expected_issuer)
    try:
        claims = cbor2.loads(message.payload)
    except _CBOR_ERRORS:
        raise ClaimsInvalid("the CWT claims are not well-formed CBOR") from None
    if type(claims) not in _MAPS:
        raise ClaimsInvalid("the CWT claims must be a map")
    found = _Claims(*(claims.get(label) for label in (SUB, IAT, EXP, TTL, STATUS_LIST)))
    return _finish(found, StatusList.from_cbor, message.kid, now, expected_uri, max_bytes, leeway)


class _Claims(NamedTuple):
    """Claims as found in either form, unchecked: :func:`_finish` checks them."""

    uri: Any
    issued_at: Any
    expires: Any
    ttl: Any
    status_list: Any


def _finish(
    claims: _Claims,
    decode_list: Callable[..., StatusList],
    kid: bytes,
    now: datetime,
    expected_uri: str | None,
    max_bytes: int,
    leeway: timedelta,
) -> StatusListToken:
    """§8.3 step 3.b-5 on signed claims: required claims, sub, exp, ttl, then inflate."""
    if type(claims.uri) is not str or not claims.uri:
        raise ClaimsInvalid("sub must be the status list's URI")
    if expected_uri is not None and claims.uri != expected_uri:
        raise ClaimsInvalid(f"this status list is {claims.uri!r}, not {expected_uri!r}")
    issued_at = _numeric_date(claims.issued_at, "iat")
    expires = None if claims.expires is None else _numeric_date(claims.expires, "exp")
    if expires is not None and expires <= now - leeway:
        raise StatusListExpired(f"the status list expired at {expires.isoformat()}")
    ttl = claims.ttl
    if ttl is not None and (type(ttl) is not int or ttl <= 0):
        raise ClaimsInvalid("ttl must be a positive integer number of seconds")
    if claims.status_list is None:
        raise ClaimsInvalid("the status_list claim is missing")
    status_list = decode_list(claims.status_list, max_bytes=max_bytes)
    token = StatusListToken(uri=claims.uri, issued_at=issued_at, status_list=status_list)
    return replace(token, expires=expires, ttl=ttl, kid=kid)


def _check_input(data: str | bytes, kind: type, now: datetime, max_bytes: int) -> None:
    if not isinstance(now, datetime) or now.utcoffset() is None:
        raise InvalidInput("now must be an aware datetime", field="now")
    if type(data) is not kind:
        raise Malformed(f"a status list token here is {kind.__name__}")
    # base64url of a zlib stream that inflates within max_bytes (zlib adds < 1 %), plus
    # room for header, claims and signature: anything longer cannot be within the bound.
    if len(data) > max_bytes * 3 // 2 + 16384:
        raise PayloadTooLarge(f"the status list token is {len(data)} long")


def _check_signer(trusted: TrustedKey, kid: bytes, expected_issuer: str | None) -> None:
    if trusted.state == "compromised":
        raise KeyCompromised(f"the issuer declared key {b64url(kid)} compromised")
    signer = trusted.issuer.uscc
    if expected_issuer is not None and signer != expected_issuer:
        raise UntrustedIssuer(f"the status list is signed by {signer}, not {expected_issuer}")


def _kid_for(token: StatusListToken, key: SigningKey) -> bytes:
    thumbprint = key.public.thumbprint
    if token.kid is not None and token.kid != thumbprint:
        raise InvalidInput("token.kid is not the signing key's thumbprint", field="kid")
    return thumbprint


def _numeric_date(value: object, name: str) -> datetime:
    """RFC 7519 §2 NumericDate (RFC 8392 §2 for CWT): seconds, possibly non-integer."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ClaimsInvalid(f"claim {name} must be a NumericDate")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (ValueError, OverflowError, OSError):  # NaN, inf, beyond year 9999
        raise ClaimsInvalid(f"claim {name} = {value} is outside the supported range") from None


def _seconds(moment: datetime) -> int:
    return math.floor(moment.timestamp())
