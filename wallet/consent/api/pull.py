"""``POST /consent/grants/{id}/pull``: a service takes its annotated shares (加注件);
``POST /wallet/consent/requests/{id}/prepare``: a device holder's first step.

A pull needs a service token with ``consent:pull``. Another service's grant is 404
``not_found``, as a missing one; every refusal is 403 with its own code (or 409
``consent_pending``) and discloses nothing. A service pulling too fast is 429
``rate_limited`` with ``Retry-After`` (the ``pull`` group, per client_id). What a
service needs to verify a share by itself is published: the issuer's keys at
``GET /.well-known/jwt-vc-issuer/issuers/{uscc}`` (SD-JWT VC issuer metadata) and the
platform's annotation key at ``GET /platform/jwks``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel, Field

from issuers.api.provided import provided
from issuers.api.rate_limits import RateLimiter
from issuers.error_schema import error_responses
from wallet.accounts.api import CurrentSession, no_store
from wallet.clients.api import require_client
from wallet.clients.records import SCOPE_PULL, AuthenticatedClient
from wallet.consent.api.bodies import StrictBody
from wallet.consent.pull import PullService
from wallet.consent.share_records import PulledShare, WantedCertificate

router = APIRouter(dependencies=[Depends(no_store)])
Pulls = Annotated[PullService, Depends(provided(PullService))]
Limiter = Annotated[RateLimiter, Depends(provided(RateLimiter))]


async def pulling_client(
    client: Annotated[AuthenticatedClient, Depends(require_client(SCOPE_PULL))], limiter: Limiter
) -> AuthenticatedClient:
    """The authenticated service, counted in the ``pull`` rate limit under its client_id
    (429 ``rate_limited`` with ``Retry-After`` when it pulls too fast)."""
    await limiter.hit_async("pull", client.client.client_id)
    return client


Pulling = Annotated[AuthenticatedClient, Depends(pulling_client)]
RequestId = Annotated[str, Path(max_length=64)]
_NO_STORE = {"Cache-Control": "no-store"}


class Wanted(StrictBody):
    holder: str = Field(max_length=32, description="公民身份号码 the grant names")
    type: str = Field(max_length=40, description="certificate type slug")
    claims: list[str] | None = Field(
        default=None, max_length=64, description="granted claims to disclose; omitted: all"
    )


class PullBody(StrictBody):
    purpose: str = Field(max_length=1000, description="must equal the grant's 申请事由")
    certificates: list[Wanted] | None = Field(
        default=None, max_length=80, description="omitted: everything granted"
    )


class SharePublic(BaseModel):
    holder: str = Field(description="the 公民身份号码 the service named")
    type: str
    identifier: str
    sd_jwt: str = Field(description="issuer JWT ~ Disclosures ~ KB-JWT (RFC 9901 SD-JWT+KB)")
    annotation: str = Field(description="the platform's 加注, JWS typ share-annotation+jwt")
    card_svg: str = Field(description="the certificate card, annotation as a watermark")
    audit_receipt: str = Field(description="hash of the audit entry recording this pull")


class PullPublic(BaseModel):
    grant_id: str
    pulled_at: datetime
    use: int
    uses_left: int
    shares: list[SharePublic]


class PrepareBody(StrictBody):
    on_behalf_of: str | None = Field(default=None, max_length=32)


class PreparePublic(BaseModel):
    key_binding_inputs: dict[str, str] = Field(
        description="certificate identifier -> base64url KB-JWT signing input for the device"
    )


@router.post(
    "/consent/grants/{grant_id}/pull",
    tags=["consent"],
    response_model=PullPublic,
    responses=error_responses(401, 403, 404, 409, 413, 422, 429),
)
def pull(grant_id: RequestId, body: PullBody, client: Pulling, pulls: Pulls) -> Response:
    """The JSON of :class:`PullPublic`, serialised here, in the thread the pull ran in:
    returned as a model, FastAPI would hand it to the thread pool once more to check
    it against the response model (a model we built, from typed fields). The bytes
    and headers are what that path writes (``Cache-Control: no-store`` included, which
    the router's dependency sets only on responses FastAPI builds)."""
    wanted = None
    if body.certificates is not None:
        wanted = [
            WantedCertificate(w.holder, w.type, None if w.claims is None else tuple(w.claims))
            for w in body.certificates
        ]
    result = pulls.pull(client.client, grant_id, body.purpose, wanted)
    public = PullPublic(
        grant_id=result.grant_id,
        pulled_at=result.pulled_at,
        use=result.use,
        uses_left=result.uses_left,
        shares=[_share(share) for share in result.shares],
    )
    return Response(public.model_dump_json(), media_type="application/json", headers=_NO_STORE)


@router.post(
    "/wallet/consent/requests/{request_id}/prepare",
    tags=["wallet"],
    response_model=PreparePublic,
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
def prepare(
    request_id: RequestId, body: PrepareBody, session: CurrentSession, pulls: Pulls
) -> PreparePublic:
    """For a holder whose key is on a device: the SD-JWT VCs are issued now and kept;
    sign each input with the device key and send the signatures with the approval."""
    inputs = pulls.prepare_device(
        session.citizen.id_number, request_id, on_behalf_of=body.on_behalf_of
    )
    return PreparePublic(key_binding_inputs=inputs)


def _share(share: PulledShare) -> SharePublic:
    return SharePublic(
        holder=share.holder,
        type=share.type_slug,
        identifier=share.identifier,
        sd_jwt=share.sd_jwt,
        annotation=share.annotation,
        card_svg=share.card_svg,
        audit_receipt=share.audit_receipt,
    )
