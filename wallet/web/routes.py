"""The web wallet's pages (``/web/...``), server-rendered for citizens.

* ``GET/POST /web/login``: the password form. Success sets the session cookie and the
  CSRF cookie (both HttpOnly, ``SameSite=Strict``, ``Secure`` over https) and goes to
  the cards; a wrong password is the form again with 401, a locked account 423, a
  malformed 公民身份号码 422, too many attempts from one address 429 (``Retry-After``;
  the ``login`` rate limit, as ``POST /wallet/login``). The form carries a
  double-submit token against login CSRF.
* ``POST /web/logout``: needs the session's CSRF token; revokes the session.
* ``GET /web/``: the citizen's certificates as cards.
* ``GET /web/certificates/{identifier}``: fields with Chinese and English labels,
  status and validity.
* ``GET /web/certificates/{identifier}/show``: 出示, the live QR. The page's script asks
  ``POST /wallet/certificates/{identifier}/presentation`` (cookie + CSRF header) for a
  holder-signed presentation and refreshes it before it expires.

A certificate that is not in this citizen's wallet, whether it exists or not, is the
same 404 page, which says nothing about it. Without a live session every page
redirects (303) to the login page.
"""

from __future__ import annotations

import contextlib
from datetime import date
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Final

import jinja2
from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from issuers.api.provided import provided, service_of
from issuers.api.rate_limits import RateLimiter, client_address
from issuers.errors import (
    AccountLocked,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    Unauthorized,
)
from verifiers.verdict import VerifierContext
from verifiers.web.pages import (
    CHINA_STANDARD_TIME,
    FormToken,
    page_environment,
    render,
    same_origin,
)
from verifiers.web.pages import secure_headers as _secure
from wallet.accounts.service import MAX_PASSWORD_LENGTH, Session, check_csrf
from wallet.certificates.service import CertificateService
from wallet.web import views
from wallet.web.session import (
    LOGIN_PATH,
    LoginRequired,
    WebSession,
    account_service,
    clear_session_cookies,
    csrf_for_page,
    set_session_cookies,
    web_session,
)

__all__ = ["LOGIN_FORM", "router"]

TEMPLATES_DIR: Final = Path(__file__).resolve().parent / "templates"
LOGIN_FORM: Final = FormToken("elicense_login_form", LOGIN_PATH)

router = APIRouter(prefix="/web", include_in_schema=False)
FormText = Annotated[str, Form()]
Certificates = Annotated[CertificateService, Depends(provided(CertificateService))]


@cache
def _pages() -> jinja2.Environment:
    return page_environment(TEMPLATES_DIR)


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def _today(request: Request) -> date:
    """Today in China, by the app's injected clock (the verifier's)."""
    now = service_of(request, VerifierContext).clock()
    today: date = now.astimezone(CHINA_STANDARD_TIME).date()
    return today


def _wallet_page(
    request: Request, session: Session, template: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    page = {"citizen": session.citizen, "csrf_token": csrf_for_page(request, session), **context}
    return render(_pages(), request, template, page, status_code=status)


def _not_found(request: Request, session: Session) -> HTMLResponse:
    return _wallet_page(request, session, "not_found.html", {}, status=404)


# --- login and logout ------------------------------------------------------------------

_LOGIN_PROBLEMS: Final[dict[str, tuple[str, str]]] = {
    "unauthorized": ("公民身份号码或密码错误。", "Wrong ID number or password."),
    "account_locked": (
        "密码错误次数过多，账户已临时锁定，请稍后再试。",
        "Too many wrong passwords: the account is locked for a while. Try again later.",
    ),
    "invalid_input": (
        "公民身份号码格式有误（18 位，最后一位为校验码）。",
        "That is not a valid ID number (18 characters, the last one a check character).",
    ),
    "form_expired": ("表单已过期，请重新登录。", "The form expired; please sign in again."),
    "rate_limited": (
        "登录尝试过于频繁，请稍后再试。",
        "Too many sign-in attempts from this address; try again in a moment.",
    ),
}


def _login_page(
    request: Request, status: int = 200, problem: str | None = None, id_number: str = ""
) -> HTMLResponse:
    token = LOGIN_FORM.current(request)
    context = {
        "form_token": token,
        "problem": None if problem is None else _LOGIN_PROBLEMS[problem],
        "id_number": id_number[:18],
        "csrf_token": None,
        "citizen": None,
    }
    response = render(_pages(), request, "login.html", context, status_code=status)
    LOGIN_FORM.set(request, response, token)
    return response


def _redirect(request: Request, path: str) -> RedirectResponse:
    return _secure(RedirectResponse(_root(request) + path, status_code=303))


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    try:
        web_session(request)
    except LoginRequired:
        return _login_page(request)
    return _redirect(request, "/web/")


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request, id_number: FormText = "", password: FormText = "", form_token: FormText = ""
) -> Response:
    number = id_number.strip().upper()
    if not same_origin(request) or not LOGIN_FORM.matches(request, form_token):
        return _login_page(request, 403, "form_expired", number)
    try:  # per address, as POST /wallet/login (the per-account lockout comes after)
        await service_of(request, RateLimiter).hit_async("login", client_address(request))
    except RateLimited as exc:
        refused = _login_page(request, 429, "rate_limited", number)
        refused.headers["Retry-After"] = str(exc.retry_after)
        return refused
    if not password or len(password) > MAX_PASSWORD_LENGTH:
        return _login_page(request, 401, "unauthorized", number)
    try:
        # argon2 takes tens of milliseconds: off the event loop.
        issued = await run_in_threadpool(account_service(request).login, number, password, "web")
    except AccountLocked:
        return _login_page(request, 423, "account_locked", number)
    except Unauthorized:
        return _login_page(request, 401, "unauthorized", number)
    except InvalidInput:
        return _login_page(request, 422, "invalid_input", number)
    assert issued.csrf_token is not None  # web sessions always have one
    await run_in_threadpool(_end_previous_session, request)
    response = _redirect(request, "/web/")
    set_session_cookies(request, response, issued.token, issued.csrf_token)
    LOGIN_FORM.clear(request, response)
    return response


def _end_previous_session(request: Request) -> None:
    """Signing in again ends the session this browser held before (if it still lives)."""
    with contextlib.suppress(LoginRequired):
        account_service(request).logout(web_session(request))


@router.post("/logout", response_class=HTMLResponse)
def logout(request: Request, csrf_token: FormText = "") -> Response:
    try:
        session = web_session(request)
    except LoginRequired:
        return _redirect(request, LOGIN_PATH)
    try:
        check_csrf(session, csrf_token)
    except Forbidden:
        return _wallet_page(request, session, "forbidden.html", {}, status=403)
    account_service(request).logout(session)
    response = _redirect(request, LOGIN_PATH)
    clear_session_cookies(request, response)
    return response


# --- the wallet --------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def cards(request: Request, session: WebSession, certificates: Certificates) -> HTMLResponse:
    today = _today(request)
    held = certificates.held_by(session.citizen.id_number)
    items = [views.card(certificate, today) for certificate in held]
    return _wallet_page(request, session, "cards.html", {"cards": items})


def _own_certificate(
    request: Request, session: Session, certificates: CertificateService, identifier: str
) -> views.CertificateDetail | None:
    """This citizen's certificate ``identifier`` as a detail view, or None (404)."""
    try:
        held = certificates.held(session.citizen.id_number, identifier)
    except NotFound:
        return None
    return views.detail(held, _today(request))


@router.get("/certificates/{identifier}", response_class=HTMLResponse)
def certificate(
    request: Request, session: WebSession, certificates: Certificates, identifier: str
) -> HTMLResponse:
    found = _own_certificate(request, session, certificates, identifier)
    if found is None:
        return _not_found(request, session)
    return _wallet_page(request, session, "detail.html", {"certificate": found})


@router.get("/certificates/{identifier}/show", response_class=HTMLResponse)
def show(
    request: Request, session: WebSession, certificates: Certificates, identifier: str
) -> HTMLResponse:
    found = _own_certificate(request, session, certificates, identifier)
    if found is None:
        return _not_found(request, session)
    return _wallet_page(request, session, "show.html", {"certificate": found})
