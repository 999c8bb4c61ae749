"""Verify a QR credential: decode, signature, trust, validity, schema.

Order matters. Nothing from the payload is believed before the signature checks
out against a key the :class:`~issuers.registry.KeyResolver` trusts; only then do
the claims, the validity window (against the injected ``now``) and the type schema
get looked at. Every failure raises a typed error from :mod:`issuers.errors`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from issuers.catalogue import CertificateFields, CertificateType, get_type
from issuers.codes import LicenceIdentifier, parse_identifier
from issuers.crypto.keys import b64url
from issuers.errors import (
    ClaimsInvalid,
    Expired,
    InvalidCode,
    KeyCompromised,
    NotFound,
    NotYetValid,
    Revoked,
    SchemaInvalid,
    StatusUnavailable,
    Suspended,
    UntrustedIssuer,
)
from issuers.formats import cose_sign1, qr_envelope
from issuers.formats.cwt import CredentialClaims
from issuers.registry import IssuerInfo, KeyResolver
from issuers.status_codes import LIST_INVALID, LIST_SUSPENDED, LIST_VALID, StatusChecker
from verifiers.result import VerifiedCredential

DEFAULT_LEEWAY = timedelta(seconds=60)


def verify_qr(
    text: str,
    *,
    keys: KeyResolver,
    now: datetime,
    leeway: timedelta = DEFAULT_LEEWAY,
    limits: qr_envelope.EnvelopeLimits = qr_envelope.DEFAULT_LIMITS,
    status: StatusChecker | None = None,
) -> VerifiedCredential:
    """Return what the credential says, or raise why it cannot be trusted.

    With a ``status`` checker, a credential carrying a status reference is checked
    against its issuer's status list; without one, the result says the status was not
    checked (``status_checked=False``), so it never silently reads as "not revoked".
    """
    cose = qr_envelope.unwrap(text, limits)
    return verify_credential_cose(cose, keys=keys, now=now, leeway=leeway, status=status)


def verify_credential_cose(
    cose: bytes,
    *,
    keys: KeyResolver,
    now: datetime,
    leeway: timedelta = DEFAULT_LEEWAY,
    status: StatusChecker | None = None,
) -> VerifiedCredential:
    """:func:`verify_qr` from the credential's COSE_Sign1 bytes, e.g. the ones a dynamic
    presentation (:mod:`verifiers.presentation`) carries."""
    message = cose_sign1.decode(cose)
    trusted = keys.resolve(message.kid)
    message.verify(trusted.key)
    if trusted.state == "compromised":
        raise KeyCompromised(f"the issuer declared key {b64url(message.kid)} compromised")
    claims = CredentialClaims.from_cbor(message.payload)
    issuer = trusted.issuer
    if claims.issuer != issuer.uscc:
        raise UntrustedIssuer(f"the signing key belongs to {issuer.uscc}, not {claims.issuer}")

    try:
        identifier = parse_identifier(claims.identifier, strict=False)
    except InvalidCode as exc:
        raise ClaimsInvalid(f"identifier: {exc.message}") from None
    if identifier.issuer_code != claims.issuer:
        raise ClaimsInvalid("the identifier names another issuer than the signer")
    try:
        certificate_type = get_type(identifier.type_code)
    except NotFound:
        raise ClaimsInvalid(f"unknown certificate type {identifier.type_code}") from None
    if certificate_type.slug not in issuer.allowed_types:
        raise UntrustedIssuer(
            f"{issuer.name_zh} is not trusted to issue {certificate_type.name_zh}"
        )

    _check_window(claims, now, leeway)
    try:
        fields = certificate_type.from_compact(claims.fields)
    except SchemaInvalid as exc:
        raise ClaimsInvalid(f"fields do not match {certificate_type.slug}: {exc.message}") from None
    if set(claims.holder_codes) != set(certificate_type.holder_codes(fields)):
        raise ClaimsInvalid("the holder codes do not match the certificate's fields")
    status_checked = False
    if claims.status is not None and status is not None:
        _check_status(status.status_of(claims.status, now, issuer))
        status_checked = True

    return _result(message, issuer, claims, identifier, certificate_type, fields, status_checked)


def _result(
    message: cose_sign1.Sign1,
    issuer: IssuerInfo,
    claims: CredentialClaims,
    identifier: LicenceIdentifier,
    certificate_type: CertificateType,
    fields: CertificateFields,
    status_checked: bool,
) -> VerifiedCredential:
    return VerifiedCredential(
        identifier=claims.identifier,
        certificate_type=certificate_type,
        issuer=issuer,
        holder_codes=claims.holder_codes,
        model=fields,
        issued_at=_time(claims.issued_at),
        valid_from=_time(claims.not_before),
        valid_until=None if claims.expires is None else _time(claims.expires),
        kid=_kid_text(message.kid),
        alg=message.alg.value,
        warnings=identifier.warnings,
        status_checked=status_checked,
        confirmation=claims.confirmation,
    )


# A checkpoint sees a handful of issuer keys: their kids' base64url, written once.
_KID_TEXTS: dict[bytes, str] = {}
_KID_TEXT_ENTRIES = 256


def _kid_text(kid: bytes) -> str:
    text = _KID_TEXTS.get(kid)
    if text is None:
        if len(_KID_TEXTS) >= _KID_TEXT_ENTRIES:
            _KID_TEXTS.clear()
        text = _KID_TEXTS[kid] = b64url(kid)
    return text


def _check_status(value: int) -> None:
    """Token Status List values: 0x00 VALID, 0x01 INVALID, 0x02 SUSPENDED; anything else
    is application-specific and not ours to read as valid."""
    if value == LIST_VALID:
        return
    if value == LIST_INVALID:
        raise Revoked("the issuer's status list marks this credential invalid")
    if value == LIST_SUSPENDED:
        raise Suspended("the issuer's status list marks this credential suspended")
    raise StatusUnavailable(f"unknown status list value {value:#04x}")


def _check_window(claims: CredentialClaims, now: datetime, leeway: timedelta) -> None:
    """RFC 8392 §3.1.4/§3.1.5 with RFC 7519's "small leeway"; compared as integers, so
    a signed date beyond what ``datetime`` can hold still gets its proper verdict."""
    instant = now.timestamp()
    slack = leeway.total_seconds()
    if claims.not_before > instant + slack:
        raise NotYetValid(f"valid from {_describe(claims.not_before)}")
    if claims.expires is not None and claims.expires <= instant - slack:
        raise Expired(f"expired at {_describe(claims.expires)}")


def _time(numeric_date: int) -> datetime:
    try:
        return datetime.fromtimestamp(numeric_date, UTC)
    except (ValueError, OverflowError, OSError):
        raise ClaimsInvalid(f"NumericDate {numeric_date} is outside the supported range") from None


def _describe(numeric_date: int) -> str:
    try:
        return _time(numeric_date).isoformat()
    except ClaimsInvalid:
        return f"NumericDate {numeric_date}"
