"""``POST /consent/requests``, ``GET /consent/requests/{id}`` and
``POST /consent/requests/{id}/withdraw``: a service's authorisation requests. The
service sees the request's state and two counts (parties, approved) and nothing per
party: issue 10 says a pending grant names nobody, so which holder approved, denied or
revoked stays with the citizens. Another service's request is 404 ``not_found``,
exactly as a missing one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, Field, StrictInt

from issuers.api.provided import provided
from issuers.error_schema import error_responses
from wallet.accounts.api import no_store
from wallet.clients.api import require_client
from wallet.clients.records import SCOPE_REQUEST, AuthenticatedClient
from wallet.consent.api.bodies import StrictBody
from wallet.consent.records import ConsentRequest, Requester
from wallet.consent.requests import AskedHolder, NewRequest
from wallet.consent.service import ConsentService

router = APIRouter(prefix="/consent", tags=["consent"], dependencies=[Depends(no_store)])
Consent = Annotated[ConsentService, Depends(provided(ConsentService))]
Requesting = Annotated[AuthenticatedClient, Depends(require_client(SCOPE_REQUEST))]


class HolderAsk(StrictBody):
    id_number: str = Field(max_length=32, description="公民身份号码 (GB 11643)")
    certificates: dict[str, list[str]] = Field(
        description="certificate type slug -> the claim names needed"
    )


class RequestBody(StrictBody):
    holders: list[HolderAsk] = Field(max_length=100)
    purpose: str = Field(max_length=1000, description="申请事由, 1-200 characters")
    bundle_item: str = Field(max_length=64)
    expires_at: datetime | None = None
    expires_in: StrictInt | None = Field(default=None, description="seconds, instead of expires_at")
    max_uses: StrictInt
    nonce: str | None = Field(default=None, max_length=200)


class RequestPublic(BaseModel):
    id: str
    state: str
    bundle_item: str
    purpose: str
    nonce: str
    expires_at: datetime
    max_uses: int
    uses_taken: int
    created_at: datetime
    parties: int = Field(description="how many holders the request names")
    approved: int = Field(description="how many of them have approved; never which")


def public(request: ConsentRequest, now: datetime) -> RequestPublic:
    return RequestPublic(
        id=request.id,
        state=request.state_at(now),
        bundle_item=request.bundle_item,
        purpose=request.purpose,
        nonce=request.nonce,
        expires_at=request.expires_at,
        max_uses=request.max_uses,
        uses_taken=request.uses_taken,
        created_at=request.created_at,
        parties=len(request.parties),
        approved=sum(p.decision == "approved" for p in request.parties),
    )


@router.post(
    "/requests",
    status_code=status.HTTP_201_CREATED,
    response_model=RequestPublic,
    responses=error_responses(401, 403, 413, 422),
)
def create_request(body: RequestBody, caller: Requesting, consent: Consent) -> RequestPublic:
    """Ask holders for certificates for a bundle item; refused (422
    ``beyond_bundle_item``, naming the field) when it asks beyond what the item allows."""
    client = caller.client
    requester = Requester(client.client_id, client.name, frozenset(client.bundle_items))
    new = NewRequest(
        holders=[AskedHolder(h.id_number, h.certificates) for h in body.holders],
        purpose=body.purpose,
        bundle_item=body.bundle_item,
        max_uses=body.max_uses,
        expires_at=body.expires_at,
        expires_in=body.expires_in,
        nonce=body.nonce,
    )
    return public(consent.create(requester, new), consent.now())


@router.get(
    "/requests/{request_id}",
    response_model=RequestPublic,
    responses=error_responses(401, 403, 404, 422),
)
def read_request(request_id: str, caller: Requesting, consent: Consent) -> RequestPublic:
    return public(consent.for_service(caller.client.client_id, request_id), consent.now())


@router.post(
    "/requests/{request_id}/withdraw",
    response_model=RequestPublic,
    responses=error_responses(401, 403, 404, 422),
)
def withdraw_request(request_id: str, caller: Requesting, consent: Consent) -> RequestPublic:
    """Take the request back: pending, or the active grant made from it, it becomes
    ``withdrawn`` (the citizens no longer see it pending, no approval and no pull
    follows). Withdrawing again, or a request already denied, revoked, expired or used
    up, changes nothing and answers its state as it is."""
    withdrawal = consent.withdraw(caller.client.client_id, request_id)
    return public(withdrawal.request, consent.now())
