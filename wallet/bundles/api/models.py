"""The bodies of the bundle routes: what a citizen sends (bounded, unknown fields
refused) and what a party of an application reads (never the presented QR text nor
the verified claims themselves: the prefilled form shows what they supplied)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, StringConstraints

from issuers.catalogue import CATALOGUE
from wallet.bundles.definitions.schema import BundleDefinition
from wallet.bundles.records import ApplicationView, StoredApplication

__all__ = [
    "ApplicationPublic",
    "ApplicationSummary",
    "BundleSummary",
    "NewApplicationBody",
    "PresentedBody",
    "ResolveBody",
    "SubmitBody",
    "application_public",
    "application_summary",
    "bundle_summary",
]

MAX_ROLES = 8
MAX_PRESENTED = 8
MAX_TYPED = 32
MAX_QR_CHARS = 8192  # a QR of version 40 holds 4,296 alphanumeric characters

RoleCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
IdNumber = Annotated[str, StringConstraints(min_length=18, max_length=18)]
# Strict: JSON true is not the number 1, nor 1 the text "1" (a resolved value keeps
# the kind the certificates gave).
FieldValueIn = Annotated[StrictStr, StringConstraints(min_length=1, max_length=200)] | StrictInt


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PresentedBody(_Body):
    """A certificate from another province's platform, shown as its QR text (跨省)."""

    role: RoleCode
    type: RoleCode  # catalogue slug
    credential: Annotated[str, StringConstraints(min_length=1, max_length=MAX_QR_CHARS)]


class NewApplicationBody(_Body):
    # Keys are checked against the bundle's roles by the service (422 naming the role):
    # pydantic would publish a key pattern as patternProperties, which lets any other
    # key through in JSON Schema.
    holders: dict[str, IdNumber] = Field(
        default_factory=dict,
        max_length=MAX_ROLES,
        description="the other roles' holders: role -> 公民身份号码 (the applicant is you)",
    )
    presented: list[PresentedBody] = Field(default_factory=list, max_length=MAX_PRESENTED)


class ResolveBody(_Body):
    field: RoleCode
    value: FieldValueIn


class SubmitBody(_Body):
    # Keys are checked against the form's typed fields by the service (422 naming it).
    typed: dict[str, Annotated[str, StringConstraints(max_length=200)]] = Field(
        default_factory=dict,
        max_length=MAX_TYPED,
        description="the fields no certificate has, typed by the applicant",
    )


class BundleSummary(BaseModel):
    bundle: str
    version: int
    name_zh: str
    name_en: str
    region_code: str
    items: list[str]
    departments: list[str]
    baseline: dict[str, Any]


def bundle_summary(definition: BundleDefinition) -> BundleSummary:
    departments: list[str] = []
    for item in definition.items:
        if item.department_name_zh not in departments:
            departments.append(item.department_name_zh)
    return BundleSummary(
        bundle=definition.bundle,
        version=definition.version,
        name_zh=definition.name_zh,
        name_en=definition.name_en,
        region_code=definition.region_code,
        items=[item.code for item in definition.items],
        departments=departments,
        baseline=definition.baseline.model_dump(),
    )


class FieldOut(BaseModel):
    value: Any
    source: str


class ConflictOut(BaseModel):
    field: str
    values: list[FieldOut]


class OutputOut(BaseModel):
    identifier: str
    type: str
    issuer: str
    holders: list[str]
    version: int = 1


class ItemOut(BaseModel):
    code: str
    name_zh: str
    name_en: str
    department_name_zh: str
    depends_on: list[str]
    promised_days: int
    state: str
    started_at: datetime | None
    finished_at: datetime | None
    outputs: list[OutputOut]
    facts: dict[str, Any]
    note: str | None


class EventOut(BaseModel):
    at: datetime
    kind: str
    item: str | None
    text_zh: str


class WaivedOut(BaseModel):
    role: str
    type: str
    type_name_zh: str
    material_zh: str
    identifier: str


class VerifiedOut(BaseModel):
    role: str
    type: str
    identifier: str
    issuer_uscc: str
    cross_region: bool


class PresentedOut(BaseModel):
    role: str
    type: str


class ApplicationPublic(BaseModel):
    id: str
    bundle: str
    bundle_name_zh: str
    state: str
    applicant: str
    holders: dict[str, str]
    consent_request_id: str | None
    presented: list[PresentedOut]
    verified: list[VerifiedOut]
    form: dict[str, FieldOut]
    conflicts: list[ConflictOut]
    submitted_form: dict[str, Any] | None
    items: list[ItemOut]
    waived: list[WaivedOut]
    timeline: list[EventOut]
    created_at: datetime
    submitted_at: datetime | None
    finished_at: datetime | None
    failed_item: str | None
    failure_reason: str | None


def _items(view: ApplicationView, definition: BundleDefinition | None) -> list[ItemOut]:
    known = {item.code: item for item in definition.items} if definition else {}
    found = []
    for item in view.items:
        spec = known.get(item.code)
        found.append(
            ItemOut(
                code=item.code,
                name_zh=spec.name_zh if spec else item.code,
                name_en=spec.name_en if spec else item.code,
                department_name_zh=spec.department_name_zh if spec else "",
                depends_on=list(spec.depends_on) if spec else [],
                promised_days=spec.promised_days if spec else 0,
                state=item.state,
                started_at=item.started_at,
                finished_at=item.finished_at,
                outputs=[OutputOut.model_validate(dict(o)) for o in item.outputs],
                facts=dict(item.facts),
                note=item.note,
            )
        )
    return found


def application_public(
    view: ApplicationView, definition: BundleDefinition | None
) -> ApplicationPublic:
    a = view.application
    return ApplicationPublic(
        id=a.id,
        bundle=a.bundle,
        bundle_name_zh=definition.name_zh if definition else a.bundle,
        state=a.state,
        applicant=a.applicant_code,
        holders=dict(a.holders),
        consent_request_id=a.consent_request_id,
        presented=[PresentedOut(role=p.role, type=p.type_slug) for p in a.presented],
        verified=[
            VerifiedOut(
                role=v.role,
                type=v.type_slug,
                identifier=v.identifier,
                issuer_uscc=v.issuer_uscc,
                cross_region=v.cross_region,
            )
            for v in a.verified
        ],
        form={code: FieldOut(value=v.value, source=v.source) for code, v in a.form.items()},
        conflicts=[
            ConflictOut(
                field=c.field, values=[FieldOut(value=v.value, source=v.source) for v in c.values]
            )
            for c in a.conflicts
        ],
        submitted_form=None if a.submitted_form is None else dict(a.submitted_form),
        items=_items(view, definition),
        waived=[
            WaivedOut(
                role=w.role,
                type=w.type_slug,
                material_zh=w.material_zh,
                identifier=w.identifier,
                type_name_zh=CATALOGUE[w.type_slug].name_zh if w.type_slug in CATALOGUE else "",
            )
            for w in view.waived
        ],
        timeline=[
            EventOut(at=e.at, kind=e.kind, item=e.item, text_zh=e.text_zh) for e in view.timeline
        ],
        created_at=a.created_at,
        submitted_at=a.submitted_at,
        finished_at=a.finished_at,
        failed_item=a.failed_item,
        failure_reason=a.failure_reason,
    )


class ApplicationSummary(BaseModel):
    id: str
    bundle: str
    bundle_name_zh: str
    state: str
    applicant: str
    roles: list[str]  # the roles the reader holds in it
    created_at: datetime
    finished_at: datetime | None


def application_summary(
    application: StoredApplication, definition: BundleDefinition | None, reader: str
) -> ApplicationSummary:
    return ApplicationSummary(
        id=application.id,
        bundle=application.bundle,
        bundle_name_zh=definition.name_zh if definition else application.bundle,
        state=application.state,
        applicant=application.applicant_code,
        roles=sorted(role for role, holder in application.holders.items() if holder == reader),
        created_at=application.created_at,
        finished_at=application.finished_at,
    )
