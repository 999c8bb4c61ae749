"""The citizen's delegations page (委托): let another citizen use one of my certificate
types for a bundle item (the father's ID card, for the mother's newborn application),
and see what I gave and received.

* ``GET /web/delegations``: the form, the delegations given (with 撤销) and received.
* ``POST /web/delegations``: a new delegation; the date is the last day it holds, in
  China (it ends at the following midnight, Asia/Shanghai).
* ``POST /web/delegations/{id}/revoke``: only the owner; another's is the 404 page.

Every rule (who, which type, how long) is the consent service's; a refusal is the form
again with 422 and the reason in Chinese.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from issuers.clock import CHINA_STANDARD_TIME
from issuers.errors import Conflict, InvalidInput, NotFound
from wallet.accounts.service import Session
from wallet.consent.service import ConsentService
from wallet.web.consent_pages import (
    Consent,
    FormText,
    check_form,
    not_found,
    see_other,
    wallet_page,
)
from wallet.web.consent_views import delegable_types, delegation_row
from wallet.web.session import WebSession

__all__ = ["router"]

router = APIRouter(prefix="/web", include_in_schema=False)

DEFAULT_DAYS = 30

_FIELD_PROBLEMS = {
    "delegate_id_number": "被委托人的公民身份号码有误（18 位，须年满 18 周岁，不能是你本人）。",
    "type_slug": "请选择证照类型。",
    "bundle_item": "请选择办理事项。",
    "expires_at": "截止日期须在今天之后，且不超过一年。",
}


def _page(
    request: Request,
    session: Session,
    consent: ConsentService,
    *,
    form: dict[str, str] | None = None,
    problem: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    me, now = session.citizen.id_number, consent.now()
    rows = [delegation_row(d, me, consent.items, now) for d in consent.delegations.of(me)]
    today = now.astimezone(CHINA_STANDARD_TIME).date()
    context: dict[str, Any] = {
        "given": [r for r in rows if r.given],
        "received": [r for r in rows if not r.given],
        "types": delegable_types(list(consent.items.values())),
        "items": [(code, item.name_zh) for code, item in consent.items.items()],
        "form": form
        or {
            "delegate_id_number": "",
            "type_slug": "",
            "bundle_item": "",
            "last_day": (today + timedelta(days=DEFAULT_DAYS)).isoformat(),
        },
        "min_day": today.isoformat(),
        "problem": problem,
    }
    return wallet_page(request, session, "consent_delegations.html", context, status=status)


@router.get("/delegations", response_class=HTMLResponse)
def delegations(request: Request, session: WebSession, consent: Consent) -> HTMLResponse:
    return _page(request, session, consent)


def _end_of(last_day: str) -> datetime:
    """The instant a delegation valid through ``last_day`` (China) ends."""
    try:
        day = date.fromisoformat(last_day.strip()) + timedelta(days=1)
    except (ValueError, OverflowError):  # 9999-12-31 has no next day to end at
        raise InvalidInput("not a date", field="expires_at") from None
    return datetime.combine(day, time(0), tzinfo=CHINA_STANDARD_TIME)


@router.post("/delegations", response_class=HTMLResponse)
def delegate(
    request: Request,
    session: WebSession,
    consent: Consent,
    csrf_token: FormText = "",
    delegate_id_number: FormText = "",
    type_slug: FormText = "",
    bundle_item: FormText = "",
    last_day: FormText = "",
) -> Response:
    refused = check_form(request, session, csrf_token)
    if refused is not None:
        return refused
    form = {
        "delegate_id_number": delegate_id_number.strip().upper()[:18],
        "type_slug": type_slug,
        "bundle_item": bundle_item,
        "last_day": last_day[:10],
    }
    try:
        consent.delegations.grant(
            session.citizen.id_number,
            form["delegate_id_number"],
            type_slug,
            _end_of(last_day),
            bundle_item or None,
        )
    except InvalidInput as error:
        problem = _FIELD_PROBLEMS.get(error.field or "", "提交的内容有误，请检查后重试。")
        return _page(request, session, consent, form=form, problem=problem, status=422)
    except Conflict:
        problem = "你已把这类证照就同一事项授权给此人，授权仍然有效，无需重复。"
        return _page(request, session, consent, form=form, problem=problem, status=409)
    return see_other(request, "/web/delegations", "delegated")


@router.post("/delegations/{delegation_id}/revoke", response_class=HTMLResponse)
def undelegate(
    request: Request, session: WebSession, consent: Consent, delegation_id: str,
    csrf_token: FormText = "",
) -> Response:  # fmt: skip
    refused = check_form(request, session, csrf_token)
    if refused is not None:
        return refused
    try:
        consent.delegations.revoke(session.citizen.id_number, delegation_id)
    except NotFound:
        return not_found(request, session)
    return see_other(request, "/web/delegations", "undelegated")
