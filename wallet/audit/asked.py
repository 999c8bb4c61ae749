"""Which certificate types and claims an audit entry is about, named for a citizen.

Consent writes them under different keys by kind of entry: a request lists its
``parties`` each with ``asks`` (type -> claim names), a decision its party's ``asks``,
a pull ``types`` and ``claims`` (type -> names), a delegation its one ``type``; older
entries may hold ``claims`` as a plain list of names. :func:`asked_in` reads them all
into one shape. Names come from the one source every page uses: the catalogue's
``name_zh`` for a type, :func:`verifiers.inspector.display.label_for` for a claim (the
consent pages and the shared card label fields with it). Only *names* are read here:
a summary never holds a claim value, and nothing here would show one if it did.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from issuers.catalogue import CATALOGUE
from verifiers.inspector.display import label_for

__all__ = ["AskedType", "asked_in"]


@dataclass(frozen=True, slots=True)
class AskedType:
    """One certificate type an entry names, and the claims it names of that type.

    ``slug`` is empty for claims an older entry listed without their type."""

    slug: str
    name: str  # 居民身份证; the slug itself for a type the catalogue does not know
    claims: tuple[str, ...]
    labels: tuple[str, ...]  # 姓名, one per claim; the claim's own name when unlabelled


def asked_in(summary: Mapping[str, Any]) -> tuple[AskedType, ...]:
    """The types and claims ``summary`` names, in the order it names them."""
    by_type: dict[str, list[str]] = {}
    loose: list[str] = []
    for slug in _strings(summary.get("types")):
        by_type.setdefault(slug, [])
    if isinstance(summary.get("type"), str):
        by_type.setdefault(summary["type"], [])
    claims = summary.get("claims")
    if isinstance(claims, Mapping):
        _merge(by_type, claims)
    else:
        loose = _strings(claims)
    if isinstance(summary.get("asks"), Mapping):
        _merge(by_type, summary["asks"])
    for party in summary.get("parties") or ():
        if isinstance(party, Mapping) and isinstance(party.get("asks"), Mapping):
            _merge(by_type, party["asks"])
    asked = [_named(slug, names) for slug, names in by_type.items()]
    if loose:
        asked.append(AskedType("", "", tuple(loose), tuple(label_for(n)[0] for n in loose)))
    return tuple(asked)


def _named(slug: str, claims: Iterable[str]) -> AskedType:
    kind = CATALOGUE.get(slug)
    names = tuple(claims)
    return AskedType(
        slug=slug,
        name=slug if kind is None else kind.name_zh,
        claims=names,
        labels=tuple(label_for(claim)[0] for claim in names),
    )


def _merge(by_type: dict[str, list[str]], asks: Mapping[Any, Any]) -> None:
    for slug, names in asks.items():
        if isinstance(slug, str):
            known = by_type.setdefault(slug, [])
            known.extend(name for name in _strings(names) if name not in known)


def _strings(value: object) -> list[str]:
    if isinstance(value, list | tuple):
        return [item for item in value if isinstance(item, str)]
    return []
