"""The operator's pages (``/web/admin/...``): who is an administrator in a browser.

The JSON routes under ``/admin`` take the issuer administration token as a bearer
token (:func:`issuers.api.directory.require_admin`). A browser cannot send that on a
link or an ``<img>``, so the operator types the token once in a form
(``/web/admin/login``) and gets a cookie that stands for it:

    elicense_admin = <expiry> "." <base64url HMAC-SHA256(token, "elicense-admin-page:" expiry)>

(``expiry`` in unix seconds).

HttpOnly, ``SameSite=Strict``, ``Secure`` over https, path ``/web/admin``, for
:data:`ADMIN_PAGE_SECONDS`. The token itself never sits in the browser. The cookie is
stateless: changing the admin token ends every such cookie, and the expiry is checked
against the app's injected clock. A page also accepts the bearer token itself (what a
script or the authorisation matrix sends). Without either, a page redirects (303) to
the login form.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from typing import Final

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from issuers.api.directory import AdminToken
from issuers.api.provided import service_of
from verifiers.verdict import VerifierContext
from verifiers.web.pages import FormToken, is_secure, secure_headers

__all__ = [
    "ADMIN_COOKIE",
    "ADMIN_LOGIN_FORM",
    "ADMIN_LOGIN_PATH",
    "ADMIN_PAGE_SECONDS",
    "ADMIN_PATH",
    "admin_cookie_value",
    "clear_admin_cookie",
    "is_admin",
    "login_redirect",
    "matches_admin_token",
    "set_admin_cookie",
]

ADMIN_COOKIE: Final = "elicense_admin"
ADMIN_PATH: Final = "/web/admin"
ADMIN_LOGIN_PATH: Final = "/web/admin/login"
ADMIN_PAGE_SECONDS: Final = 3600
ADMIN_LOGIN_FORM: Final = FormToken("elicense_admin_form", ADMIN_LOGIN_PATH)
_CONTEXT: Final = b"elicense-admin-page:"


def _now(request: Request) -> datetime:
    return service_of(request, VerifierContext).clock()


def _token(request: Request) -> str | None:
    return service_of(request, AdminToken).value


def _mac(token: str, expiry: int) -> str:
    digest = hmac.new(token.encode(), _CONTEXT + str(expiry).encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def admin_cookie_value(token: str, now: datetime) -> str:
    expiry = int(now.timestamp()) + ADMIN_PAGE_SECONDS
    return f"{expiry}.{_mac(token, expiry)}"


def matches_admin_token(request: Request, given: str) -> bool:
    expected = _token(request)
    return expected is not None and hmac.compare_digest(given.encode(), expected.encode())


def is_admin(request: Request) -> bool:
    """True when the request carries the admin bearer token or a live admin cookie."""
    token = _token(request)
    if token is None:  # administration is closed
        return False
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials:
        return hmac.compare_digest(credentials.strip().encode(), token.encode())
    expiry_text, _, mac = request.cookies.get(ADMIN_COOKIE, "").partition(".")
    # isascii: str.isdigit() is also true of '²', which int() refuses (a 500).
    if not (expiry_text.isascii() and expiry_text.isdigit()) or len(expiry_text) > 12:
        return False
    expiry = int(expiry_text)
    if expiry <= _now(request).timestamp():
        return False
    return hmac.compare_digest(mac.encode(), _mac(token, expiry).encode())


def set_admin_cookie(request: Request, response: Response) -> None:
    token = _token(request)
    assert token is not None  # only after matches_admin_token
    response.set_cookie(
        ADMIN_COOKIE,
        admin_cookie_value(token, _now(request)),
        max_age=ADMIN_PAGE_SECONDS,
        path=_root(request) + ADMIN_PATH,
        secure=is_secure(request),
        httponly=True,
        samesite="strict",
    )


def clear_admin_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        ADMIN_COOKIE,
        path=_root(request) + ADMIN_PATH,
        secure=is_secure(request),
        httponly=True,
        samesite="strict",
    )


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def login_redirect(request: Request) -> RedirectResponse:
    """303 to the admin login form."""
    response = RedirectResponse(_root(request) + ADMIN_LOGIN_PATH, status_code=303)
    return secure_headers(response)
