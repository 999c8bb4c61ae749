"""Server-rendered HTML pages: templates, security headers and form tokens.

Shared by the inspector page and the web wallet (``wallet.web``), which may import
from here (the dependency graph points down); nothing here imports ``wallet``.

* Jinja2 with autoescaping on for every template, and ``StrictUndefined`` so that a
  misspelt variable is an error rather than an empty string.
* Every page gets a strict Content-Security-Policy (no inline scripts or styles, no
  third-party origins: the machine serves its own CSS and JS), ``nosniff``, no
  referrer, no framing and ``Cache-Control: no-store`` (pages show personal data).
* :class:`FormToken`: a double-submit token (OWASP CSRF Prevention Cheat Sheet,
  https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html)
  for forms posted before any session exists: the login form and the public
  inspector form. There is no session to bind it to, so it stands on two legs: the
  token is set in an HttpOnly, ``SameSite=Strict`` cookie and repeated in a hidden
  field, and a POST whose two copies differ is refused (a cross-site post carries no
  ``SameSite=Strict`` cookie); and :func:`same_origin` refuses a POST whose ``Origin``
  header names another host ("Verifying Origin with standard headers").
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final, TypeVar
from urllib.parse import urlsplit

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from issuers.api.provided import service_of
from issuers.clock import CHINA_STANDARD_TIME

__all__ = [
    "CHINA_STANDARD_TIME",
    "CONTENT_SECURITY_POLICY",
    "STATIC_DIR",
    "TEMPLATES_DIR",
    "FormToken",
    "is_secure",
    "page_environment",
    "render",
    "same_origin",
    "secure_headers",
]

R = TypeVar("R", bound=Response)

TEMPLATES_DIR: Final = Path(__file__).resolve().parent / "templates"
STATIC_DIR: Final = Path(__file__).resolve().parent / "static"

CONTENT_SECURITY_POLICY: Final = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob: mediastream:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


def local_time(moment: datetime) -> str:
    """``2026-11-01 17:30:00 (UTC+8)``: pages show times as people in China read them;
    the data stays in UTC."""
    return moment.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M:%S (UTC+8)")


def local_date(moment: datetime) -> str:
    return moment.astimezone(CHINA_STANDARD_TIME).date().isoformat()


def last_day(end: datetime) -> str:
    """The last valid day before an exclusive end (a credential's ``exp`` is midnight
    CST after the last day the certificate prints)."""
    return local_date(end - timedelta(seconds=1))


def page_environment(*template_dirs: Path) -> jinja2.Environment:
    """A Jinja2 environment over ``template_dirs`` then the shared templates here."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader([*template_dirs, TEMPLATES_DIR]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["local_time"] = local_time
    environment.filters["local_date"] = local_date
    environment.filters["last_day"] = last_day
    return environment


def secure_headers(response: R, *, camera: bool = False) -> R:
    headers = response.headers
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Frame-Options"] = "DENY"
    headers["Cache-Control"] = "no-store"
    headers["Permissions-Policy"] = "camera=(self)" if camera else "camera=()"
    return response


def render(
    environment: jinja2.Environment,
    request: Request,
    template: str,
    context: Mapping[str, Any],
    *,
    status_code: int = 200,
    camera: bool = False,
) -> HTMLResponse:
    """The page, with the security headers. ``root`` is the app's mount prefix."""
    root = str(request.scope.get("root_path", "")).rstrip("/")
    html = environment.get_template(template).render({"root": root, **context})
    return secure_headers(HTMLResponse(html, status_code=status_code), camera=camera)


@dataclass(frozen=True)
class PublicAddress:
    """Where the service is reached from outside (``ELICENSE_PUBLIC_BASE_URL``)."""

    base_url: str


def is_secure(request: Request) -> bool:
    """Cookies get ``Secure`` when this request or the public base URL is https."""
    address = service_of(request, PublicAddress)
    return request.url.scheme == "https" or address.base_url.startswith("https:")


def same_origin(request: Request) -> bool:
    """False when the browser names another origin as the source of this request.

    Browsers send ``Origin`` on every POST. It is ``null`` whenever the page's
    ``Referrer-Policy`` is ``no-referrer`` (Fetch standard, "serializing a request
    origin"), as ours is, so ``null`` and a missing header prove nothing either way and
    pass here: the form token and its ``SameSite=Strict`` cookie are the defence, this
    check only adds a refusal of a request that says outright it comes from elsewhere.
    The host is compared, not the scheme, so that a TLS-terminating proxy in front of
    the app does not make every form fail.
    """
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return True
    host = request.headers.get("host", "")
    return urlsplit(origin).netloc.lower() == host.lower()


_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class FormToken:
    """A double-submit form token kept in cookie ``cookie`` scoped to ``path``."""

    cookie: str
    path: str
    max_age: int = 3600

    def current(self, request: Request) -> str:
        """The token in the browser's cookie, or a new one (then :meth:`set` it)."""
        existing = request.cookies.get(self.cookie, "")
        return existing if _TOKEN_SHAPE.fullmatch(existing) else secrets.token_urlsafe(32)

    def set(self, request: Request, response: Response, token: str) -> None:
        response.set_cookie(
            self.cookie,
            token,
            max_age=self.max_age,
            path=_root(request) + self.path,
            secure=is_secure(request),
            httponly=True,
            samesite="strict",
        )

    def clear(self, request: Request, response: Response) -> None:
        response.delete_cookie(
            self.cookie,
            path=_root(request) + self.path,
            secure=is_secure(request),
            httponly=True,
            samesite="strict",
        )

    def matches(self, request: Request, submitted: object) -> bool:
        """True when the form's copy equals the cookie's (compared in constant time)."""
        cookie = request.cookies.get(self.cookie, "")
        if not isinstance(submitted, str) or not _TOKEN_SHAPE.fullmatch(cookie):
            return False
        return hmac.compare_digest(cookie.encode(), submitted.encode())


def _root(request: Request) -> str:
    """The app's mount prefix (``root_path``), so cookie paths match behind a proxy."""
    return str(request.scope.get("root_path", "")).rstrip("/")
