"""``/admin/clients``: register, list, read, disable a service client and rotate its
secret, under the issuer administration bearer token (``elicense clients`` does the same
from the shell)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field

from issuers.api.directory import require_admin
from issuers.error_schema import error_responses
from wallet.clients.api._provided import NO_STORE, Clients
from wallet.clients.records import ServiceClient
from wallet.clients.registration import MAX_ITEMS, MAX_NAME_LENGTH

router = APIRouter(prefix="/admin/clients", tags=["clients"], dependencies=[Depends(require_admin)])

# Every client id is registration's a-z0-9- slug or a made svc_<hex>.
ClientId = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]
_ItemCode = Annotated[str, Field(min_length=1, max_length=64)]


class PublicJwkIn(BaseModel):
    """A client's public key: OKP Ed25519, EC P-256 or EC SM2 (国密); a private part
    (``d``) is refused."""

    model_config = ConfigDict(extra="forbid")

    kty: Literal["OKP", "EC"]
    crv: Literal["Ed25519", "P-256", "SM2"]
    x: str = Field(max_length=64)
    y: str | None = Field(default=None, max_length=64)
    kid: str | None = Field(default=None, max_length=128)
    alg: Literal["EdDSA", "Ed25519", "ES256", "SM2"] | None = None
    use: Literal["sig"] | None = None


class ClientIn(BaseModel):
    """A registration; an unknown field is refused (422), not silently ignored."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=MAX_NAME_LENGTH, description="e.g. 徐汇公安分局户政")
    uscc: str = Field(min_length=18, max_length=18, description="统一社会信用代码 (GB 32100)")
    bundle_items: list[_ItemCode] = Field(min_length=1, max_length=MAX_ITEMS)
    auth_method: Literal["client_secret_basic", "private_key_jwt"] = "client_secret_basic"
    public_jwk: PublicJwkIn | None = None
    client_id: str | None = Field(
        default=None, min_length=3, max_length=40, pattern=r"^[a-z0-9-]{3,40}$"
    )


class ClientOut(BaseModel):
    client_id: str
    name: str
    uscc: str
    bundle_items: list[str]
    auth_method: Literal["client_secret_basic", "private_key_jwt"]
    public_jwk: dict[str, str] | None
    disabled: bool
    created_at: datetime


class ClientCreated(BaseModel):
    client: ClientOut
    client_secret: str | None = Field(description="Shown this once (client_secret_basic)")


class SecretRotated(BaseModel):
    client_id: str
    client_secret: str = Field(description="Shown this once; the old secret no longer works")


def _out(client: ServiceClient) -> ClientOut:
    return ClientOut(
        client_id=client.client_id,
        name=client.name,
        uscc=client.uscc,
        bundle_items=list(client.bundle_items),
        auth_method=client.auth_method,
        public_jwk=client.public_jwk,
        disabled=client.disabled,
        created_at=client.created_at,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ClientCreated,
    responses=error_responses(401, 409, 413, 422),
)
def add_client(body: ClientIn, service: Clients, response: Response) -> ClientCreated:
    client, secret = service.add(
        body.name,
        body.uscc,
        body.bundle_items,
        body.auth_method,
        None if body.public_jwk is None else body.public_jwk.model_dump(exclude_none=True),
        body.client_id,
    )
    response.headers.update(NO_STORE)
    return ClientCreated(client=_out(client), client_secret=secret)


@router.get("", response_model=list[ClientOut], responses=error_responses(401))
def list_clients(service: Clients) -> list[ClientOut]:
    return [_out(client) for client in service.list()]


@router.get("/{client_id}", response_model=ClientOut, responses=error_responses(401, 404, 422))
def get_client(client_id: ClientId, service: Clients) -> ClientOut:
    return _out(service.get(client_id))


@router.post(
    "/{client_id}/disable", response_model=ClientOut, responses=error_responses(401, 404, 422)
)
def disable_client(client_id: ClientId, service: Clients) -> ClientOut:
    """Disable the client: its tokens stop working now, and it gets no new ones."""
    return _out(service.disable(client_id))


@router.post(
    "/{client_id}/rotate-secret",
    response_model=SecretRotated,
    responses=error_responses(401, 404, 409, 422),
)
def rotate_secret(client_id: ClientId, service: Clients, response: Response) -> SecretRotated:
    """A new secret, shown once; the old one and the tokens it got stop working now."""
    secret = service.rotate_secret(client_id)
    response.headers.update(NO_STORE)
    return SecretRotated(client_id=client_id, client_secret=secret)
