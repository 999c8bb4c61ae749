"""HTTP face of the verifier: ``POST /verify``.

A request that is well-formed always gets ``200`` and a verdict, valid or not: the
verdict *is* the answer, and ``code`` says why a credential failed. Requests that are
not well-formed (no JSON, no ``qr``, body over the cap) get a typed 4xx.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from issuers.error_schema import error_responses
from verifiers.verdict import Verdict, VerifierContext, verdict_for

router = APIRouter(tags=["verify"])


def verifier_context(request: Request) -> VerifierContext:
    context: VerifierContext = request.app.state.verifier
    return context


class VerifyRequest(BaseModel):
    qr: str = Field(
        max_length=65536,
        description="The QR text as scanned, e.g. `EL1:...`.",
        examples=["EL1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDE"],
    )


@router.post(
    "/verify",
    response_model=Verdict,
    summary="Verify a QR credential",
    responses=error_responses(413, 422),
)
def verify(
    body: VerifyRequest, context: Annotated[VerifierContext, Depends(verifier_context)]
) -> Verdict:
    return verdict_for(body.qr, context)
