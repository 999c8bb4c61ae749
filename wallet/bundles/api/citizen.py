"""The bundles over HTTP: the definitions (public) and a citizen's applications.

* ``GET /bundles``, ``GET /bundles/{code}``: what each bundle (一件事) is, public.
* ``POST /wallet/bundles/{code}/applications`` (201): the signed-in citizen files an
  application as the applicant role's holder, naming the other roles' holders and
  presenting cross-region credentials (跨省) if the definition allows them. Its
  workflow starts at once: consent requests go out to the parties.
* ``GET /wallet/bundles/applications``: the applications the citizen filed or is a
  party of, newest first; ``GET /wallet/bundles/applications/{id}``: one, with its
  items, form, conflicts, waived materials and timeline.
* ``POST .../{id}/resolve`` (keep one value of a field certificates disagree on),
  ``.../submit`` (the one form, with the typed fields; 409 ``form_conflict`` naming
  the fields while anything is unresolved or missing), ``.../cancel``.

An application the citizen is no party of is 404 ``not_found``, exactly as one that
does not exist; an action its state does not allow (or by a party who is not the
applicant) is 409 ``application_closed``. Sessions, CSRF for cookie sessions and
``Cache-Control: no-store`` are the wallet's (:mod:`wallet.accounts.api`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status

from issuers.api.provided import provided
from issuers.error_schema import error_responses
from wallet.accounts.api import CurrentSession, no_store
from wallet.bundles.api.models import (
    ApplicationPublic,
    ApplicationSummary,
    BundleSummary,
    NewApplicationBody,
    ResolveBody,
    SubmitBody,
    application_public,
    application_summary,
    bundle_summary,
)
from wallet.bundles.definitions.schema import BundleDefinition
from wallet.bundles.records import ApplicationView, PresentedCredential
from wallet.bundles.service import BundleService

__all__ = ["definitions_router", "router"]

definitions_router = APIRouter(prefix="/bundles", tags=["bundles"])
router = APIRouter(prefix="/wallet/bundles", tags=["wallet"], dependencies=[Depends(no_store)])
Bundles = Annotated[BundleService, Depends(provided(BundleService))]
BundleCode = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]{0,39}$")]
ApplicationId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


def _public(bundles: BundleService, view: ApplicationView) -> ApplicationPublic:
    return application_public(view, bundles.definitions.get(view.application.bundle))


@definitions_router.get("", response_model=list[BundleSummary])
def list_bundles(bundles: Bundles) -> list[BundleSummary]:
    return [bundle_summary(d) for d in bundles.list_definitions()]


@definitions_router.get(
    "/{code}", response_model=BundleDefinition, responses=error_responses(404, 422)
)
def bundle(code: BundleCode, bundles: Bundles) -> BundleDefinition:
    return bundles.definition(code)


@router.post(
    "/{code}/applications",
    status_code=status.HTTP_201_CREATED,
    response_model=ApplicationPublic,
    responses=error_responses(401, 403, 404, 409, 413, 422, 503),
)
def create(
    code: BundleCode, body: NewApplicationBody, session: CurrentSession, bundles: Bundles
) -> ApplicationPublic:
    presented = [PresentedCredential(p.role, p.type, p.credential) for p in body.presented]
    view = bundles.create(session.citizen.id_number, code, body.holders, presented)
    return _public(bundles, view)


@router.get(
    "/applications", response_model=list[ApplicationSummary], responses=error_responses(401)
)
def mine(session: CurrentSession, bundles: Bundles) -> list[ApplicationSummary]:
    citizen = session.citizen.id_number
    return [
        application_summary(a, bundles.definitions.get(a.bundle), citizen)
        for a in bundles.applications_of(citizen)
    ]


@router.get(
    "/applications/{application_id}",
    response_model=ApplicationPublic,
    responses=error_responses(401, 404, 422),
)
def read(
    application_id: ApplicationId, session: CurrentSession, bundles: Bundles
) -> ApplicationPublic:
    return _public(bundles, bundles.view(session.citizen.id_number, application_id))


@router.post(
    "/applications/{application_id}/resolve",
    response_model=ApplicationPublic,
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
def resolve(
    application_id: ApplicationId, body: ResolveBody, session: CurrentSession, bundles: Bundles
) -> ApplicationPublic:
    view = bundles.resolve(session.citizen.id_number, application_id, body.field, body.value)
    return _public(bundles, view)


@router.post(
    "/applications/{application_id}/submit",
    response_model=ApplicationPublic,
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
def submit(
    application_id: ApplicationId, session: CurrentSession, bundles: Bundles,
    body: SubmitBody | None = None,
) -> ApplicationPublic:  # fmt: skip
    body = body or SubmitBody()
    return _public(bundles, bundles.submit(session.citizen.id_number, application_id, body.typed))


@router.post(
    "/applications/{application_id}/cancel",
    response_model=ApplicationPublic,
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
def cancel(
    application_id: ApplicationId, session: CurrentSession, bundles: Bundles
) -> ApplicationPublic:
    return _public(bundles, bundles.cancel(session.citizen.id_number, application_id))
