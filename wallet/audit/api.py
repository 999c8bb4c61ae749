"""HTTP face of the audit log.

* ``GET /platform/jwks``: the platform's public keys (RFC 7517 JWK Set), which sign the
  audit checkpoints and the shares' annotations: the one signing now first.
* ``GET /audit/checkpoints``: public, newest first; ``after`` is the cursor (the last
  ``count`` of the previous page: the next page is older), ``limit`` at most 100.
* ``GET /wallet/audit``: the citizen's own entries, newest first (``before`` is the
  last ``seq`` of the previous page), rendered for reading
  (:func:`wallet.audit.reading.reading_of`): each code (item, types, claims) with its
  Chinese name beside it (item_name, type_names, claim_labels). Another citizen's
  entries never appear: the store finds entries by the session's own keyed reference
  only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from issuers.api.provided import provided
from issuers.error_schema import error_responses
from issuers.errors import InvalidInput
from wallet.accounts.api import CurrentSession, no_store
from wallet.audit.reading import reading_of
from wallet.audit.records import Checkpoint
from wallet.audit.service import MAX_PAGE, AuditService

__all__ = ["router"]

router = APIRouter(tags=["audit"])

Audit = Annotated[AuditService, Depends(provided(AuditService))]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Cursor = Annotated[int | None, Query(ge=1, le=2**62)]


def only_query(*names: str) -> Callable[[Request], None]:
    """A dependency refusing query parameters other than ``names`` (422): a misspelt
    cursor silently ignored would serve the first page again as if it were the next."""

    def check(request: Request) -> None:
        for name in request.query_params:
            if name not in names:
                raise InvalidInput(f"unknown query parameter {name!r}", field=name[:64])

    return check


class PlatformJwks(BaseModel):
    keys: list[dict[str, str]]


class CheckpointPublic(BaseModel):
    count: int
    hash: str
    at: datetime
    kid: str
    jws: str

    @classmethod
    def of(cls, checkpoint: Checkpoint) -> CheckpointPublic:
        return cls(
            count=checkpoint.count,
            hash=checkpoint.head_hash,
            at=checkpoint.at,
            kid=checkpoint.kid,
            jws=checkpoint.jws,
        )


class CheckpointPage(BaseModel):
    checkpoints: list[CheckpointPublic]
    platform_key: dict[str, str]
    next_after: int | None


class AuditReadingPublic(BaseModel):
    seq: int
    kind: str
    kind_name: str
    at: datetime
    actor: str
    actor_name: str
    service: str | None
    purpose: str | None
    item: str | None = Field(description="The bundle item's code (birth_registration).")
    item_name: str | None = Field(description="Its Chinese name (出生登记); the code if unknown.")
    types: list[str] = Field(description="Certificate type slugs (resident_id).")
    type_names: list[str] = Field(description="Their Chinese names, parallel to types.")
    claims: list[str] = Field(description="Claim names as type.claim (resident_id.name).")
    claim_labels: list[str] = Field(description="Chinese labels parallel to claims.")
    outcome: str | None
    grant_id: str | None
    receipt: str


class AuditPage(BaseModel):
    entries: list[AuditReadingPublic]
    next_before: int | None


@router.get("/platform/jwks", response_model=PlatformJwks)
def platform_jwks(audit: Audit) -> PlatformJwks:
    """The platform's signing key, first: checks audit checkpoints and share annotations
    (with SM2 as the platform key, the Ed25519 key it replaced follows, for what it signed
    before)."""
    return PlatformJwks(keys=[key.public_jwk() for key in audit.verifying_keys])


@router.get(
    "/audit/checkpoints",
    response_model=CheckpointPage,
    responses=error_responses(422),
    dependencies=[Depends(only_query("after", "limit"))],
)
def audit_checkpoints(audit: Audit, after: Cursor = None, limit: Limit = 20) -> CheckpointPage:
    """The signed checkpoints of the audit chain head, newest first."""
    found = audit.checkpoints(before=after, limit=limit)
    return CheckpointPage(
        checkpoints=[CheckpointPublic.of(cp) for cp in found],
        platform_key=audit.verifying_key.public_jwk(),
        next_after=found[-1].count if len(found) == limit else None,
    )


@router.get(
    "/wallet/audit",
    response_model=AuditPage,
    responses=error_responses(401, 422),
    dependencies=[Depends(no_store), Depends(only_query("before", "limit"))],
)
def my_audit_log(
    session: CurrentSession, audit: Audit, before: Cursor = None, limit: Limit = 20
) -> AuditPage:
    """Who used my certificates, when and why: my own entries, newest first."""
    entries = audit.entries_for(session.citizen.id_number, before=before, limit=limit)
    return AuditPage(
        entries=[
            AuditReadingPublic.model_validate(reading_of(e), from_attributes=True) for e in entries
        ],
        next_before=entries[-1].seq if len(entries) == limit else None,
    )
