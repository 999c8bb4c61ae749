"""Bundle items (一件事 的办理事项): what a service may ask for, as data.

Each ``samples/bundles/<bundle>.json`` lists its ``items``; an item names the
department that handles it and, per certificate type, the claims (top-level field
names of the catalogue's type) a request for that item may ask for. An authorisation
request asking for more is refused when it is made (:class:`~issuers.errors.
BeyondBundleItem`). Each bundle is also an item itself, whose code is the bundle's
(``newborn``), department ``bundle``, and allowance the union of its items': the
bundle engine asks one request per application for it. The full format is checked by
:mod:`wallet.bundles.definitions`; keys this module does not read are ignored, and
what it does read is checked against the catalogue at load, so a typo in a data file
fails at start-up rather than at a citizen's approval.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from issuers.catalogue import CATALOGUE

__all__ = ["DEFAULT_BUNDLES_DIR", "WHOLE_BUNDLE", "BundleItem", "load_bundle_items"]

DEFAULT_BUNDLES_DIR = Path(__file__).resolve().parents[2] / "samples" / "bundles"
WHOLE_BUNDLE = "bundle"  # the department of the item that stands for a whole bundle


@dataclass(frozen=True, slots=True)
class BundleItem:
    """One item a department handles, and the most a request for it may ask."""

    code: str
    name_zh: str
    name_en: str
    department: str
    bundle: str
    certificates: Mapping[str, frozenset[str]]  # type slug -> allowed claim names


def load_bundle_items(samples_dir: Path = DEFAULT_BUNDLES_DIR) -> Mapping[str, BundleItem]:
    """Every item of every ``*.json`` bundle in ``samples_dir``, by code.

    Raises :class:`ValueError` (a start-up error, never a caller's) when a file names an
    unknown type or claim, or two items share a code."""
    items: dict[str, BundleItem] = {}
    for path in sorted(samples_dir.glob("*.json")):
        document = json.loads(path.read_text("utf-8"))
        bundle = str(document["bundle"])
        members = [_item(raw, bundle, path.name) for raw in document["items"]]
        for item in [*members, _whole(document, members)]:
            if item.code in items:
                raise ValueError(f"{path.name}: bundle item {item.code!r} is defined twice")
            items[item.code] = item
    return MappingProxyType(items)


def _whole(document: Mapping[str, Any], members: list[BundleItem]) -> BundleItem:
    """The bundle as one item (code = the bundle's): what one consent request for a
    whole application may ask, the union of its items' allowances."""
    certificates: dict[str, frozenset[str]] = {}
    for member in members:
        for slug, claims in member.certificates.items():
            certificates[slug] = certificates.get(slug, frozenset()) | claims
    bundle = str(document["bundle"])
    return BundleItem(
        code=bundle,
        name_zh=str(document["name_zh"]),
        name_en=str(document["name_en"]),
        department=WHOLE_BUNDLE,
        bundle=bundle,
        certificates=MappingProxyType(certificates),
    )


def _item(raw: Mapping[str, Any], bundle: str, source: str) -> BundleItem:
    code = str(raw["code"])
    certificates: dict[str, frozenset[str]] = {}
    for slug, claims in raw["certificates"].items():
        kind = CATALOGUE.get(slug)
        if kind is None:
            raise ValueError(f"{source}: item {code!r} names unknown certificate type {slug!r}")
        known = set(kind.model.model_fields)
        unknown = sorted(set(claims) - known)
        if unknown:
            raise ValueError(f"{source}: item {code!r}, {slug}: unknown claims {unknown}")
        certificates[slug] = frozenset(claims)
    return BundleItem(
        code=code,
        name_zh=str(raw["name_zh"]),
        name_en=str(raw["name_en"]),
        department=str(raw["department"]),
        bundle=bundle,
        certificates=MappingProxyType(certificates),
    )
