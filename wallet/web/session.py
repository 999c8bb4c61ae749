"""The web wallet's session: a cookie, and what a page does without one.

A page that needs a citizen depends on :func:`web_session`. With no cookie, or one
whose session is unknown, expired, revoked or not a web session, it raises
:class:`LoginRequired`, which the handler from :func:`install_login_redirect` turns
into ``303 See Other`` to the login page, clearing the stale cookies on the way.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from issuers.api.provided import service_of
from issuers.errors import Forbidden, LoginRequired, Unauthorized
from verifiers.web.pages import is_secure, secure_headers
from wallet.accounts.service import AccountService, Session, check_csrf
from wallet.web.cookies import CSRF_COOKIE, SESSION_COOKIE

__all__ = [
    "LOGIN_PATH",
    "LoginRequired",
    "WebSession",
    "clear_session_cookies",
    "csrf_for_page",
    "install_login_redirect",
    "set_session_cookies",
    "web_session",
]

LOGIN_PATH = "/web/login"


def account_service(request: Request) -> AccountService:
    """The app's account service, called directly (web_session is not injected)."""
    return service_of(request, AccountService)


def web_session(request: Request) -> Session:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired
    try:
        session = account_service(request).resolve(token)
    except Unauthorized:
        raise LoginRequired from None
    if session.kind != "web":  # an API token pasted into a cookie has no CSRF token
        raise LoginRequired
    return session


WebSession = Annotated[Session, Depends(web_session)]


def csrf_for_page(request: Request, session: Session) -> str | None:
    """The session's CSRF token for ``<meta name="csrf-token">``, from its HttpOnly cookie.

    Only the token's hash is stored server-side, so the browser keeps the token itself;
    it is checked against the session before it is put in the page.
    """
    token = request.cookies.get(CSRF_COOKIE)
    try:
        check_csrf(session, token)
    except Forbidden:
        return None
    return token


def set_session_cookies(request: Request, response: Response, token: str, csrf: str) -> None:
    secure = is_secure(request)
    # Browser-session cookies: the server enforces the session's expiry.
    for name, value in ((SESSION_COOKIE, token), (CSRF_COOKIE, csrf)):
        response.set_cookie(name, value, path="/", secure=secure, httponly=True, samesite="strict")


def clear_session_cookies(request: Request, response: Response) -> None:
    secure = is_secure(request)
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="strict")


def login_redirect(request: Request) -> RedirectResponse:
    root = str(request.scope.get("root_path", "")).rstrip("/")
    response = RedirectResponse(root + LOGIN_PATH, status_code=303)
    clear_session_cookies(request, response)
    return secure_headers(response)


def install_login_redirect(app: FastAPI) -> None:
    async def _redirect(request: Request, _: Exception) -> Response:
        return login_redirect(request)

    app.add_exception_handler(LoginRequired, _redirect)
