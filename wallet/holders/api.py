"""HTTP face of holder keys and live presentations (亮证).

* ``GET /wallet/holder-key``: the citizen's active key (public half) and its custody.
* ``PUT /wallet/holder-key``: register a device's public key (JWK); the device then
  signs presentations itself over ``GET /wallet/certificates/{id}``'s ``qr``. Needs a
  fresh sign-in.
* ``DELETE /wallet/holder-key``: forget the device (lost phone); back to custodial,
  every other session ended, every copy bound to the device key invalidated.
* ``POST /wallet/certificates/{id}/presentation``: a live presentation signed with the
  custodial key, as text and as an SVG QR code, valid for the configured window.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Response
from pydantic import BaseModel, Field

from issuers.api.provided import provided
from issuers.crypto.base64url import parse_b64url
from issuers.error_schema import error_responses
from issuers.errors import InvalidInput
from issuers.formats.presentation import MAX_NONCE_BYTES
from issuers.formats.qr_image import LIVE_MASK, render_svg
from wallet.accounts.api import CurrentSession, accounts, no_store
from wallet.accounts.service import AccountService
from wallet.holders.keyring import HolderKey, HolderKeyring
from wallet.holders.presentations import PresentationService

router = APIRouter(prefix="/wallet", tags=["wallet"], dependencies=[Depends(no_store)])
_NO_STORE = {"Cache-Control": "no-store"}  # no_store sets it only on answers FastAPI builds


keyring = provided(HolderKeyring)


Keyring = Annotated[HolderKeyring, Depends(keyring)]
Presentations = Annotated[PresentationService, Depends(provided(PresentationService))]
Accounts = Annotated[AccountService, Depends(accounts)]


class HolderKeyView(BaseModel):
    kid: str = Field(description="RFC 7638 thumbprint of the key")
    alg: str
    custody: str = Field(description="`custodial` (kept sealed here) or `device`")
    public_jwk: dict[str, str]
    created_at: datetime


class DeviceKey(BaseModel):
    public_jwk: dict[str, Any] = Field(
        description=(
            "The device's public key (RFC 7517): OKP Ed25519, EC P-256, or EC SM2"
            ' (`{"kty": "EC", "crv": "SM2", "x", "y"}`, 国密 SM2 with SM3).'
        )
    )
    proof: str = Field(
        max_length=200,
        description=(
            "Proof of possession, base64url: the device key's signature (EdDSA, or ES256 or"
            " SM2 as r||s) over `elicense device key registration v1` + NUL + SHA-256(session"
            " token) + the 公民身份号码 (see wallet/holders/device_proof.py)."
        ),
    )


class PresentationRequest(BaseModel):
    nonce: str | None = Field(
        default=None,
        max_length=64,
        description=f"The verifier's nonce, base64url, 1 to {MAX_NONCE_BYTES} bytes.",
    )


class PresentationResponse(BaseModel):
    payload: str = Field(description="`ELP1:` text, what the QR code holds")
    qr_svg: str = Field(description="The payload as an SVG QR code (level M)")
    issued_at: datetime
    expires_at: datetime
    lifetime_seconds: int


def _view(key: HolderKey) -> HolderKeyView:
    return HolderKeyView(
        kid=key.kid,
        alg=key.alg.value,
        custody=key.custody,
        public_jwk=key.public_jwk,
        created_at=key.created_at,
    )


@router.get("/holder-key", response_model=HolderKeyView, responses=error_responses(401))
def holder_key(session: CurrentSession, ring: Keyring) -> HolderKeyView:
    return _view(ring.current(session.citizen.id_number))


@router.put(
    "/holder-key",
    response_model=HolderKeyView,
    responses=error_responses(401, 403, 409, 413, 422),
)
def register_device(
    body: DeviceKey, session: CurrentSession, ring: Keyring, accounts: Accounts
) -> HolderKeyView:
    """Presentations must then be signed on the device; the custodial key is destroyed.
    Needs a session signed in within the last few minutes (401
    `reauthentication_required` otherwise)."""
    accounts.require_recent_sign_in(session)
    proof = _base64url(body.proof, "proof", max_bytes=128)
    return _view(
        ring.register_device(
            session.citizen.id_number,
            body.public_jwk,
            proof=proof,
            session_hash=session.token_hash,
        )
    )


@router.delete("/holder-key", response_model=HolderKeyView, responses=error_responses(401, 403))
def forget_device(session: CurrentSession, ring: Keyring, accounts: Accounts) -> HolderKeyView:
    """Retire the active key (a lost device) and go back to a fresh custodial key. Every
    other session of the citizen ends (the lost phone's among them), and every copy of
    a credential bound to the retired key stops verifying."""
    # Sessions first: if the key change then fails, the citizen is only signed out
    # elsewhere and tries again; never the other way round (a key retired while the
    # phone's session lives on).
    accounts.end_other_sessions(session)
    return _view(ring.reset_to_custodial(session.citizen.id_number))


@router.post(
    "/certificates/{identifier}/presentation",
    response_model=PresentationResponse,
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
def present(
    identifier: Annotated[str, Path(max_length=100)],
    session: CurrentSession,
    presentations: Presentations,
    body: Annotated[PresentationRequest | None, Body()] = None,
) -> Response:
    """A live QR (亮证) for one certificate in the wallet, signed by the custodial key."""
    # The JSON of PresentationResponse, serialised here in the route's thread: returned
    # as a model, FastAPI would hop to the thread pool again to re-validate it (the SVG
    # is some 20 KB) against the response model. Same bytes and no-store header.
    nonce = _nonce(body.nonce) if body is not None and body.nonce is not None else None
    shown = presentations.present(session.citizen.id_number, identifier, nonce=nonce)
    answer = PresentationResponse(
        payload=shown.payload,
        qr_svg=render_svg(shown.payload, mask=LIVE_MASK),
        issued_at=shown.issued_at,
        expires_at=shown.expires_at,
        lifetime_seconds=int((shown.expires_at - shown.issued_at).total_seconds()),
    )
    return Response(answer.model_dump_json(), media_type="application/json", headers=_NO_STORE)


def _nonce(text: str) -> bytes:
    return _base64url(text, "nonce", max_bytes=MAX_NONCE_BYTES)


def _base64url(text: str, field: str, *, max_bytes: int) -> bytes:
    try:
        value = parse_b64url(text)
    except ValueError:
        raise InvalidInput(f"{field} must be base64url", field=field) from None
    if not 0 < len(value) <= max_bytes:
        raise InvalidInput(f"{field} must be 1 to {max_bytes} bytes", field=field)
    return value
