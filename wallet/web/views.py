"""What the wallet pages show of a certificate row: names, status, validity, fields.

The citizen sees their own certificates in full (nothing masked): masking is for the
inspector's screen, where a stranger reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from issuers.catalogue import get_type
from issuers.codes import region_name
from issuers.registry import IssuerInfo
from issuers.status_codes import CertificateStatus
from verifiers.inspector.display import FieldRow, field_rows

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


def card(row: Any, issuer: IssuerInfo | None, today: date) -> CertificateCard:
    entry = get_type(row.type_slug)
    status = CertificateStatus(row.status)
    tone: StatusTone = (
        "valid"
        if status is CertificateStatus.VALID
        else "suspended"
        if status is CertificateStatus.SUSPENDED
        else "invalid"
    )
    validity_zh, validity_en = _validity(row.valid_from, row.valid_until, today)
    return CertificateCard(
        identifier=row.identifier,
        name_zh=entry.name_zh,
        name_en=entry.name_en,
        issuer_zh=issuer.name_zh if issuer else row.issuer_uscc,
        issuer_en=issuer.name_en if issuer else "",
        status=status.value,
        status_zh=status.name_zh,
        status_en=status.name.lower(),
        tone=tone,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        validity_zh=validity_zh,
        validity_en=validity_en,
    )


def detail(
    row: Any, issuer: IssuerInfo | None, holder_codes: list[str], today: date
) -> CertificateDetail:
    region_code = issuer.region_code if issuer else ""
    return CertificateDetail(
        card=card(row, issuer, today),
        status_reason=row.status_reason,
        issued_at=row.issued_at,
        issuer_uscc=row.issuer_uscc,
        region=f"{region_code} {region_name(region_code) or ''}".strip() if region_code else "",
        holder_codes=tuple(holder_codes),
        rows=tuple(field_rows(row.fields)),
    )
