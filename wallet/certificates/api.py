"""HTTP face of the citizen's certificates: ``GET /wallet/certificates`` and
``GET /wallet/certificates/{identifier}``.

The citizen authenticates as for every wallet route (:data:`wallet.accounts.api.CurrentSession`:
a bearer token, or the web wallet's cookie). A certificate that does not name the
citizen as a holder is answered exactly like one that does not exist (404
``not_found``): a 403 would confirm that the identifier is real.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from issuers.api.provided import provided
from issuers.error_schema import error_responses
from issuers.errors import PayloadTooLarge
from issuers.minting import QR_TOO_LARGE
from wallet.accounts.api import CurrentSession, no_store
from wallet.certificates.service import MAX_IDENTIFIER_LENGTH, CertificateService, HeldCertificate
from wallet.holders.presentations import PresentationService

__all__ = ["CertificateDetail", "CertificateSummary", "router"]

router = APIRouter(prefix="/wallet", tags=["wallet"], dependencies=[Depends(no_store)])

Certificates = Annotated[CertificateService, Depends(provided(CertificateService))]
Presentations = Annotated[PresentationService, Depends(provided(PresentationService))]


class CertificateSummary(BaseModel):
    identifier: str
    type: str
    name_zh: str
    name_en: str
    issuer: str
    status: str
    status_name: str
    valid_from: date
    valid_until: date | None

    @classmethod
    def of(cls, held: HeldCertificate) -> CertificateSummary:
        return cls(**_summary_values(held))


class CertificateDetail(CertificateSummary):
    status_reason: str | None
    issued_at: datetime
    holder_codes: list[str]
    fields: dict[str, Any]
    qr: str | None = Field(
        description="the credential bound to your holder key; null when the certificate "
        "does not fit a QR code (qr_unavailable says why): share it as an SD-JWT VC"
    )
    qr_unavailable: Literal["too_large"] | None = None


def _summary_values(held: HeldCertificate) -> dict[str, Any]:
    return {
        "identifier": held.identifier,
        "type": held.type_slug,
        "name_zh": held.name_zh,
        "name_en": held.name_en,
        "issuer": held.issuer_uscc,
        "status": held.status.value,
        "status_name": held.status_name,
        "valid_from": held.valid_from,
        "valid_until": held.valid_until,
    }


@router.get(
    "/certificates", response_model=list[CertificateSummary], responses=error_responses(401)
)
def my_certificates(
    session: CurrentSession, certificates: Certificates
) -> list[CertificateSummary]:
    """Every certificate naming the citizen as a holder (both spouses, every member)."""
    return [CertificateSummary.of(held) for held in certificates.held_by(session.citizen.id_number)]


@router.get(
    "/certificates/{identifier}",
    response_model=CertificateDetail,
    responses=error_responses(401, 404, 422),
)
def my_certificate(
    identifier: Annotated[str, Path(max_length=MAX_IDENTIFIER_LENGTH)],
    session: CurrentSession,
    certificates: Certificates,
    presentations: Presentations,
) -> CertificateDetail:
    """The certificate, with ``qr``: its credential bound to the citizen's own holder
    key (the one a device signs presentations over)."""
    holder = session.citizen.id_number
    qr: str | None = None
    try:
        qr = presentations.bound_credential(holder, identifier).qr  # NotFound if not theirs
    except PayloadTooLarge as too_large:  # a household register too large for a QR code
        if too_large.field != "qr":
            raise
    held = certificates.held(holder, identifier)
    return CertificateDetail(
        **_summary_values(held),
        status_reason=held.status_reason,
        issued_at=held.issued_at,
        holder_codes=list(held.holder_codes),
        fields=dict(held.fields),
        qr=qr,
        qr_unavailable=None if qr is not None else QR_TOO_LARGE,
    )
