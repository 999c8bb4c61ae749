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

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Final

import jinja2
from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from issuers.api.provided import provided
from issuers.errors import ApplicationClosed, ElicenseError, FormConflict, NotFound
from verifiers.verdict import VerifierContext
from verifiers.web.pages import page_environment, render, secure_headers
from wallet.accounts.service import Session
from wallet.bundles.definitions.schema import BundleDefinition
from wallet.bundles.service import BundleService
from wallet.web.bundle_views import application_page, application_row, start_roles
from wallet.web.session import WebSession, csrf_for_page

__all__ = [
    "ApplicationId",
    "application_response",
    "bundles_response",
    "named_fields",
    "problem_text",
    "redirect_to",
    "router",
    "start_problem",
]

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
    error: ElicenseError | None = None,
    refused: tuple[str, Mapping[str, str]] = ("", {}),
) -> Response:
    """The list page; after a refused start, ``error`` named on it and ``refused`` (the
    bundle and the holders it named, by role) typed in its start form again."""
    definitions = bundles.list_definitions()
    by_code = {d.bundle: d for d in definitions}
    mine = [
        application_row(app, by_code.get(app.bundle))
        for app in bundles.applications_of(session.citizen.id_number)
    ]
    starts = {d.bundle: start_roles(d) for d in definitions}
    problem = start_problem(error, by_code.get(refused[0])) if error is not None else None
    kept = {f"{refused[0]}:{role}": value for role, value in refused[1].items()}
    named = (error.field or "") if error is not None else ""
    invalid = (
        f"{refused[0]}:{named.removeprefix('holders.')}" if named.startswith("holders.") else ""
    )
    context = {"definitions": definitions, "applications": mine, "starts": starts,
               "problem": problem, "kept": kept, "invalid": invalid}  # fmt: skip
    status = error.status if error is not None else 200
    return _page(request, session, "bundles.html", context, status)


def start_problem(error: ElicenseError, definition: BundleDefinition | None) -> tuple[str, str]:
    """A refused start in Chinese (``holders.mother``: 母亲的公民身份号码) and English."""
    roles = {r.code: r.name_zh for r in definition.roles} if definition else {}
    role = (error.field or "").removeprefix("holders.")
    if role in roles:
        return f"未能提交申请：请检查{roles[role]}的公民身份号码。", error.message
    return f"未能提交申请：{error.field or '请检查后重试'}。", error.message


@router.get("", response_class=HTMLResponse)
def bundles_page(request: Request, session: WebSession, bundles: Bundles) -> Response:
    return bundles_response(request, session, bundles)


def named_fields(error: ElicenseError) -> frozenset[str]:
    """The form fields a refusal names: a FormConflict's conflicts and missing fields,
    another error's ``field``."""
    if isinstance(error, FormConflict):
        details: Any = error.details or {}
        return frozenset(
            str(n) for n in (*details.get("conflicts", []), *details.get("missing", []))
        )
    return frozenset({error.field}) if error.field else frozenset()


def problem_text(error: ElicenseError, definition: BundleDefinition | None) -> tuple[str, str]:
    """A refusal in Chinese (the fields by their labels, in the form's order) and English."""
    labels = {spec.code: spec.label_zh for spec in definition.form} if definition else {}
    named = named_fields(error)
    listed = "、".join(labels[code] for code in labels if code in named) or "、".join(sorted(named))
    if isinstance(error, FormConflict):
        return f"还不能提交：请先确认或填写这些项目：{listed}。", error.message
    if isinstance(error, ApplicationClosed):
        return "申请当前的状态不允许这样操作。", error.message
    if listed:
        return f"提交的内容有误，请检查：{listed}。", error.message
    return "提交的内容有误，请检查后重试。", error.message


def application_response(
    request: Request,
    session: Session,
    bundles: BundleService,
    application_id: str,
    now: Any,
    *,
    error: ElicenseError | None = None,
    entered: Mapping[str, str] | None = None,
) -> Response:
    """The application's page; after a refused post, ``error`` is named on it (the
    fields it names marked) with its status, and the typed values ``entered`` kept."""
    try:
        view = bundles.view(session.citizen.id_number, application_id)
    except NotFound:
        return _not_found(request, session)
    definition = bundles.definitions.get(view.application.bundle)
    invalid = named_fields(error) if error is not None else frozenset()
    page = application_page(view, definition, now, entered, invalid)
    problem = problem_text(error, definition) if error is not None else None
    status = error.status if error is not None else 200
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
