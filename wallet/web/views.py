"""What the wallet pages show of a held certificate: names, status, validity, fields.

The certificate arrives as the one record both faces share
(:class:`~wallet.certificates.records.HeldCertificate`); this module only words it for a
page: the status's tone, the validity on the day, the fields with their labels. The
citizen sees their own certificates in full (nothing masked): masking is for the
inspector's screen, where a stranger reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from issuers.codes import region_name
from issuers.status_codes import CertificateStatus
from verifiers.inspector.display import FieldRow, field_rows
from wallet.certificates.records import HeldCertificate

__all__ = ["CertificateCard", "CertificateDetail", "card", "detail"]

StatusTone = Literal["valid", "suspended", "invalid"]


@dataclass(frozen=True, slots=True)
class CertificateCard:
    identifier: str
    name_zh: str
    name_en: str
    issuer_zh: str
    issuer_en: str
    status: str  # 01..07
    status_zh: str
    status_en: str
    tone: StatusTone
    valid_from: date
    valid_until: date | None
    validity_zh: str
    validity_en: str


@dataclass(frozen=True, slots=True)
class CertificateDetail:
    card: CertificateCard
    status_reason: str | None
    issued_at: datetime
    issuer_uscc: str
    region: str
    holder_codes: tuple[str, ...]
    rows: tuple[FieldRow, ...]


def _validity(valid_from: date, valid_until: date | None, today: date) -> tuple[str, str]:
    if today < valid_from:
        return "未生效", "not yet valid"
    if valid_until is not None and today > valid_until:
        return "已过期", "expired"
    return "在有效期内", "within validity"


def card(held: HeldCertificate, today: date) -> CertificateCard:
    status = held.status
    tone: StatusTone = (
        "valid"
        if status is CertificateStatus.VALID
        else "suspended"
        if status is CertificateStatus.SUSPENDED
        else "invalid"
    )
    validity_zh, validity_en = _validity(held.valid_from, held.valid_until, today)
    issuer = held.issuer
    return CertificateCard(
        identifier=held.identifier,
        name_zh=held.name_zh,
        name_en=held.name_en,
        issuer_zh=issuer.name_zh if issuer else held.issuer_uscc,
        issuer_en=issuer.name_en if issuer else "",
        status=status.value,
        status_zh=status.name_zh,
        status_en=held.status_name,
        tone=tone,
        valid_from=held.valid_from,
        valid_until=held.valid_until,
        validity_zh=validity_zh,
        validity_en=validity_en,
    )


def detail(held: HeldCertificate, today: date) -> CertificateDetail:
    region_code = held.issuer.region_code if held.issuer else ""
    return CertificateDetail(
        card=card(held, today),
        status_reason=held.status_reason,
        issued_at=held.issued_at,
        issuer_uscc=held.issuer_uscc,
        region=f"{region_code} {region_name(region_code) or ''}".strip() if region_code else "",
        holder_codes=held.holder_codes,
        rows=tuple(field_rows(held.fields)),
    )
