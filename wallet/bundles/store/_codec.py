"""Rows to records and records to JSON columns: the only place that knows both."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Row

from wallet.bundles.records import (
    ApplicationState,
    FieldValue,
    FormConflictEntry,
    ItemState,
    ItemView,
    PresentedCredential,
    StoredApplication,
    TimelineEvent,
    VerifiedCertificate,
)


def presented_json(presented: Sequence[PresentedCredential]) -> list[dict[str, str]]:
    return [{"role": p.role, "type": p.type_slug, "credential": p.credential} for p in presented]


def verified_json(verified: Sequence[VerifiedCertificate]) -> list[dict[str, Any]]:
    return [
        {
            "role": v.role,
            "type": v.type_slug,
            "identifier": v.identifier,
            "issuer": v.issuer_uscc,
            "claims": dict(v.claims),
            "cross_region": v.cross_region,
        }
        for v in verified
    ]


def form_json(form: Mapping[str, FieldValue]) -> dict[str, dict[str, Any]]:
    return {code: {"value": v.value, "source": v.source} for code, v in form.items()}


def conflicts_json(conflicts: Sequence[FormConflictEntry]) -> list[dict[str, Any]]:
    return [
        {"field": c.field, "values": [{"value": v.value, "source": v.source} for v in c.values]}
        for c in conflicts
    ]


def application(row: Row[Any]) -> StoredApplication:
    return StoredApplication(
        id=row.id,
        bundle=row.bundle,
        bundle_version=int(row.bundle_version),
        applicant_code=row.applicant_code,
        state=cast(ApplicationState, row.state),
        consent_request_id=row.consent_request_id,
        holders=dict(row.holders),
        presented=tuple(
            PresentedCredential(p["role"], p["type"], p["credential"]) for p in row.presented
        ),
        verified=tuple(
            VerifiedCertificate(
                role=v["role"],
                type_slug=v["type"],
                identifier=v["identifier"],
                issuer_uscc=v["issuer"],
                claims=v["claims"],
                cross_region=bool(v.get("cross_region")),
            )
            for v in row.verified
        ),
        form={code: FieldValue(v["value"], v["source"]) for code, v in row.form.items()},
        conflicts=tuple(
            FormConflictEntry(
                c["field"], tuple(FieldValue(v["value"], v["source"]) for v in c["values"])
            )
            for c in row.conflicts
        ),
        submitted_form=None if row.submitted_form is None else dict(row.submitted_form),
        created_at=row.created_at,
        submitted_at=row.submitted_at,
        finished_at=row.finished_at,
        failed_item=row.failed_item,
        failure_reason=row.failure_reason,
    )


def item(row: Row[Any]) -> ItemView:
    return ItemView(
        code=row.item_code,
        state=cast(ItemState, row.state),
        started_at=row.started_at,
        finished_at=row.finished_at,
        outputs=tuple(row.outputs),
        facts=dict(row.facts),
        note=row.note,
    )


def event(row: Row[Any]) -> TimelineEvent:
    return TimelineEvent(at=row.at, kind=row.kind, item=row.item, text_zh=row.text_zh)
