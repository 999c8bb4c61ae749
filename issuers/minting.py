"""Minting: one canonical record, signed into the QR credential.

This module is pure: it takes the serial number, the clock and the signing key as
parameters. Persistence and serial allocation live in :mod:`issuers.store`.
Validity dates are calendar dates in China Standard Time (UTC+8, no daylight
saving): a certificate valid until 2030-06-30 expires at 2030-07-01T00:00+08:00.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from issuers.catalogue import CertificateFields, CertificateType
from issuers.clock import CHINA_STANDARD_TIME
from issuers.codes import build_identifier
from issuers.crypto.keys import SigningKey, VerifyingKey
from issuers.errors import Forbidden, InvalidInput, PayloadTooLarge
from issuers.formats import cose_sign1, qr_envelope
from issuers.formats.cwt import CredentialClaims, StatusReference
from issuers.formats.holder_binding import confirmation_for
from issuers.registry import IssuerInfo

# Bounds that keep nbf/exp inside what every verifier's clock arithmetic can show.
EARLIEST_VALID_FROM = date(1900, 1, 1)
LATEST_VALID_UNTIL = date(9000, 1, 1)


NO_QR = ""  # stored for a certificate too large for a QR code: its SD-JWT VC remains
QR_TOO_LARGE = "too_large"  # why a certificate has no QR (``qr_unavailable``)


@dataclass(frozen=True, slots=True)
class CertificateRecord:
    """The canonical record; the QR credential and (later) the SD-JWT VC sign this."""

    identifier: str
    type: CertificateType
    issuer: IssuerInfo
    holder_codes: tuple[str, ...]
    fields: CertificateFields
    issued_at: datetime
    valid_from: date
    valid_until: date | None
    serial: int
    version: int = 1
    status: StatusReference | None = None
    # RFC 8747 cnf value ({1: COSE_Key}): the holder key that may present it dynamically.
    confirmation: dict[int, Any] | None = None

    @property
    def not_before(self) -> datetime:
        return datetime.combine(self.valid_from, time(), CHINA_STANDARD_TIME)

    @property
    def expires(self) -> datetime | None:
        if self.valid_until is None:
            return None
        return datetime.combine(self.valid_until + timedelta(days=1), time(), CHINA_STANDARD_TIME)

    def claims(self) -> CredentialClaims:
        expires = self.expires
        return CredentialClaims(
            issuer=self.issuer.uscc,
            subject=self.holder_codes[0],
            identifier=self.identifier,
            fields=self.type.to_compact(self.fields),
            issued_at=int(self.issued_at.timestamp()),
            not_before=int(self.not_before.timestamp()),
            expires=None if expires is None else int(expires.timestamp()),
            co_holders=self.holder_codes[1:],
            status=self.status,
            confirmation=self.confirmation,
        )


def build_record(
    certificate_type: CertificateType,
    issuer: IssuerInfo,
    fields: CertificateFields | Mapping[str, Any],
    *,
    serial: int,
    now: datetime,
    holder: str | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
    status: StatusReference | None = None,
    holder_key: VerifyingKey | None = None,
) -> CertificateRecord:
    """Validate everything and return the record; raise a typed error naming the field.

    With ``holder_key`` the credential carries it as ``cnf`` (RFC 8747), so its holder
    can show it as a dynamic presentation (:mod:`issuers.formats.presentation`)."""
    if certificate_type.slug not in issuer.allowed_types:
        raise Forbidden(
            f"{issuer.name_zh} ({issuer.uscc}) may not issue {certificate_type.name_zh}",
            field="type",
        )
    if not isinstance(fields, CertificateFields):
        fields = certificate_type.parse_fields(fields)
    holders = certificate_type.holder_codes(fields)
    if holder is not None and holder.strip().upper() not in holders:
        raise InvalidInput(
            f"holder {holder} is not named in the certificate's fields", field="holder"
        )
    start = valid_from or now.astimezone(CHINA_STANDARD_TIME).date()
    if start < EARLIEST_VALID_FROM:
        raise InvalidInput(
            f"valid_from must be on or after {EARLIEST_VALID_FROM}", field="valid_from"
        )
    end = valid_until if valid_until is not None else certificate_type.valid_until(fields, start)
    if end is not None and end < start:
        raise InvalidInput("valid_until is before valid_from", field="valid_until")
    if end is not None and end >= LATEST_VALID_UNTIL:
        raise InvalidInput(
            f"valid_until must be before {LATEST_VALID_UNTIL}; omit it for 长期有效",
            field="valid_until",
        )
    return CertificateRecord(
        identifier=build_identifier(certificate_type.type_code, issuer.uscc, serial),
        type=certificate_type,
        issuer=issuer,
        holder_codes=holders,
        fields=fields,
        issued_at=now,
        valid_from=start,
        valid_until=end,
        serial=serial,
        status=status,
        confirmation=None if holder_key is None else confirmation_for(holder_key),
    )


def sign_qr(record: CertificateRecord, key: SigningKey) -> str:
    """The QR credential: ``EL1:`` + Base45(zlib(COSE_Sign1(CWT claims)))."""
    return seal_claims(
        record.claims(),
        key,
        what=f"this {record.type.name_zh}",
        advice=" (too many members or too much text for a scannable code)",
    )


def rebind_qr(
    qr: str, holder_key: VerifyingKey, issuer_key: SigningKey, status: StatusReference
) -> str:
    """The same credential with ``cnf`` naming ``holder_key`` and its own ``status``
    entry, signed by ``issuer_key``.

    Every other claim is kept as it is (identifier, dates). It is how each spouse or
    household member gets a credential of their own to present, and how a holder who
    moved their key to a device keeps presenting. The copy's own status entry follows
    the certificate's status and is invalidated alone when ``holder_key`` is retired
    (a lost phone). Only our own, already verified, credentials come here.
    """
    claims = CredentialClaims.from_cbor(cose_sign1.decode(qr_envelope.unwrap(qr)).payload)
    bound = dataclasses.replace(claims, confirmation=confirmation_for(holder_key), status=status)
    return seal_claims(bound, issuer_key, what="the holder-bound credential")


def seal_claims(
    claims: CredentialClaims,
    key: SigningKey,
    *,
    what: str,
    field: str = "fields",
    advice: str = "",
) -> str:
    """``claims`` signed by ``key`` into the QR text; PayloadTooLarge (naming ``field``)
    past QR version 20. The one place a credential is signed and wrapped."""
    cose = cose_sign1.sign(claims.to_cbor(), key, kid=_cose_kid(key))
    return qr_envelope.wrap_scannable(cose, what=what, field=field, advice=advice)


@functools.lru_cache(maxsize=16)
def _cose_kid(key: SigningKey) -> bytes:
    """The key's thumbprint, the COSE ``kid``: a JWK, JSON and SHA-256 per call (8 µs, a
    tenth of a mint's build and sign) for the few issuer keys that sign all day."""
    return key.public.thumbprint


def require_qr(qr: str, identifier: str) -> str:
    """``qr``, or the typed 413 a certificate without a QR representation answers
    wherever a QR would be shown or presented (a household register of many members)."""
    if qr == NO_QR:
        raise PayloadTooLarge(
            f"{identifier} is too large for a QR code; share it as an SD-JWT VC instead",
            field="qr",
            details={"qr_unavailable": QR_TOO_LARGE},
        )
    return qr
