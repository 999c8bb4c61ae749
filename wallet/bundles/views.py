"""An application as a party sees it: its items and timeline, and the materials
(材料) its verified certificates waived. Pure: reads records, writes nothing."""

from __future__ import annotations

from collections.abc import Sequence

from wallet.bundles.definitions.schema import BundleDefinition
from wallet.bundles.records import (
    ApplicationView,
    ItemView,
    StoredApplication,
    TimelineEvent,
    WaivedMaterial,
)

__all__ = ["application_view", "waived_materials"]


def waived_materials(
    definition: BundleDefinition | None, application: StoredApplication
) -> tuple[WaivedMaterial, ...]:
    """Each supply a verified certificate satisfied, with the material it replaced."""
    if definition is None:
        return ()
    verified = {(v.role, v.type_slug): v.identifier for v in application.verified}
    return tuple(
        WaivedMaterial(s.role, s.type, s.material_zh, verified[(s.role, s.type)])
        for s in definition.supplies
        if (s.role, s.type) in verified
    )


def application_view(
    definition: BundleDefinition | None,
    application: StoredApplication,
    items: Sequence[ItemView],
    timeline: Sequence[TimelineEvent],
) -> ApplicationView:
    order = {item.code: i for i, item in enumerate(definition.items)} if definition else {}
    ordered = sorted(items, key=lambda i: (order.get(i.code, len(order)), i.code))
    return ApplicationView(
        application=application,
        items=tuple(ordered),
        timeline=tuple(timeline),
        waived=waived_materials(definition, application),
    )
