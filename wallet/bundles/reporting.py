"""The report from the store: the engine's records turned into the report's input.

:func:`bundle_report` reads every application of one bundle and their items in two
queries (:meth:`BundleStore.applications_of_bundle`, :meth:`BundleStore.items_of`),
turns them into :class:`~wallet.bundles.report.ApplicationFacts` and hands them to
the pure :func:`~wallet.bundles.report.build_report`. The HTTP routes, the operator's
page and ``elicense bundles report`` all call it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Final

from wallet.bundles.definitions.schema import BundleDefinition
from wallet.bundles.records import ItemView, StoredApplication
from wallet.bundles.report import (
    ApplicationFacts,
    BundleReport,
    ItemFacts,
    Outcome,
    build_report,
)
from wallet.bundles.service import BundleService
from wallet.bundles.views import waived_materials

__all__ = ["application_facts", "bundle_report"]

_OUTCOMES: Final[dict[str, Outcome]] = {
    "completed": "completed",
    "rejected": "rejected",
    "refused": "refused",
    "cancelled": "cancelled",
    "failed": "failed",
}
# A department's rejection is kept as "code: reason" (handlers.base.Rejected's text).
_CODED: Final = re.compile(r"^([a-z][a-z0-9_]{0,39}): (.+)$", re.DOTALL)


def _reason(note: str | None) -> tuple[str | None, str | None]:
    if not note:
        return None, None
    coded = _CODED.match(note)
    return (coded.group(1), coded.group(2)) if coded else (None, note)


def _item(view: ItemView, application: StoredApplication) -> ItemFacts:
    note = view.note
    if view.state == "rejected" and not note and application.failed_item == view.code:
        note = application.failure_reason
    code, reason = _reason(note) if view.state == "rejected" else (None, None)
    return ItemFacts(view.code, view.state, view.started_at, view.finished_at, code, reason)


def application_facts(
    definition: BundleDefinition | None,
    application: StoredApplication,
    items: Sequence[ItemView],
) -> ApplicationFacts:
    """One application as the report counts it (every non-final state is ``open``)."""
    return ApplicationFacts(
        id=application.id,
        outcome=_OUTCOMES.get(application.state, "open"),
        created_at=application.created_at,
        finished_at=application.finished_at,
        items=tuple(_item(view, application) for view in items),
        materials_waived=len(waived_materials(definition, application)),
    )


def bundle_report(service: BundleService, code: str, now: datetime) -> BundleReport:
    """The report on bundle ``code`` as of ``now``; an unknown code is NotFound."""
    definition = service.definition(code)
    store = service.store
    with store.reading() as conn:
        applications = store.applications_of_bundle(conn, code)
        items = store.items_of(conn, (app.id for app in applications))
    facts = [application_facts(definition, app, items.get(app.id, ())) for app in applications]
    return build_report(definition, facts, now)
