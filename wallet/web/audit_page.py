"""``GET /web/audit``: 谁用了我的证照 (who used my certificates), for the signed-in citizen.

The page lists the citizen's own audit entries, newest first, rendered exactly as
``GET /wallet/audit`` renders them (:func:`wallet.audit.reading.reading_of`): when (Beijing
time), what happened, which service, for what purpose and bundle item (its 中文名),
which certificate types (居民身份证) and claims (姓名, the labels every wallet page uses),
and the outcome: no codes or slugs for the citizen to decode. ``?before=<seq>`` pages back.
Without a live session it redirects to the login page, like every wallet page.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated, Final

import jinja2
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from issuers.api.provided import provided
from verifiers.web.pages import page_environment, render
from wallet.audit.reading import reading_of
from wallet.audit.service import AuditService
from wallet.web.session import WebSession, csrf_for_page

__all__ = ["PAGE_SIZE", "router"]

PAGE_SIZE: Final = 20
TEMPLATES_DIR: Final = Path(__file__).resolve().parent / "templates"

router = APIRouter(prefix="/web", include_in_schema=False)
Audit = Annotated[AuditService, Depends(provided(AuditService))]

OUTCOME_NAMES: Final = {
    "ok": "成功",
    "consent_pending": "尚待全部当事人同意",
    "consent_denied": "授权已被拒绝",
    "grant_expired": "授权已过期",
    "grant_revoked": "授权已撤销",
    "grant_exhausted": "使用次数已用完",
    "purpose_mismatch": "事由不符",
    "holder_not_granted": "未获该持证人授权",
    "type_not_granted": "未授权该证照类型",
    "claim_not_granted": "未授权该信息项",
    "certificate_not_shareable": "证照已暂扣或失效",
}


@cache
def _pages() -> jinja2.Environment:
    return page_environment(TEMPLATES_DIR)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    session: WebSession,
    audit: Audit,
    before: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> HTMLResponse:
    entries = audit.entries_for(session.citizen.id_number, before=before, limit=PAGE_SIZE)
    context = {
        "citizen": session.citizen,
        "csrf_token": csrf_for_page(request, session),
        "entries": [reading_of(entry) for entry in entries],
        "outcome_names": OUTCOME_NAMES,
        "next_before": entries[-1].seq if len(entries) == PAGE_SIZE else None,
    }
    return render(_pages(), request, "audit.html", context)
