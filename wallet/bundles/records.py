"""What the bundle feature keeps and hands out: typed, frozen, free of any framework.

The store builds these from its rows; nothing above it sees a row. An application
moves through these states (the workflow in :mod:`wallet.bundles.engine` moves it)::

    awaiting_consent ─► verifying ─► awaiting_submit ─► processing ─► completed
          │                 │               │                 └────► rejected (an item)
          └► refused        └► failed        └────────────────────► cancelled (any time
             (denied, expired, revoked)         (a share failed        before completion)
                                                 verification)

An item is ``waiting`` until its dependencies are done, ``running`` while its
department handles it, then ``done`` or ``rejected``; when another item is rejected
(or the application is cancelled) the items not yet started become ``stopped``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

__all__ = [
    "FINAL_STATES",
    "ApplicationState",
    "ApplicationView",
    "FieldValue",
    "FormConflictEntry",
    "ItemState",
    "ItemView",
    "NewApplication",
    "PresentedCredential",
    "StoredApplication",
    "TimelineEvent",
    "VerifiedCertificate",
    "WaivedMaterial",
]

ApplicationState = Literal[
    "awaiting_consent",
    "verifying",
    "awaiting_submit",
    "processing",
    "completed",
    "rejected",
    "refused",
    "cancelled",
    "failed",
]
FINAL_STATES: frozenset[str] = frozenset(
    {"completed", "rejected", "refused", "cancelled", "failed"}
)

ItemState = Literal["waiting", "running", "done", "rejected", "stopped"]


@dataclass(frozen=True, slots=True)
class PresentedCredential:
    """A QR credential from another province's platform, presented at creation (跨省)."""

    role: str
    type_slug: str
    credential: str  # the QR text, EL1:...


@dataclass(frozen=True, slots=True)
class VerifiedCertificate:
    """A certificate the workflow pulled (or was presented) and verified."""

    role: str
    type_slug: str
    identifier: str
    issuer_uscc: str
    claims: Mapping[str, Any]
    cross_region: bool = False  # verified through another region's trust list


@dataclass(frozen=True, slots=True)
class FieldValue:
    """One field of the one form: its value and where it came from
    (``role.type.claim``, ``typed`` or ``resolved``)."""

    value: Any
    source: str


@dataclass(frozen=True, slots=True)
class FormConflictEntry:
    """A field two certificates disagree on: each source and its value."""

    field: str
    values: tuple[FieldValue, ...]


@dataclass(frozen=True, slots=True)
class NewApplication:
    id: str
    bundle: str
    bundle_version: int
    applicant_code: str
    holders: Mapping[str, str]  # role -> 公民身份号码
    presented: Sequence[PresentedCredential]
    created_at: datetime
    items: Sequence[str]  # item codes, all waiting


@dataclass(frozen=True, slots=True)
class StoredApplication:
    id: str
    bundle: str
    bundle_version: int
    applicant_code: str
    state: ApplicationState
    consent_request_id: str | None
    holders: Mapping[str, str]
    presented: tuple[PresentedCredential, ...]
    verified: tuple[VerifiedCertificate, ...]
    form: Mapping[str, FieldValue]
    conflicts: tuple[FormConflictEntry, ...]
    submitted_form: Mapping[str, Any] | None
    created_at: datetime
    submitted_at: datetime | None
    finished_at: datetime | None
    failed_item: str | None
    failure_reason: str | None

    def certificates(self) -> dict[str, dict[str, Mapping[str, Any]]]:
        """The verified claims as handlers read them: ``[role][type]`` -> claims."""
        found: dict[str, dict[str, Mapping[str, Any]]] = {}
        for certificate in self.verified:
            found.setdefault(certificate.role, {})[certificate.type_slug] = certificate.claims
        return found


@dataclass(frozen=True, slots=True)
class ItemView:
    code: str
    state: ItemState
    started_at: datetime | None
    finished_at: datetime | None
    outputs: tuple[Mapping[str, Any], ...]  # {identifier, type, issuer, holders, version}
    facts: Mapping[str, Any]
    note: str | None


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    at: datetime
    kind: str
    item: str | None
    text_zh: str


@dataclass(frozen=True, slots=True)
class WaivedMaterial:
    """A paper material (材料) the citizen did not bring: a certificate supplied it."""

    role: str
    type_slug: str
    material_zh: str
    identifier: str


@dataclass(frozen=True, slots=True)
class ApplicationView:
    """An application as a party sees it: state, form, conflicts, items, timeline."""

    application: StoredApplication
    items: tuple[ItemView, ...]
    timeline: tuple[TimelineEvent, ...]
    waived: tuple[WaivedMaterial, ...] = field(default=())
