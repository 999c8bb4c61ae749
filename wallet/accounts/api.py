"""HTTP face of citizen accounts: login, logout, who am I, and the session every
wallet route depends on (:data:`CurrentSession`).

Citizens authenticate with a bearer session token (``CitizenBearer``), which is a
different scheme from the issuers' administration token. The citizen's certificates
are served by :mod:`wallet.certificates.api`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from issuers.api.provided import provided
from issuers.api.rate_limits import limit_by_address
from issuers.error_schema import error_responses
from issuers.errors import Unauthorized
from wallet.accounts.service import (
    MAX_PASSWORD_LENGTH,
    AccountService,
    Citizen,
    Session,
    check_csrf,
)
from wallet.web.cookies import CSRF_HEADER, SESSION_COOKIE


async def no_store(response: Response) -> None:
    """A citizen's data must not sit in a browser's or a proxy's cache. A coroutine so
    FastAPI sets the header on the event loop, not in a thread-pool hand-off."""
    response.headers["Cache-Control"] = "no-store"


router = APIRouter(prefix="/wallet", tags=["wallet"], dependencies=[Depends(no_store)])
_bearer = HTTPBearer(
    auto_error=False, scheme_name="CitizenBearer", description="Citizen session token"
)


accounts = provided(AccountService)


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# Kept for wallet.holders.api, which imports it from here.


def citizen_session(
    request: Request,
    service: Annotated[AccountService, Depends(accounts)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Session:
    """A bearer token (API clients), or the web wallet's session cookie. A request that
    a cookie authenticates and that changes anything must carry the CSRF token too: a
    browser attaches cookies to requests other sites make it send."""
    if credentials is not None:
        session = service.resolve(credentials.credentials)
        if session.kind != "api":  # a web cookie's token must keep its CSRF check
            raise Unauthorized("a web session cookie is not an API bearer token")
        return session
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise Unauthorized("a citizen session bearer token is required")
    session = service.resolve(cookie)
    if session.kind != "web":
        raise Unauthorized("an API session token is not a web session cookie")
    if request.method not in _SAFE_METHODS:
        check_csrf(session, request.headers.get(CSRF_HEADER))
    return session


CurrentSession = Annotated[Session, Depends(citizen_session)]


class LoginRequest(BaseModel):
    id_number: str = Field(min_length=18, max_length=18, description="公民身份号码 (GB 11643)")
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class LoginResponse(BaseModel):
    token: str
    token_type: str = "bearer"  # noqa: S105 - the RFC 6750 token type, not a secret
    expires_at: datetime


class CitizenPublic(BaseModel):
    id_number: str
    name: str
    created_at: datetime


def _public(citizen: Citizen) -> CitizenPublic:
    return CitizenPublic(
        id_number=citizen.id_number, name=citizen.name, created_at=citizen.created_at
    )


@router.post(
    "/login",
    response_model=LoginResponse,
    responses=error_responses(401, 413, 422, 423, 429),
    dependencies=[Depends(limit_by_address("login"))],
)
def login(
    body: LoginRequest, service: Annotated[AccountService, Depends(accounts)]
) -> LoginResponse:
    """Open an API session. Unknown number and wrong password get the same 401. Too many
    attempts from one address: 429 ``rate_limited`` with ``Retry-After``; too many wrong
    passwords for one number: 423 ``account_locked``."""
    issued = service.login(body.id_number, body.password, kind="api")
    return LoginResponse(token=issued.token, expires_at=issued.expires_at)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(401))
def logout(
    session: CurrentSession, service: Annotated[AccountService, Depends(accounts)]
) -> Response:
    service.logout(session)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=CitizenPublic, responses=error_responses(401))
def me(session: CurrentSession) -> CitizenPublic:
    return _public(session.citizen)
