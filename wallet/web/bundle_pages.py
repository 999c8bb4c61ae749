"""The citizen's one-stop pages (一件事一次办), ``/web/bundles``.

* ``GET /web/bundles``: the bundles one can start (with the paper process they
  replace) and the citizen's applications, newest first.
* ``GET /web/bundles/{id}``: one application: its state, each item with its
  department, state, promised time (承诺时限) and outputs (links to the wallet's
  certificate pages), the one form with its conflicts highlighted and the resolve and
  submit forms, the materials a certificate supplied (免交材料), and the timeline.

Forms post with the session's CSRF token, as every wallet page's do; the answers of the
bundle service (a conflict still open: 409 ``form_conflict``; a closed application:
409 ``application_closed``) come back as the page again with the problem named. An
application the citizen is not party to is the 404 page, as one that does not exist.
Without a session every page redirects to the login page.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated, Any, Final

import jinja2
from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from issuers.api.provided import provided
from issuers.errors import NotFound
from verifiers.verdict import VerifierContext
from verifiers.web.pages import page_environment, render, secure_headers
from wallet.accounts.service import Session
from wallet.bundles.service import BundleService
from wallet.web.bundle_views import application_page, application_row, start_roles
from wallet.web.session import WebSession, csrf_for_page

__all__ = ["ApplicationId", "application_response", "bundles_response", "redirect_to", "router"]

TEMPLATES_DIR: Final = Path(__file__).resolve().parent / "templates"

router = APIRouter(prefix="/web/bundles", include_in_schema=False)
Bundles = Annotated[BundleService, Depends(provided(BundleService))]
Verifier = Annotated[VerifierContext, Depends(provided(VerifierContext))]
ApplicationId = Annotated[str, PathParam(min_length=1, max_length=64)]


@cache
def _pages() -> jinja2.Environment:
    return page_environment(TEMPLATES_DIR)


def _page(
    request: Request, session: Session, template: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    page = {"citizen": session.citizen, "csrf_token": csrf_for_page(request, session), **context}
    return render(_pages(), request, template, page, status_code=status)


def _not_found(request: Request, session: Session) -> HTMLResponse:
    context = {
        "message_zh": "没有这件申请，或你不是它的当事人。",
        "message_en": "There is no such application, or you are not party to it.",
    }
    return _page(request, session, "not_found.html", context, 404)


def redirect_to(request: Request, path: str) -> RedirectResponse:
    root = str(request.scope.get("root_path", "")).rstrip("/")
    return secure_headers(RedirectResponse(root + path, status_code=303))


def bundles_response(
    request: Request,
    session: Session,
    bundles: BundleService,
    *,
    problem: tuple[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The list page (also after a refused start, with ``problem``)."""
    definitions = bundles.list_definitions()
    by_code = {d.bundle: d for d in definitions}
    mine = [
        application_row(app, by_code.get(app.bundle))
        for app in bundles.applications_of(session.citizen.id_number)
    ]
    starts = {d.bundle: start_roles(d) for d in definitions}
    context = {"definitions": definitions, "applications": mine, "starts": starts,
               "problem": problem}  # fmt: skip
    return _page(request, session, "bundles.html", context, status)


@router.get("", response_class=HTMLResponse)
def bundles_page(request: Request, session: WebSession, bundles: Bundles) -> Response:
    return bundles_response(request, session, bundles)


def application_response(
    request: Request,
    session: Session,
    bundles: BundleService,
    application_id: str,
    now: Any,
    *,
    problem: tuple[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The application's page (also after a refused post, with ``problem``)."""
    try:
        view = bundles.view(session.citizen.id_number, application_id)
    except NotFound:
        return _not_found(request, session)
    definition = bundles.definitions.get(view.application.bundle)
    page = application_page(view, definition, now)
    return _page(request, session, "bundle_detail.html", {"app": page, "problem": problem}, status)


@router.get("/{application_id}", response_class=HTMLResponse)
def application_detail(
    request: Request,
    session: WebSession,
    bundles: Bundles,
    verifier: Verifier,
    application_id: ApplicationId,
) -> Response:
    return application_response(request, session, bundles, application_id, verifier.clock())
