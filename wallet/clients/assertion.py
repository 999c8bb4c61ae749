"""RFC 7523 client assertions (``private_key_jwt``): a client proves who it is with a
JWT it signed with the private half of the public JWK it registered.

https://www.rfc-editor.org/rfc/rfc7523#section-3 (the processing rules), §2.2 (the
``client_assertion_type``), RFC 7521 §4.2 (the request parameters).

The JOSE work (compact JWS parsing, signature check, JWK import, RFC 7638 thumbprints,
registered-claim checks) is joserfc's, authlib's own JOSE layer: well kept and typed.
We use joserfc and not authlib's ``AuthorizationServer``: authlib has no FastAPI or
Starlette server integration, and its framework-agnostic base needs an adapter as large
as our token endpoint; what remains here is the few rules RFC 7523 adds on top.
joserfc has no SM2 (国密): a client that registered an SM2 key (``kty`` EC, ``crv``
SM2) signs with JOSE ``alg`` SM2, and its assertion's signature is checked by
:mod:`issuers.formats.jws` (RFC 7515 §5.2, the platform's own SM2 with SM3); the claim
checks are the same joserfc ones.

Checks, in order (each failure is :class:`~issuers.errors.InvalidClient`, RFC 7521
§4.2.1, with a message naming the rule):

1. At most :data:`MAX_ASSERTION_BYTES`; a compact JWS whose ``iss`` (read before the
   signature, only to find whose key to use) equals ``sub`` (§3 items 1, 2).
2. ``alg`` one of :data:`ALGORITHMS` (never ``none`` nor an HMAC), the registered
   key's, signed by that key (§3 item 9).
3. ``aud`` names the token endpoint (§3 item 3); ``exp`` present, not passed, and no
   more than ``max_lifetime`` ahead (§3 item 4); ``nbf`` and ``iat`` not in the future
   beyond ``skew`` (§3 items 5, 6); ``jti`` present (§3 item 7). That the ``jti`` is
   used once is the store's to record, in the transaction that issues the token.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from joserfc import jwk, jws, jwt
from joserfc.errors import JoseError
from joserfc.jws import JWSRegistry

from issuers.crypto.keys import VerifyingKey
from issuers.errors import InvalidClient, InvalidInput
from issuers.formats.jws import load_object
from issuers.formats.jws import parse as parse_jws
from issuers.formats.jws import verify as verify_jws

__all__ = [
    "ALGORITHMS",
    "BAD_CLIENT",
    "MAX_ASSERTION_BYTES",
    "MAX_JTI_LENGTH",
    "VerifiedAssertion",
    "assertion_issuer",
    "public_jwk",
    "verify_assertion",
]

MAX_ASSERTION_BYTES = 8192
MAX_JTI_LENGTH = 200  # the jti column's width
# Ed25519 under both its names (RFC 9864 made "EdDSA" the deprecated one) and P-256,
# through joserfc; SM2 (国密) through issuers.formats.jws.
JOSERFC_ALGORITHMS = ("EdDSA", "Ed25519", "ES256")
ALGORITHMS = (*JOSERFC_ALGORITHMS, "SM2")
_CURVES = {"OKP": "Ed25519", "EC": "P-256"}
# One answer for an unknown client, a wrong secret, a disabled client, a wrong method
# and a bad signature: none of them tells a caller that a client id exists.
BAD_CLIENT = "client authentication failed"
# joserfc raises more than JoseError on a hostile header before any signature is checked:
# a "crit" that is null or not a list of strings is a TypeError (tests/fuzz found it).
# Whatever it raises over an assertion is a refused assertion.
_JOSE_ERRORS = (JoseError, ValueError, TypeError, KeyError, RecursionError)


class _PinnedAlgorithms(JWSRegistry):
    """joserfc warns at every "EdDSA" JWS because the name does not fix the curve (RFC
    9864 §2). Here it does: a registered key is Ed25519 or P-256 (:func:`public_jwk`),
    and joserfc refuses an algorithm that does not fit the key's type. So the warning
    says nothing, and under ``filterwarnings = error`` it would refuse good assertions."""

    def get_alg(self, name: str) -> Any:
        if name not in JOSERFC_ALGORITHMS:
            raise InvalidClient(f"client assertion alg must be one of {', '.join(ALGORITHMS)}")
        return self.algorithms[name]


_REGISTRY = _PinnedAlgorithms(algorithms=JOSERFC_ALGORITHMS)


@dataclass(frozen=True, slots=True)
class VerifiedAssertion:
    """What the token endpoint keeps of a good assertion: its single-use id and until
    when that id must be remembered."""

    jti: str
    expires_at: datetime


def assertion_issuer(assertion: str) -> str:
    """The ``iss`` of an assertion, read before its signature is checked, only to find
    whose registered key must verify it (RFC 7523 §3 items 1 and 2: iss == sub)."""
    if len(assertion.encode()) > MAX_ASSERTION_BYTES:
        raise InvalidClient(f"client_assertion is longer than {MAX_ASSERTION_BYTES} bytes")
    try:
        claims = json.loads(jws.extract_compact(assertion.encode()).payload)
    except (JoseError, ValueError, RecursionError) as exc:  # "[[[[...": RecursionError
        raise InvalidClient("client_assertion is not a compact JWS with a JSON payload") from exc
    issuer = claims.get("iss") if isinstance(claims, dict) else None
    if not isinstance(issuer, str) or not issuer:
        raise InvalidClient("client_assertion has no iss")
    if claims.get("sub") != issuer:
        raise InvalidClient("client_assertion sub must equal its iss (the client_id)")
    return issuer


def verify_assertion(
    assertion: str,
    *,
    key: Mapping[str, Any],
    client_id: str,
    audience: str,
    now: datetime,
    max_lifetime: timedelta = timedelta(minutes=5),
    skew: timedelta = timedelta(seconds=30),
) -> VerifiedAssertion:
    """Check ``assertion`` against the client's registered public ``key``, the checks
    of the module docstring; return its ``jti`` and expiry."""
    if assertion_issuer(assertion) != client_id:
        raise InvalidClient(BAD_CLIENT)
    if key.get("crv") == "SM2":
        claims = _sm2_claims(assertion, key)
    else:
        try:
            claims = jwt.decode(assertion, jwk.import_key(dict(key)), registry=_REGISTRY).claims
        except _JOSE_ERRORS as exc:
            raise InvalidClient(BAD_CLIENT) from exc
    stamp = int(now.timestamp())
    leeway = int(skew.total_seconds())
    registry = jwt.JWTClaimsRegistry(
        now=stamp,
        leeway=leeway,
        iss={"essential": True, "value": client_id},
        sub={"essential": True, "value": client_id},
        aud={"essential": True, "value": audience},
        exp={"essential": True},
        jti={"essential": True},
    )
    try:
        registry.validate(claims)
    except _JOSE_ERRORS as exc:
        reason = exc.error if isinstance(exc, JoseError) else type(exc).__name__
        raise InvalidClient(f"client_assertion claims refused ({reason})") from exc
    exp = claims["exp"]
    if exp > stamp + int(max_lifetime.total_seconds()) + leeway:
        raise InvalidClient(f"client_assertion exp is more than {max_lifetime} ahead")
    jti = claims["jti"]
    if not isinstance(jti, str) or len(jti) > MAX_JTI_LENGTH:
        raise InvalidClient(f"client_assertion jti must be a string of 1-{MAX_JTI_LENGTH}")
    return VerifiedAssertion(jti, datetime.fromtimestamp(exp, UTC))


def _sm2_claims(assertion: str, key: Mapping[str, Any]) -> dict[str, Any]:
    """The claims of an SM2 client's assertion, once its signature verifies under the
    registered SM2 key with ``alg`` SM2 (RFC 7515 §5.2); no ``crit`` is understood."""
    try:
        parsed = parse_jws(assertion, error=InvalidClient)
        if "crit" in parsed.header:
            raise InvalidClient("no critical header parameters are understood")
        verify_jws(parsed, VerifyingKey.from_jwk(dict(key)), error=InvalidClient)
        return load_object(parsed.payload, "client_assertion", error=InvalidClient)
    except InvalidClient as exc:  # one answer, whatever failed
        raise InvalidClient(BAD_CLIENT) from exc


def public_jwk(given: Mapping[str, Any], *, field: str = "public_jwk") -> dict[str, Any]:
    """The public members of a client's key, as it is registered: an Ed25519 (RFC 8037),
    P-256 (RFC 7518 §6.2) or SM2 (``kty`` EC, ``crv`` SM2: :mod:`issuers.crypto.keys`)
    public JWK; a private part is refused, never stored."""
    if "d" in given:
        raise InvalidInput("a public JWK only: it has a private part (d)", field=field)
    kty = given.get("kty")
    if kty == "EC" and given.get("crv") == "SM2":
        return _sm2_public(given, field)
    if not isinstance(kty, str) or kty not in _CURVES or given.get("crv") != _CURVES[kty]:
        raise InvalidInput("the key must be OKP Ed25519, EC P-256 or EC SM2", field=field)
    try:
        key = jwk.import_key(dict(given))
    except (JoseError, ValueError, TypeError) as exc:
        raise InvalidInput(f"not a usable public JWK ({exc})", field=field) from exc
    public: dict[str, Any] = dict(key.as_dict(private=False))
    public["kid"] = key.thumbprint()  # RFC 7638: the registered key's name
    return public


def _sm2_public(given: Mapping[str, Any], field: str) -> dict[str, Any]:
    """An SM2 public JWK as registered: a point on the curve (checked), its members and
    its RFC 7638 thumbprint as ``kid``."""
    try:
        key = VerifyingKey.from_jwk(dict(given))
    except InvalidInput as exc:
        raise InvalidInput(f"not a usable public JWK ({exc.message})", field=field) from None
    return {**key.to_jwk(), "kid": key.kid}
