"""HTTP: what verifiers fetch and cache. Static, signed documents, safe to put on a CDN.

* ``GET /trust/anchors``: the anchors' public keys (informational: verifiers must get
  their anchors out of band, not from the party the anchor vouches for).
* ``GET /trust/lists/{region}``: the region's signed trust list (``trustlist+jwt``).
* ``GET /status/lists``: every status list published here.
* ``GET /status/{uscc}/{n}``: one status list, JWT by default, CWT when the client
  sends ``Accept: application/statuslist+cwt`` (IETF Token Status List §8.1). Its
  ``max-age`` is what is left of the copy's re-signing period, so that no cache in
  between serves a list older (by its own ``iat``) than that: verifiers judge its age
  from ``iat`` and ``ttl`` (see :mod:`issuers.store.publication`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel

from issuers.api.directory import UsccPath
from issuers.api.provided import provided
from issuers.codes import region_name
from issuers.error_schema import error_responses
from issuers.store.publication import STATUS_LIST_RESIGN_SECONDS, PublicationService

router = APIRouter(tags=["publication"])
RegionPath = Annotated[str, Path(pattern=r"^[0-9]{6}$")]
JWT_STATUS, CWT_STATUS = "application/statuslist+jwt", "application/statuslist+cwt"


publication = provided(PublicationService)


class Anchor(BaseModel):
    region_code: str
    region_name: str | None
    jwk: dict[str, str]


class StatusListLink(BaseModel):
    uri: str
    issuer: str


# A trust list is valid for days and signed per request, but a key compromise or
# rotation must reach verifiers as fast as the status lists that the new key signs
# (else a cache in between pairs a new-key list with an old trust list for minutes).
TRUST_LIST_MAX_AGE = STATUS_LIST_RESIGN_SECONDS


def _signed_text(
    body: str | bytes, media_type: str, max_age: int, *, vary: str | None = None
) -> Response:
    headers = {"Cache-Control": f"public, max-age={max_age}"}
    if vary is not None:
        headers["Vary"] = vary  # one URL, two representations: a cache must keep both
    return Response(content=body, media_type=media_type, headers=headers)


@router.get("/trust/anchors", response_model=list[Anchor])
def anchors(service: Annotated[PublicationService, Depends(publication)]) -> list[Anchor]:
    return [
        Anchor(region_code=region, region_name=region_name(region), jwk=key.public_jwk())
        for region, key in service.anchors()
    ]


@router.get(
    "/trust/lists/{region}",
    response_class=Response,
    responses={200: {"content": {"application/trustlist+jwt": {}}}, **error_responses(404, 422)},
)
def trust_list(
    region: RegionPath, service: Annotated[PublicationService, Depends(publication)]
) -> Response:
    return _signed_text(service.trust_list(region), "application/trustlist+jwt", TRUST_LIST_MAX_AGE)


@router.get("/status/lists", response_model=list[StatusListLink])
def status_lists(
    service: Annotated[PublicationService, Depends(publication)],
) -> list[StatusListLink]:
    return [StatusListLink(uri=uri, issuer=uscc) for uri, uscc in service.status_list_uris()]


@router.get(
    "/status/{uscc}/{list_number}",
    response_class=Response,
    responses={200: {"content": {JWT_STATUS: {}, CWT_STATUS: {}}}, **error_responses(404, 422)},
)
def status_list(
    uscc: UsccPath,
    list_number: Annotated[int, Path(ge=1, le=1_000_000)],
    request: Request,
    service: Annotated[PublicationService, Depends(publication)],
) -> Response:
    cwt = CWT_STATUS in request.headers.get("accept", "")
    signed = service.signed_status_list(uscc, list_number, "cwt" if cwt else "jwt")
    return _signed_text(
        signed.body, CWT_STATUS if cwt else JWT_STATUS, signed.max_age, vary="Accept"
    )
