"""What the citizen's bundle pages show, built from the bundle feature's records.

Plain view models with Chinese (and English) labels, so the templates only lay them
out: an application's state, each item with its department, promised time (承诺时限,
working days as :mod:`wallet.bundles.workdays` counts them) and outputs, the one form
with its conflicts, the materials waived and the timeline. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from issuers.catalogue import CATALOGUE, SEX_NAMES
from wallet.bundles.definitions.schema import BundleDefinition
from wallet.bundles.records import ApplicationView, FieldValue, StoredApplication
from wallet.bundles.workdays import deadline

__all__ = [
    "APPLICATION_STATES",
    "ITEM_STATES",
    "ApplicationPage",
    "ApplicationRow",
    "FormRow",
    "ItemRow",
    "OutputLink",
    "application_page",
    "application_row",
    "source_label",
    "start_roles",
]

# state -> (中文, English, tone): the tone is the CSS status class.
APPLICATION_STATES: Final[dict[str, tuple[str, str, str]]] = {
    "awaiting_consent": ("等待授权", "Awaiting consent", "suspended"),
    "verifying": ("核验证照中", "Verifying certificates", "suspended"),
    "awaiting_submit": ("请确认并提交表单", "Check and submit the form", "suspended"),
    "processing": ("部门办理中", "Departments at work", "suspended"),
    "completed": ("已办结", "Completed", "valid"),
    "rejected": ("未通过", "Rejected", "invalid"),
    "refused": ("未获授权", "Consent refused", "invalid"),
    "cancelled": ("已撤回", "Cancelled", "invalid"),
    "failed": ("证照核验未通过", "A certificate failed verification", "invalid"),
}
ITEM_STATES: Final[dict[str, tuple[str, str, str]]] = {
    "waiting": ("等待前序事项", "Waiting", "suspended"),
    "running": ("办理中", "In progress", "suspended"),
    "done": ("已办结", "Done", "valid"),
    "rejected": ("未通过", "Rejected", "invalid"),
    "stopped": ("已停止", "Stopped", "invalid"),
}


_OPEN_STATES: Final = frozenset({"awaiting_consent", "verifying", "awaiting_submit", "processing"})


def _state(table: dict[str, tuple[str, str, str]], state: str) -> tuple[str, str, str]:
    return table.get(state, (state, state, "suspended"))


def _type_name(slug: str) -> str:
    found = CATALOGUE.get(slug)
    return found.name_zh if found is not None else slug


@dataclass(frozen=True, slots=True)
class ApplicationRow:
    id: str
    bundle_name_zh: str
    state_zh: str
    state_en: str
    tone: str
    created_at: datetime


def application_row(
    application: StoredApplication, definition: BundleDefinition | None
) -> ApplicationRow:
    zh, en, tone = _state(APPLICATION_STATES, application.state)
    name = definition.name_zh if definition is not None else application.bundle
    return ApplicationRow(application.id, name, zh, en, tone, application.created_at)


@dataclass(frozen=True, slots=True)
class OutputLink:
    identifier: str
    type_name_zh: str
    version: int


@dataclass(frozen=True, slots=True)
class ItemRow:
    code: str
    name_zh: str
    name_en: str
    department_name_zh: str
    state: str
    state_zh: str
    state_en: str
    tone: str
    promised_days: int
    started_at: datetime | None
    finished_at: datetime | None
    due: datetime | None
    overdue: bool
    note: str | None
    outputs: tuple[OutputLink, ...]


@dataclass(frozen=True, slots=True)
class FormRow:
    code: str
    label_zh: str
    value: Any
    source: str
    conflict: tuple[FieldValue, ...]  # the disagreeing values, when in conflict
    typed_kind: str | None  # the applicant types it (no certificate has it)
    required: bool
    invalid: bool = False  # named by the last refusal (missing, wrong kind, in conflict)

    @property
    def shown(self) -> str:
        """The value as read on the page: a sex code as 男/女, a bank card masked but
        for its first and last four digits (the applicant typed it; the page need not
        show it whole again), nothing as —."""
        if self.value is None or self.value == "":
            return "—"
        if self.typed_kind == "bank_card":
            digits = str(self.value)
            return f"{digits[:4]} **** {digits[-4:]}" if len(digits) > 8 else "****"
        if self.code.endswith("sex") and isinstance(self.value, int):
            return SEX_NAMES.get(self.value, str(self.value))
        return str(self.value)


@dataclass(frozen=True, slots=True)
class ApplicationPage:
    id: str
    bundle_name_zh: str
    bundle_name_en: str
    state: str
    state_zh: str
    state_en: str
    tone: str
    created_at: datetime
    finished_at: datetime | None
    consent_request_id: str | None
    failure: str | None
    items: tuple[ItemRow, ...]
    form: tuple[FormRow, ...]
    conflicts: int
    can_submit: bool
    can_cancel: bool
    waived: tuple[tuple[str, str, str], ...]  # (material, certificate name, identifier)
    timeline: tuple[tuple[datetime, str], ...]


def source_label(definition: BundleDefinition | None, source: str) -> str:
    """``mother.resident_id.address`` as a citizen reads it: 母亲的居民身份证."""
    if source in ("typed", "resolved"):
        return {"typed": "本人填写", "resolved": "本人确认"}[source]
    role, _, rest = source.partition(".")
    slug = rest.partition(".")[0]
    roles = {r.code: r.name_zh for r in definition.roles} if definition else {}
    if role not in roles or slug not in CATALOGUE:
        return source
    return f"{roles[role]}的{_type_name(slug)}"


def _outputs(raw: tuple[Any, ...]) -> tuple[OutputLink, ...]:
    links = []
    for output in raw:
        identifier = str(output.get("identifier", ""))
        if identifier:
            slug = str(output.get("type", ""))
            links.append(OutputLink(identifier, _type_name(slug), int(output.get("version", 1))))
    return tuple(links)


def _items(
    view: ApplicationView, definition: BundleDefinition | None, now: datetime
) -> tuple[ItemRow, ...]:
    defined = {item.code: item for item in definition.items} if definition else {}
    rows = []
    for item in view.items:
        spec = defined.get(item.code)
        promised = spec.promised_days if spec else 0
        due = deadline(item.started_at, promised) if item.started_at else None
        zh, en, tone = _state(ITEM_STATES, item.state)
        rows.append(
            ItemRow(
                code=item.code,
                name_zh=spec.name_zh if spec else item.code,
                name_en=spec.name_en if spec else item.code,
                department_name_zh=spec.department_name_zh if spec else "",
                state=item.state,
                state_zh=zh,
                state_en=en,
                tone=tone,
                promised_days=promised,
                started_at=item.started_at,
                finished_at=item.finished_at,
                due=due,
                overdue=due is not None and item.state == "running" and now > due,
                note=item.note,
                outputs=_outputs(tuple(item.outputs)),
            )
        )
    return tuple(rows)


def _form(
    view: ApplicationView,
    definition: BundleDefinition | None,
    entered: Mapping[str, str],
    invalid: frozenset[str],
) -> tuple[FormRow, ...]:
    def labelled(values: tuple[FieldValue, ...]) -> tuple[FieldValue, ...]:
        return tuple(FieldValue(v.value, source_label(definition, v.source)) for v in values)

    application = view.application
    conflicts = {entry.field: entry.values for entry in application.conflicts}
    submitted = application.submitted_form or {}
    rows = []
    for spec in definition.form if definition else ():
        held = application.form.get(spec.code)
        value = submitted.get(spec.code, held.value if held else None)
        if spec.typed is not None and spec.code in entered:
            value = entered[spec.code]  # what a refused submit carried, typed again
        rows.append(
            FormRow(
                code=spec.code,
                label_zh=spec.label_zh,
                value=value,
                source=source_label(definition, held.source) if held else "",
                conflict=labelled(conflicts.get(spec.code, ())),
                typed_kind=spec.typed.kind if spec.typed else None,
                required=spec.typed.required if spec.typed else True,
                invalid=spec.code in invalid,
            )
        )
    return tuple(rows)


def application_page(
    view: ApplicationView,
    definition: BundleDefinition | None,
    now: datetime,
    entered: Mapping[str, str] | None = None,
    invalid: frozenset[str] = frozenset(),
) -> ApplicationPage:
    """The page's model; ``entered`` (the typed values a refused submit carried) fill
    the typed fields again and ``invalid`` marks the fields the refusal named."""
    application = view.application
    zh, en, tone = _state(APPLICATION_STATES, application.state)
    return ApplicationPage(
        id=application.id,
        bundle_name_zh=definition.name_zh if definition else application.bundle,
        bundle_name_en=definition.name_en if definition else application.bundle,
        state=application.state,
        state_zh=zh,
        state_en=en,
        tone=tone,
        created_at=application.created_at,
        finished_at=application.finished_at,
        consent_request_id=application.consent_request_id,
        failure=application.failure_reason,
        items=_items(view, definition, now),
        form=_form(view, definition, entered or {}, invalid),
        conflicts=len(application.conflicts),
        can_submit=application.state == "awaiting_submit",
        can_cancel=application.state in _OPEN_STATES,
        waived=tuple((w.material_zh, _type_name(w.type_slug), w.identifier) for w in view.waived),
        timeline=tuple((event.at, event.text_zh) for event in view.timeline),
    )


def start_roles(definition: BundleDefinition) -> tuple[tuple[str, str, bool], ...]:
    """The roles whose holder the applicant names when starting: (code, 中文, required),
    every role that supplies a certificate but the applicant's own."""
    applicant = {r.code for r in definition.roles if r.applicant}
    names = {r.code: r.name_zh for r in definition.roles}
    found: dict[str, bool] = {}
    for supply in definition.supplies:
        if supply.role not in applicant:
            found[supply.role] = found.get(supply.role, False) or not supply.optional
    return tuple((code, names.get(code, code), required) for code, required in found.items())
