"""HTTP: issuer status changes (suspend, reinstate, revoke) and, later, status lists."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from issuers.api.directory import UsccPath, issuance, require_admin
from issuers.error_schema import error_responses
from issuers.status_codes import CertificateStatus
from issuers.store.issuance import IssuanceService

router = APIRouter()


class StatusChange(BaseModel):
    status: CertificateStatus = Field(
        description=(
            "01 有效 (reinstate), 02 暂扣 (suspend), 03 撤销, 04 注销, 05 失效, 06 转出, 07 吊销"
        )
    )
    reason: str | None = Field(default=None, max_length=500)


class StatusChanged(BaseModel):
    identifier: str
    previous: CertificateStatus
    status: CertificateStatus
    status_name_zh: str
    reason: str | None


@router.post(
    "/issuers/{uscc}/certificates/{identifier}/status",
    response_model=StatusChanged,
    tags=["issuers"],
    dependencies=[Depends(require_admin)],
    responses=error_responses(401, 404, 409, 413, 422),
)
def change_certificate_status(
    uscc: UsccPath,
    identifier: Annotated[str, Path(max_length=100)],
    body: StatusChange,
    service: Annotated[IssuanceService, Depends(issuance)],
) -> StatusChanged:
    """Suspend, reinstate or revoke; the reason is kept and the next published status
    list carries the change. Final statuses (03-07) cannot change again (409)."""
    previous = service.change_status(
        identifier, body.status, reason=body.reason, actor=f"api:{uscc}", issuer_uscc=uscc
    )
    return StatusChanged(
        identifier=identifier,
        previous=previous,
        status=body.status,
        status_name_zh=body.status.name_zh,
        reason=body.reason,
    )
