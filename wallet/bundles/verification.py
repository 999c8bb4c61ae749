"""Verify what a bundle application gathers, with the verifiers core and its trust:

* a pulled share (SD-JWT VC + KB-JWT, :func:`verify_share`): the issuer signature
  against a key the verifier context trusts (our registry, and through the synced trust
  lists the other regions' issuers), the issuer named by the key and allowed to issue
  the type, the validity window, the key binding (``aud`` the bundle's client, ``nonce``
  the grant's), and the issuer's status list entry;
* a QR credential presented from another province (:func:`verify_presented`): exactly
  what ``POST /verify`` does (:func:`verifiers.verdict.verdict_for`).

Both raise the typed verdict error (:class:`~issuers.errors.CredentialInvalid` and
kin); nothing unverified is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from issuers.crypto.base64url import parse_b64url
from issuers.crypto.keys import VerifyingKey
from issuers.errors import (
    ClaimsInvalid,
    KeyCompromised,
    Revoked,
    StatusUnavailable,
    Suspended,
    UntrustedIssuer,
)
from issuers.formats import sd_jwt
from issuers.formats.cwt import StatusReference
from issuers.registry import IssuerInfo, KeyResolver
from issuers.status_codes import LIST_INVALID, LIST_SUSPENDED, LIST_VALID, StatusChecker
from verifiers.verdict import VerifierContext, verdict_for

__all__ = ["VerifiedClaims", "verify_presented", "verify_share"]


@dataclass(frozen=True, slots=True)
class VerifiedClaims:
    identifier: str
    type_slug: str
    issuer_uscc: str
    claims: Mapping[str, Any]  # the disclosed (or, for a QR credential, every) field
    holder_codes: tuple[str, ...] = ()  # a QR credential's holders (公民身份号码 or USCC)


def verify_share(token: str, context: VerifierContext, *, aud: str, nonce: str) -> VerifiedClaims:
    now = context.clock()
    keys: KeyResolver = context.keys
    status: StatusChecker | None = context.status
    if context.sessions is not None:
        session = context.sessions(now)
        keys, status = session.keys, session.status
    signer: list[IssuerInfo] = []

    def issuer_key(header: Mapping[str, Any], payload: Mapping[str, Any]) -> VerifyingKey:
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise ClaimsInvalid("the issuer JWT names no kid", field="kid")
        trusted = keys.resolve(parse_b64url(kid))
        if trusted.state == "compromised":
            raise KeyCompromised(f"the issuer declared key {kid} compromised")
        issuer = trusted.issuer
        if payload.get("issuer_uscc") != issuer.uscc:
            raise UntrustedIssuer(f"the signing key belongs to {issuer.uscc}")
        slug = str(payload.get("vct", "")).removeprefix(sd_jwt.VCT_PREFIX)
        if slug not in issuer.allowed_types:
            raise UntrustedIssuer(f"{issuer.name_zh} is not trusted to issue {slug}")
        signer.append(issuer)
        return trusted.key

    verified = sd_jwt.verify(token, issuer_key=issuer_key, aud=aud, nonce=nonce, now=now)
    issuer = signer[0]
    reference = verified.claims.get("status", {}).get("status_list")
    if status is not None and isinstance(reference, dict):
        _check_status(
            status.status_of(StatusReference(reference["idx"], reference["uri"]), now, issuer)
        )
    slug = str(verified.claims["vct"]).removeprefix(sd_jwt.VCT_PREFIX)
    disclosed = {name: verified.claims[name] for name in sorted(verified.disclosed)}
    return VerifiedClaims(str(verified.claims["license_id"]), slug, issuer.uscc, disclosed)


def verify_presented(qr: str, context: VerifierContext) -> VerifiedClaims:
    """A presented QR credential, as ``POST /verify`` judges it; the verdict's error when
    it is not valid (a static credential QR or a live presentation alike)."""
    verdict = verdict_for(qr, context)
    if not verdict.valid or verdict.credential is None:
        raise _verdict_error(verdict.code, verdict.message)
    credential = verdict.credential
    return VerifiedClaims(
        credential.identifier,
        credential.type.slug,
        credential.issuer.uscc,
        credential.fields,
        tuple(credential.holder_codes),
    )


def _verdict_error(code: str | None, message: str | None) -> Exception:
    from issuers.errors import CredentialInvalid, all_error_classes

    for cls in all_error_classes():
        if issubclass(cls, CredentialInvalid) and cls.code == code:
            return cls(message or code or "invalid")
    return CredentialInvalid(message or "the credential is not valid")


def _check_status(value: int) -> None:
    if value == LIST_VALID:
        return
    if value == LIST_INVALID:
        raise Revoked("the issuer's status list marks this credential invalid")
    if value == LIST_SUSPENDED:
        raise Suspended("the issuer's status list marks this credential suspended")
    raise StatusUnavailable(f"unknown status list value {value:#04x}")
