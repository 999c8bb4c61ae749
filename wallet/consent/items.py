"""Bundle items (一件事 的办理事项): what a service may ask for, as data.

Each ``samples/bundles/<bundle>.json`` lists its ``items``; an item names the
department that handles it and, per certificate type, the claims (top-level field
names of the catalogue's type) a request for that item may ask for. An authorisation
request asking for more is refused when it is made (:class:`~issuers.errors.
BeyondBundleItem`). The bundle issue extends the format: keys this module does not
read are ignored, and what it does read is checked against the catalogue at load, so
a typo in a data file fails at start-up rather than at a citizen's approval.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from issuers.catalogue import CATALOGUE

__all__ = ["DEFAULT_BUNDLES_DIR", "BundleItem", "load_bundle_items"]

DEFAULT_BUNDLES_DIR = Path(__file__).resolve().parents[2] / "samples" / "bundles"


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
        for raw in document["items"]:
            item = _item(raw, bundle, path.name)
            if item.code in items:
                raise ValueError(f"{path.name}: bundle item {item.code!r} is defined twice")
            items[item.code] = item
    return MappingProxyType(items)


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
