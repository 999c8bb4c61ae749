"""``/wallet/consent/...``: the citizen's pending requests, each with a preview of
exactly the values that would be shared, the decisions, and the active grants.

A request the citizen stands for no party of is 404 ``not_found``, as a missing one;
acting for someone without a proven relation or delegation is 403
``relation_unproven``; approving without a valid certificate of an asked type is 409
``certificate_missing`` naming it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from issuers.api.provided import provided
from issuers.catalogue import CATALOGUE
from issuers.error_schema import error_responses
from wallet.accounts.api import CurrentSession, no_store
from wallet.consent.api.bodies import StrictBody
from wallet.consent.citizen import PartyPreview, RequestView
from wallet.consent.service import ConsentService

router = APIRouter(prefix="/wallet/consent", tags=["wallet"], dependencies=[Depends(no_store)])
Consent = Annotated[ConsentService, Depends(provided(ConsentService))]


class ItemPublic(BaseModel):
    code: str
    name_zh: str
    name_en: str
    department: str


class SharedCertificate(BaseModel):
    type_slug: str
    type_name_zh: str
    type_name_en: str
    claims: list[str]
    missing: bool
    identifier: str | None = None
    values: dict[str, Any] | None = None  # exactly what would be shared, not editable


class MyParty(BaseModel):
    position: int
    holder_id_number: str
    acting_as: str  # self | guardian | delegate
    state: str
    certificates: list[SharedCertificate] | None = None  # the preview (detail only)


class PartyState(BaseModel):
    position: int
    state: str


class RequestForCitizen(BaseModel):
    id: str
    state: str
    service_name: str
    purpose: str
    item: ItemPublic
    expires_at: datetime
    max_uses: int
    uses_taken: int
    uses_left: int
    created_at: datetime
    parties: list[PartyState]
    mine: list[MyParty]


class Decision(StrictBody):
    on_behalf_of: str | None = Field(default=None, max_length=32)


class Approval(Decision):
    key_binding_signatures: dict[str, str] = Field(
        default_factory=dict, description="certificate identifier -> base64url signature"
    )


def _party(preview: PartyPreview, with_preview: bool) -> MyParty:
    certificates = None
    if with_preview:
        certificates = [
            SharedCertificate(
                type_slug=ask.type_slug,
                type_name_zh=CATALOGUE[ask.type_slug].name_zh,
                type_name_en=CATALOGUE[ask.type_slug].name_en,
                claims=list(ask.claims),
                missing=ask.certificate is None,
                identifier=None if ask.certificate is None else ask.certificate.identifier,
                values=None if ask.certificate is None else dict(ask.certificate.values),
            )
            for ask in preview.asks
        ]
    return MyParty(
        position=preview.party.position,
        holder_id_number=preview.party.holder_code,
        acting_as=preview.via,
        state=preview.party.decision,
        certificates=certificates,
    )


def _public(view: RequestView, *, preview: bool = False) -> RequestForCitizen:
    request, item = view.request, view.item
    return RequestForCitizen(
        id=request.id,
        state=view.state,
        service_name=request.client_name,
        purpose=request.purpose,
        item=ItemPublic(
            code=item.code, name_zh=item.name_zh, name_en=item.name_en, department=item.department
        ),
        expires_at=request.expires_at,
        max_uses=request.max_uses,
        uses_taken=request.uses_taken,
        uses_left=request.uses_left,
        created_at=request.created_at,
        parties=[PartyState(position=p.position, state=p.decision) for p in request.parties],
        mine=[_party(p, preview) for p in view.mine],
    )


@router.get("/requests", response_model=list[RequestForCitizen], responses=error_responses(401))
def pending(session: CurrentSession, consent: Consent) -> list[RequestForCitizen]:
    return [_public(v) for v in consent.wallet.pending(session.citizen.id_number)]


@router.get(
    "/requests/{request_id}",
    response_model=RequestForCitizen,
    responses=error_responses(401, 404, 422),
)
def detail(request_id: str, session: CurrentSession, consent: Consent) -> RequestForCitizen:
    """The request with, for each party the citizen acts for, the certificate each
    asked type would share and exactly the values of the asked claims."""
    view = consent.wallet.detail(session.citizen.id_number, request_id)
    return _public(view, preview=True)


@router.post(
    "/requests/{request_id}/approve",
    response_model=RequestForCitizen,
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
def approve(
    request_id: str, session: CurrentSession, consent: Consent, body: Approval | None = None
) -> RequestForCitizen:
    body = body or Approval()
    view = consent.wallet.approve(
        session.citizen.id_number,
        request_id,
        on_behalf_of=body.on_behalf_of,
        key_binding_signatures=body.key_binding_signatures,
    )
    return _public(view)


@router.post(
    "/requests/{request_id}/deny",
    response_model=RequestForCitizen,
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
def deny(
    request_id: str, session: CurrentSession, consent: Consent, body: Decision | None = None
) -> RequestForCitizen:
    body = body or Decision()
    view = consent.wallet.deny(
        session.citizen.id_number, request_id, on_behalf_of=body.on_behalf_of
    )
    return _public(view)


@router.post(
    "/grants/{grant_id}/revoke",
    response_model=RequestForCitizen,
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
def revoke(
    grant_id: str, session: CurrentSession, consent: Consent, body: Decision | None = None
) -> RequestForCitizen:
    """Any party, or their guardian, revokes: the grant stops for every party at once."""
    body = body or Decision()
    view = consent.wallet.revoke(
        session.citizen.id_number, grant_id, on_behalf_of=body.on_behalf_of
    )
    return _public(view)


@router.get("/grants", response_model=list[RequestForCitizen], responses=error_responses(401))
def grants(session: CurrentSession, consent: Consent) -> list[RequestForCitizen]:
    return [_public(v) for v in consent.wallet.grants(session.citizen.id_number)]
