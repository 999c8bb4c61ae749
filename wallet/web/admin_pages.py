"""The operator's pages (``/web/admin/...``): the bundles' reports in a browser.

* ``GET/POST /web/admin/login``: the administration token, typed once; success sets
  the admin page cookie (:mod:`wallet.web.admin_session`) and goes to the bundles. A
  wrong token is the form again with 401. The form carries a double-submit token.
* ``POST /web/admin/logout``: clears the cookie.
* ``GET /web/admin/bundles``: every bundle, with its report's headline figures.
* ``GET /web/admin/bundles/{code}/report``: the report as tables (items, rejection
  reasons, savings against paper, materials waived, overdue items 督办) and the chart,
  an ``<img>`` of ``/web/admin/bundles/{code}/report.svg`` (the same cookie), served
  by us: no CDN, no script. Its JSON link is ``.../report.json`` (the same cookie; the
  bearer-token route ``/admin/bundles/{code}/report`` cannot be followed from a page).

Without the cookie (or the bearer token) every page but the login form redirects
(303) to it. An unknown bundle is the 404 page.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated, Any, Final

import jinja2
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import TypeAdapter

from issuers.api.provided import provided
from issuers.errors import NotFound
from verifiers.verdict import VerifierContext
from verifiers.web.pages import page_environment, render, same_origin, secure_headers
from wallet.bundles.api.report import BundleCode, chart_response
from wallet.bundles.chart_svg import format_seconds
from wallet.bundles.report import BundleReport
from wallet.bundles.reporting import bundle_report
from wallet.bundles.service import BundleService
from wallet.web.admin_session import (
    ADMIN_LOGIN_FORM,
    clear_admin_cookie,
    is_admin,
    login_redirect,
    matches_admin_token,
    set_admin_cookie,
)

__all__ = ["router"]

TEMPLATES_DIR: Final = Path(__file__).resolve().parent / "templates"
MAX_TOKEN_LENGTH: Final = 512
_REPORT_JSON: Final = TypeAdapter(BundleReport)  # as the JSON route's response_model

router = APIRouter(prefix="/web/admin", include_in_schema=False)
Bundles = Annotated[BundleService, Depends(provided(BundleService))]
Verifier = Annotated[VerifierContext, Depends(provided(VerifierContext))]
FormText = Annotated[str, Form()]


@cache
def _pages() -> jinja2.Environment:
    environment = page_environment(TEMPLATES_DIR)
    environment.filters["duration"] = format_seconds
    return environment


def _page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    page = {"citizen": None, "csrf_token": None, "admin": True, **context}
    return render(_pages(), request, template, page, status_code=status)


def _login_form(request: Request, status: int = 200, problem: bool = False) -> Response:
    token = ADMIN_LOGIN_FORM.current(request)
    context = {"form_token": token, "problem": problem, "admin": False}
    response = _page(request, "admin_login.html", context, status)
    ADMIN_LOGIN_FORM.set(request, response, token)
    return response


def _to(request: Request, path: str) -> RedirectResponse:
    root = str(request.scope.get("root_path", "")).rstrip("/")
    return secure_headers(RedirectResponse(root + path, status_code=303))


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    return _login_form(request)


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, token: FormText = "", form_token: FormText = "") -> Response:
    if not same_origin(request) or not ADMIN_LOGIN_FORM.matches(request, form_token):
        return _login_form(request, 403, problem=True)
    if len(token) > MAX_TOKEN_LENGTH or not matches_admin_token(request, token.strip()):
        return _login_form(request, 401, problem=True)
    response = _to(request, "/web/admin/bundles")
    set_admin_cookie(request, response)
    ADMIN_LOGIN_FORM.clear(request, response)
    return response


@router.post("/logout", response_class=HTMLResponse)
def logout(request: Request) -> Response:
    response = _to(request, "/web/admin/login")
    if same_origin(request):
        clear_admin_cookie(request, response)
    return response


@router.get("/bundles", response_class=HTMLResponse)
def bundles_page(request: Request, bundles: Bundles, verifier: Verifier) -> Response:
    if not is_admin(request):
        return login_redirect(request)
    now = verifier.clock()
    reports = [bundle_report(bundles, d.bundle, now) for d in bundles.list_definitions()]
    return _page(request, "admin_bundles.html", {"reports": reports})


@router.get("/bundles/{code}/report", response_class=HTMLResponse)
def report_page(
    request: Request, code: BundleCode, bundles: Bundles, verifier: Verifier
) -> Response:
    if not is_admin(request):
        return login_redirect(request)
    try:
        report = bundle_report(bundles, code, verifier.clock())
    except NotFound:
        return _page(request, "not_found.html", {}, 404)
    return _page(request, "admin_report.html", {"report": report})


@router.get("/bundles/{code}/report.json")
def report_json(
    request: Request, code: BundleCode, bundles: Bundles, verifier: Verifier
) -> Response:
    """The report as ``GET /admin/bundles/{code}/report`` gives it, under the page's
    cookie: the report page's JSON link (a link cannot send the bearer token)."""
    if not is_admin(request):
        return login_redirect(request)
    try:
        report = bundle_report(bundles, code, verifier.clock())
    except NotFound:
        return _page(request, "not_found.html", {}, 404)
    body = _REPORT_JSON.dump_json(report)
    return secure_headers(Response(body, media_type="application/json"))


@router.get("/bundles/{code}/report.svg")
def report_chart(
    request: Request, code: BundleCode, bundles: Bundles, verifier: Verifier
) -> Response:
    if not is_admin(request):
        return login_redirect(request)
    return chart_response(bundle_report(bundles, code, verifier.clock()))
