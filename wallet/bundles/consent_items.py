"""The consent items a set of bundle definitions stands for: each item, and the bundle
itself as one item (code = the bundle's) whose allowance is the union of its items',
as :func:`wallet.consent.items.load_bundle_items` reads them from the sample files.
Used when the definitions are not the sample files' (tests, the benchmark)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from wallet.bundles.definitions.schema import BundleDefinition
from wallet.consent.items import BundleItem

__all__ = ["consent_items"]


def consent_items(definitions: Mapping[str, BundleDefinition]) -> dict[str, BundleItem]:
    items: dict[str, BundleItem] = {}
    for definition in definitions.values():
        union: dict[str, frozenset[str]] = {}
        for item in definition.items:
            allowed = {slug: frozenset(claims) for slug, claims in item.certificates.items()}
            for slug, claims in allowed.items():
                union[slug] = union.get(slug, frozenset()) | claims
            items[item.code] = BundleItem(
                item.code, item.name_zh, item.name_en, item.department, definition.bundle,
                MappingProxyType(allowed),
            )  # fmt: skip
        items[definition.bundle] = BundleItem(
            definition.bundle, definition.name_zh, definition.name_en, "bundle",
            definition.bundle, MappingProxyType(union),
        )  # fmt: skip
    return items
