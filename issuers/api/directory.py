"""HTTP face of the issuers: directory, JWKS, catalogue, minting, code checks."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from issuers.api.provided import provided
from issuers.catalogue import CATALOGUE, get_type
from issuers.codes import (
    parse_identifier,
    parse_resident_id,
    region_name,
    validate_region,
    validate_uscc,
)
from issuers.crypto.keys import VerifyingKey
from issuers.error_schema import error_responses
from issuers.errors import NotFound, Unauthorized
from issuers.registry import IssuerInfo
from issuers.store import repository as repo
from issuers.store.issuance import IssuanceService

router = APIRouter()
_bearer = HTTPBearer(auto_error=False, description="Issuer administration token")
UsccPath = Annotated[str, Path(min_length=18, max_length=18, pattern=r"^[0-9A-Z]{18}$")]


@dataclass(frozen=True)
class AdminToken:
    """The issuer administration bearer token; ``None``: administration is closed."""

    value: str | None


issuance = provided(IssuanceService)
Issuance = Annotated[IssuanceService, Depends(issuance)]


def require_admin(
    token: Annotated[AdminToken, Depends(provided(AdminToken))],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    expected = token.value
    given = credentials.credentials if credentials is not None else ""
    if expected is None or not hmac.compare_digest(given.encode(), expected.encode()):
        raise Unauthorized("a valid issuer administration bearer token is required")


class IssuerPublic(BaseModel):
    uscc: str
    name_zh: str
    name_en: str
    region_code: str
    region_name: str | None
    allowed_types: list[str]


class _PublicJwk(BaseModel):
    """Members every published key has. A JWK member is a string or absent, never
    null (RFC 7517 section 4): a ``"y": null`` on an Ed25519 key made jwcrypto refuse
    the whole set, so each key type is its own model with exactly its members."""

    kty: str
    crv: str
    x: str
    kid: str
    alg: str
    use: Literal["sig"]
    status: Literal["active", "retired", "compromised"]


class OkpJwk(_PublicJwk):
    """An Ed25519 public key (RFC 8037 section 2)."""

    kty: Literal["OKP"]
    crv: Literal["Ed25519"]
    alg: Literal["EdDSA"]


class EcJwk(_PublicJwk):
    """A P-256 public key (RFC 7518 section 6.2.1)."""

    kty: Literal["EC"]
    crv: Literal["P-256"]
    alg: Literal["ES256"]
    y: str


class Sm2Jwk(_PublicJwk):
    """An SM2 public key (国密, GB/T 32918): the EC members, with ``crv`` ``SM2`` and
    ``alg`` ``SM2`` (draft-dang-webauthn-sm2; ``issuers.crypto.keys``)."""

    kty: Literal["EC"]
    crv: Literal["SM2"]
    alg: Literal["SM2"]
    y: str


# By curve: two key types share kty EC (P-256 and SM2), each crv is one model.
Jwk = Annotated[OkpJwk | EcJwk | Sm2Jwk, Field(discriminator="crv")]


class Jwks(BaseModel):
    keys: list[Jwk]


class CertificateTypePublic(BaseModel):
    slug: str
    type_code: str
    name_zh: str
    name_en: str
    department: str
    default_validity_days: int | None
    holder_kind: str
    fields_schema: dict[str, Any]


class MintRequest(BaseModel):
    type: str = Field(max_length=40, description="Catalogue slug or 21-character type code.")
    holder: str | None = Field(default=None, max_length=18)
    fields: dict[str, Any]
    valid_from: date | None = None
    valid_until: date | None = None


class MintResponse(BaseModel):
    identifier: str
    qr: str | None = Field(description="The QR credential; null when it does not fit a QR code.")
    qr_unavailable: Literal["too_large"] | None = Field(
        default=None, description="Why there is no QR; the SD-JWT VC is still issued."
    )
    type: str
    issuer: str
    holder_codes: list[str]
    issued_at: datetime
    valid_from: date
    valid_until: date | None
    kid: str


class CodeCheck(BaseModel):
    kind: Literal["resident_id", "uscc", "region", "identifier"]
    value: str = Field(max_length=200)


class CodeCheckResult(BaseModel):
    valid: bool
    normalized: str
    details: dict[str, Any]


def _public(info: IssuerInfo) -> IssuerPublic:
    return IssuerPublic(
        uscc=info.uscc,
        name_zh=info.name_zh,
        name_en=info.name_en,
        region_code=info.region_code,
        region_name=region_name(info.region_code),
        allowed_types=sorted(info.allowed_types),
    )


@router.get("/issuers", response_model=list[IssuerPublic], tags=["issuers"])
def list_issuers(service: Annotated[IssuanceService, Depends(issuance)]) -> list[IssuerPublic]:
    with service.engine.connect() as conn:
        return [_public(info) for info in repo.list_issuers(conn)]


@router.get(
    "/issuers/{uscc}",
    response_model=IssuerPublic,
    tags=["issuers"],
    responses=error_responses(404, 422),
)
def get_issuer(
    uscc: UsccPath, service: Annotated[IssuanceService, Depends(issuance)]
) -> IssuerPublic:
    with service.engine.connect() as conn:
        info = repo.get_issuer(conn, uscc)
    if info is None:
        raise NotFound(f"no issuer {uscc}", field="uscc")
    return _public(info)


@router.get(
    "/issuers/{uscc}/jwks.json",
    response_model=Jwks,
    tags=["issuers"],
    responses=error_responses(404, 422),
)
def issuer_jwks(uscc: UsccPath, service: Annotated[IssuanceService, Depends(issuance)]) -> Jwks:
    with service.engine.connect() as conn:
        if repo.get_issuer(conn, uscc) is None:
            raise NotFound(f"no issuer {uscc}", field="uscc")
        rows = repo.public_key_rows(conn, uscc)
    keys = [
        {**VerifyingKey.from_jwk(row.public_jwk).public_jwk(), "status": row.state} for row in rows
    ]
    return Jwks.model_validate({"keys": keys})


@router.get("/catalogue", response_model=list[CertificateTypePublic], tags=["catalogue"])
def catalogue() -> list[CertificateTypePublic]:
    return [_type_public(t.slug) for t in CATALOGUE.values()]


@router.get(
    "/catalogue/{type_ref}",
    response_model=CertificateTypePublic,
    tags=["catalogue"],
    responses=error_responses(404, 422),
)
def catalogue_entry(type_ref: Annotated[str, Path(max_length=40)]) -> CertificateTypePublic:
    return _type_public(type_ref)


def _type_public(type_ref: str) -> CertificateTypePublic:
    entry = get_type(type_ref)
    return CertificateTypePublic(
        slug=entry.slug,
        type_code=entry.type_code,
        name_zh=entry.name_zh,
        name_en=entry.name_en,
        department=entry.department.value,
        default_validity_days=None
        if entry.default_validity is None
        else entry.default_validity.days,
        holder_kind=entry.holder_kind,
        fields_schema=entry.model.model_json_schema(),
    )


@router.post(
    "/issuers/{uscc}/certificates",
    response_model=MintResponse,
    status_code=status.HTTP_201_CREATED,
    tags=["issuers"],
    dependencies=[Depends(require_admin)],
    responses=error_responses(401, 403, 404, 413, 422, 503),
)
def mint_certificate(
    uscc: UsccPath, body: MintRequest, service: Annotated[IssuanceService, Depends(issuance)]
) -> MintResponse:
    minted = service.mint(
        body.type,
        uscc,
        body.fields,
        holder=body.holder,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
    )
    record = minted.record
    return MintResponse(
        identifier=minted.identifier,
        qr=minted.qr or None,
        qr_unavailable=minted.qr_unavailable,
        type=record.type.slug,
        issuer=record.issuer.uscc,
        holder_codes=list(record.holder_codes),
        issued_at=record.issued_at,
        valid_from=record.valid_from,
        valid_until=record.valid_until,
        kid=minted.kid,
    )


@router.post(
    "/codes/check",
    response_model=CodeCheckResult,
    tags=["codes"],
    responses=error_responses(413, 422),
)
def check_code(body: CodeCheck) -> CodeCheckResult:
    """Check a national code; a bad one is a 422 naming the field and the reason."""
    if body.kind == "resident_id":
        parsed = parse_resident_id(body.value, field="value")
        details: dict[str, Any] = {
            "region_code": parsed.region_code,
            "birth_date": parsed.birth_date.isoformat(),
            "sex_code": parsed.sex_code,
        }
        return CodeCheckResult(valid=True, normalized=parsed.value, details=details)
    if body.kind == "uscc":
        code = validate_uscc(body.value, field="value")
        return CodeCheckResult(valid=True, normalized=code, details={"region_code": code[2:8]})
    if body.kind == "region":
        code = validate_region(body.value, field="value")
        return CodeCheckResult(valid=True, normalized=code, details={"name": region_name(code)})
    ident = parse_identifier(body.value, field="value")
    return CodeCheckResult(
        valid=True,
        normalized=str(ident),
        details={
            "type_code": ident.type_code,
            "issuer_code": ident.issuer_code,
            "serial": ident.serial,
            "version": ident.version,
        },
    )
