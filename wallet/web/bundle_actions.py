"""The citizen's one-stop forms: start, resolve a conflict, submit, cancel.

* ``POST /web/bundles``: ``bundle`` and ``holder_<role>`` (the other roles' 公民身份号码);
  the signed-in citizen is the applicant. Then the new application's page.
* ``POST /web/bundles/{id}/resolve``: ``field`` and the ``value`` kept.
* ``POST /web/bundles/{id}/submit``: the typed fields by their codes. Refused (409)
  while conflicts or required typed fields remain: the page again, naming them.
* ``POST /web/bundles/{id}/cancel``: 撤回.

Each form carries the session's CSRF token (and no foreign ``Origin``), as every wallet
form does; a refusal of the bundle service is the page again with the problem in
Chinese and English and the error's status.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from issuers.api.provided import provided
from issuers.errors import ElicenseError, NotFound
from verifiers.verdict import VerifierContext
from wallet.accounts.service import Session
from wallet.bundles.service import BundleService
from wallet.web.bundle_pages import (
    ApplicationId,
    application_response,
    bundles_response,
    redirect_to,
)
from wallet.web.consent_pages import check_form
from wallet.web.session import WebSession

__all__ = ["router"]

router = APIRouter(prefix="/web/bundles", include_in_schema=False)
Bundles = Annotated[BundleService, Depends(provided(BundleService))]
Verifier = Annotated[VerifierContext, Depends(provided(VerifierContext))]
FormText = Annotated[str, Form(max_length=200)]
MAX_FIELDS = 64


def _after(
    request: Request,
    session: Session,
    bundles: BundleService,
    application_id: str,
    now: Any,
    error: ElicenseError | None,
    entered: Mapping[str, str] | None = None,
) -> Response:
    if error is None:
        return redirect_to(request, f"/web/bundles/{application_id}")
    if isinstance(error, NotFound):
        return application_response(request, session, bundles, application_id, now)
    return application_response(
        request, session, bundles, application_id, now, error=error, entered=entered
    )


@router.post("", response_class=HTMLResponse)
async def start(
    request: Request, session: WebSession, bundles: Bundles, verifier: Verifier
) -> Response:
    form = await request.form(max_fields=MAX_FIELDS)
    refused = check_form(request, session, str(form.get("csrf_token", "")))
    if refused is not None:
        return refused
    code = str(form.get("bundle", ""))
    holders = {
        key.removeprefix("holder_"): str(value).strip().upper()
        for key, value in form.items()
        if key.startswith("holder_") and str(value).strip()
    }
    try:
        view = await run_in_threadpool(bundles.create, session.citizen.id_number, code, holders)
    except ElicenseError as error:
        return await run_in_threadpool(
            bundles_response, request, session, bundles, error=error, refused=(code, holders)
        )
    return redirect_to(request, f"/web/bundles/{view.application.id}")


@router.post("/{application_id}/resolve", response_class=HTMLResponse)
def resolve(
    request: Request,
    session: WebSession,
    bundles: Bundles,
    verifier: Verifier,
    application_id: ApplicationId,
    csrf_token: FormText = "",
    field: FormText = "",
    value: FormText = "",
) -> Response:
    refused = check_form(request, session, csrf_token)
    if refused is not None:
        return refused
    try:
        bundles.resolve(session.citizen.id_number, application_id, field, value)
    except ElicenseError as error:
        return _after(request, session, bundles, application_id, verifier.clock(), error)
    return _after(request, session, bundles, application_id, verifier.clock(), None)


@router.post("/{application_id}/submit", response_class=HTMLResponse)
async def submit(
    request: Request,
    session: WebSession,
    bundles: Bundles,
    verifier: Verifier,
    application_id: ApplicationId,
) -> Response:
    form = await request.form(max_fields=MAX_FIELDS)
    refused = check_form(request, session, str(form.get("csrf_token", "")))
    if refused is not None:
        return refused
    typed = {
        key: str(value).strip()
        for key, value in form.items()
        if key != "csrf_token" and isinstance(value, str) and value.strip()
    }
    error: ElicenseError | None = None
    try:
        await run_in_threadpool(bundles.submit, session.citizen.id_number, application_id, typed)
    except ElicenseError as refusal:
        error = refusal
    return await run_in_threadpool(
        _after, request, session, bundles, application_id, verifier.clock(), error, typed
    )


@router.post("/{application_id}/cancel", response_class=HTMLResponse)
def cancel(
    request: Request,
    session: WebSession,
    bundles: Bundles,
    verifier: Verifier,
    application_id: ApplicationId,
    csrf_token: FormText = "",
) -> Response:
    refused = check_form(request, session, csrf_token)
    if refused is not None:
        return refused
    try:
        bundles.cancel(session.citizen.id_number, application_id)
    except ElicenseError as error:
        return _after(request, session, bundles, application_id, verifier.clock(), error)
    return _after(request, session, bundles, application_id, verifier.clock(), None)
