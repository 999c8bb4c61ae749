"""The citizen's consent pages (用证授权): pending requests, the preview, the decisions
and the standing grants (issue 10, items 2 and 3).

* ``GET /web/consent``: requests awaiting a decision the citizen may make (for
  themself, a minor child they are the proven parent of, or an owner who delegated).
* ``GET /web/consent/{id}``: the preview: for each party the citizen acts for, each
  certificate and exactly the values an approval would share, as plain text; with
  同意 and 拒绝 buttons.
* ``POST /web/consent/{id}/approve`` and ``/deny``; ``GET /web/grants`` and
  ``POST /web/grants/{id}/revoke``.

Every decision goes through :class:`~wallet.consent.service.ConsentService`, the same
rules the JSON API runs. Every POST carries the session's CSRF token in a hidden field
(as the sign-out form does). A request the citizen stands for no party of, whether it
exists or not, is the same 404 page.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated, Any, Final

import jinja2
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from issuers.api.provided import provided
from issuers.errors import (
    CertificateMissing,
    Conflict,
    ElicenseError,
    Forbidden,
    InvalidInput,
    NotFound,
    RelationUnproven,
)
from verifiers.web.pages import page_environment, render, same_origin, secure_headers
from wallet.accounts.service import Session, check_csrf
from wallet.consent.service import ConsentService
from wallet.web.consent_views import request_row
from wallet.web.session import WebSession, csrf_for_page

__all__ = [
    "DONE_ZH",
    "Consent",
    "FormText",
    "check_form",
    "not_found",
    "router",
    "see_other",
    "wallet_page",
]

TEMPLATES_DIR: Final = Path(__file__).resolve().parent / "templates"

router = APIRouter(prefix="/web", include_in_schema=False)
FormText = Annotated[str, Form()]
Consent = Annotated[ConsentService, Depends(provided(ConsentService))]

DONE_ZH: Final = {
    "approved": "已同意。所有持证人同意后，申请方才能调取。",
    "denied": "已拒绝。申请方不能调取任何证照。",
    "revoked": "已撤销授权。此授权对所有持证人立即停止。",
    "delegated": "已委托。",
    "undelegated": "已撤销委托。",
}


@cache
def _pages() -> jinja2.Environment:
    return page_environment(TEMPLATES_DIR)


def wallet_page(
    request: Request, session: Session, template: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    """A page of the wallet for the signed-in citizen, with a notice after a POST."""
    done = DONE_ZH.get(request.query_params.get("done", ""))
    page = {
        "citizen": session.citizen,
        "csrf_token": csrf_for_page(request, session),
        "done": done,
        **context,
    }
    return render(_pages(), request, template, page, status_code=status)


def see_other(request: Request, path: str, done: str) -> RedirectResponse:
    """After a POST, the page to look at (303, so a reload does not post again)."""
    root = str(request.scope.get("root_path", "")).rstrip("/")
    return secure_headers(RedirectResponse(f"{root}{path}?done={done}", status_code=303))


def check_form(request: Request, session: Session, csrf_token: str) -> HTMLResponse | None:
    """None when the form carries this session's CSRF token and no foreign origin;
    else the 403 page."""
    try:
        if not same_origin(request):
            raise Forbidden("cross-origin form", field="origin")
        check_csrf(session, csrf_token)
    except Forbidden:
        return wallet_page(request, session, "forbidden.html", {}, status=403)
    return None


def not_found(request: Request, session: Session) -> HTMLResponse:
    context = {"message_zh": "没有这项授权。", "message_en": "There is no such authorisation."}
    return wallet_page(request, session, "not_found.html", context, status=404)


def _problem(request: Request, session: Session, error: ElicenseError, back: str) -> HTMLResponse:
    """A refused decision in Chinese; NotFound is the plain 404 page."""
    if isinstance(error, NotFound):
        return not_found(request, session)
    if isinstance(error, RelationUnproven):
        text = "平台未能证明你与该持证人的监护关系，或持证人未委托你办理此事项。"
    elif isinstance(error, CertificateMissing):
        text = "缺少所需的有效证照，无法同意。"
    elif (error.field or "").startswith("key_binding_signatures"):
        text = "你的持证密钥保存在手机上：请在手机上同意此申请。"
    elif isinstance(error, Conflict) and error.details == {"state": "withdrawn"}:
        text = "申请方已撤回该申请，不能再作此决定。"
    elif isinstance(error, Conflict):
        text = "该申请已过期或已处理，不能再作此决定。"
    elif isinstance(error, InvalidInput):
        text = "提交的内容有误，请返回重试。"
    else:
        text = "操作未能完成，请返回重试。"
    context = {"problem_zh": text, "problem_en": error.message, "back": back}
    return wallet_page(request, session, "consent_problem.html", context, status=error.status)


# --- requests -------------------------------------------------------------------------------


@router.get("/consent", response_class=HTMLResponse)
def pending(request: Request, session: WebSession, consent: Consent) -> HTMLResponse:
    me = session.citizen.id_number
    rows = [request_row(view, me) for view in consent.wallet.pending(me)]
    return wallet_page(request, session, "consent_requests.html", {"requests": rows})


@router.get("/consent/{request_id}", response_class=HTMLResponse)
def preview(
    request: Request, session: WebSession, consent: Consent, request_id: str
) -> HTMLResponse:
    me = session.citizen.id_number
    try:
        view = consent.wallet.detail(me, request_id)
    except NotFound:
        return not_found(request, session)
    return wallet_page(request, session, "consent_detail.html", {"r": request_row(view, me)})


@router.post("/consent/{request_id}/{verb}", response_class=HTMLResponse)
def decide(
    request: Request,
    session: WebSession,
    consent: Consent,
    request_id: str,
    verb: str,
    csrf_token: FormText = "",
    on_behalf_of: FormText = "",
) -> Response:
    if verb not in ("approve", "deny"):
        return not_found(request, session)
    refused = check_form(request, session, csrf_token)
    if refused is not None:
        return refused
    me, behalf = session.citizen.id_number, on_behalf_of.strip() or None
    try:
        if verb == "approve":
            consent.wallet.approve(me, request_id, on_behalf_of=behalf)
        else:
            consent.wallet.deny(me, request_id, on_behalf_of=behalf)
    except ElicenseError as error:
        return _problem(request, session, error, f"/web/consent/{request_id}")
    return see_other(
        request, f"/web/consent/{request_id}", "approved" if verb == "approve" else "denied"
    )


# --- grants -----------------------------------------------------------------------------------


@router.get("/grants", response_class=HTMLResponse)
def grants(request: Request, session: WebSession, consent: Consent) -> HTMLResponse:
    me = session.citizen.id_number
    rows = [request_row(view, me) for view in consent.wallet.grants(me)]
    return wallet_page(request, session, "consent_grants.html", {"grants": rows})


@router.post("/grants/{grant_id}/revoke", response_class=HTMLResponse)
def revoke(
    request: Request,
    session: WebSession,
    consent: Consent,
    grant_id: str,
    csrf_token: FormText = "",
    on_behalf_of: FormText = "",
) -> Response:
    """No further question: the button is the decision, the token proves the page."""
    refused = check_form(request, session, csrf_token)
    if refused is not None:
        return refused
    me, behalf = session.citizen.id_number, on_behalf_of.strip() or None
    try:
        consent.wallet.revoke(me, grant_id, on_behalf_of=behalf)
    except ElicenseError as error:
        return _problem(request, session, error, "/web/grants")
    return see_other(request, "/web/grants", "revoked")
