"""``/wallet/delegations``: a holder lets another citizen (an adult, not themselves)
approve requests for one of their certificate types; both see it, only the owner
revokes. The same delegation again while one stands is 409 ``conflict``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, Field

from issuers.api.provided import provided
from issuers.error_schema import error_responses
from wallet.accounts.api import CurrentSession, no_store
from wallet.consent.api.bodies import StrictBody
from wallet.consent.records import Delegation
from wallet.consent.service import ConsentService

router = APIRouter(prefix="/wallet", tags=["wallet"], dependencies=[Depends(no_store)])
Consent = Annotated[ConsentService, Depends(provided(ConsentService))]


class DelegationBody(StrictBody):
    delegate_id_number: str = Field(max_length=32)
    type_slug: str = Field(max_length=40)
    bundle_item: str | None = Field(default=None, max_length=64)
    expires_at: datetime


class DelegationPublic(BaseModel):
    id: str
    role: str  # "owner" (given) or "delegate" (received)
    owner_id_number: str
    delegate_id_number: str
    type_slug: str
    bundle_item: str | None
    expires_at: datetime
    created_at: datetime
    revoked_at: datetime | None
    active: bool


class DelegationList(BaseModel):
    given: list[DelegationPublic]
    received: list[DelegationPublic]


def _public(delegation: Delegation, citizen: str, now: datetime) -> DelegationPublic:
    return DelegationPublic(
        id=delegation.id,
        role="owner" if delegation.owner_code == citizen else "delegate",
        owner_id_number=delegation.owner_code,
        delegate_id_number=delegation.delegate_code,
        type_slug=delegation.type_slug,
        bundle_item=delegation.bundle_item,
        expires_at=delegation.expires_at,
        created_at=delegation.created_at,
        revoked_at=delegation.revoked_at,
        active=delegation.active_at(now),
    )


@router.post(
    "/delegations",
    status_code=status.HTTP_201_CREATED,
    response_model=DelegationPublic,
    responses=error_responses(401, 409, 413, 422),
)
def grant(body: DelegationBody, session: CurrentSession, consent: Consent) -> DelegationPublic:
    me = session.citizen.id_number
    made = consent.delegations.grant(
        me, body.delegate_id_number, body.type_slug, body.expires_at, body.bundle_item
    )
    return _public(made, me, consent.now())


@router.get("/delegations", response_model=DelegationList, responses=error_responses(401))
def listing(session: CurrentSession, consent: Consent) -> DelegationList:
    me, now = session.citizen.id_number, consent.now()
    every = [_public(d, me, now) for d in consent.delegations.of(me)]
    return DelegationList(
        given=[d for d in every if d.role == "owner"],
        received=[d for d in every if d.role == "delegate"],
    )


@router.post(
    "/delegations/{delegation_id}/revoke",
    response_model=DelegationPublic,
    responses=error_responses(401, 404, 422),
)
def revoke(delegation_id: str, session: CurrentSession, consent: Consent) -> DelegationPublic:
    me = session.citizen.id_number
    return _public(consent.delegations.revoke(me, delegation_id), me, consent.now())
