"""JWT VC Issuer Metadata (draft-ietf-oauth-sd-jwt-vc §5): how a service finds the
keys of an SD-JWT VC's issuer by itself.

https://datatracker.ietf.org/doc/draft-ietf-oauth-sd-jwt-vc/

An SD-JWT VC's ``iss`` is ``{public_base_url}/issuers/{uscc}``; §5.1 places its
metadata at the well-known path inserted between the host and that path:
``/.well-known/jwt-vc-issuer/issuers/{uscc}``. The document is ``{"issuer": iss,
"jwks": {"keys": [...]}}``, ``issuer`` identical to the ``iss`` it answers for, the
keys the same as ``GET /issuers/{uscc}/jwks.json`` (each with its state: a verifier
refuses a compromised one).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from issuers.api.directory import Jwks, UsccPath, issuance, issuer_jwks
from issuers.error_schema import error_responses
from issuers.formats.sd_jwt import issuer_uri
from issuers.store.issuance import IssuanceService

router = APIRouter()


class JwtVcIssuerMetadata(BaseModel):
    issuer: str
    jwks: Jwks


@router.get(
    "/.well-known/jwt-vc-issuer/issuers/{uscc}",
    response_model=JwtVcIssuerMetadata,
    tags=["issuers"],
    responses=error_responses(404, 422),
)
def jwt_vc_issuer_metadata(
    uscc: UsccPath, service: Annotated[IssuanceService, Depends(issuance)]
) -> JwtVcIssuerMetadata:
    """The issuer's SD-JWT VC ``iss`` and public keys; 404 for an unknown issuer."""
    jwks = issuer_jwks(uscc, service)
    return JwtVcIssuerMetadata(issuer=issuer_uri(service.public_base_url, uscc), jwks=jwks)
