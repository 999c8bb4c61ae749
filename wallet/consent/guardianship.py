"""A parent acts for a minor child only when certificates on this platform prove it.

The relation is checked, never asserted (issue 10, item 3). Proof is either

* a 出生医学证明 (``birth_medical``) whose ``child_id_number`` is the child and whose
  ``mother_id_number`` or ``father_id_number`` is the citizen, or
* a 居民户口簿 (``household_register``) listing both, where the citizen is 户主 or 配偶
  and the child's 与户主关系 is 子 or 女 (GB/T 4761),

in either case a certificate in status 01 (valid); the store hands only those in. A
child is a minor before their 18th birthday (民法典 第十七条), read from the birth date
their 公民身份号码 carries, on the day it is in China Standard Time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from issuers.clock import CHINA_STANDARD_TIME
from issuers.codes import parse_resident_id

__all__ = ["ADULT_AGE", "is_minor", "proven_children"]

ADULT_AGE = 18
_PARENT_RELATIONS = frozenset({"户主", "配偶"})
_CHILD_RELATIONS = frozenset({"子", "女"})

Document = tuple[str, Mapping[str, Any]]
"""A valid certificate naming the citizen: (type slug, fields)."""


def is_minor(id_number: str, now: datetime) -> bool:
    born = parse_resident_id(id_number).birth_date
    return _age_on(born, now.astimezone(CHINA_STANDARD_TIME).date()) < ADULT_AGE


def proven_children(documents: Iterable[Document], citizen: str) -> frozenset[str]:
    """Every child the documents prove ``citizen`` is a parent of (minors or not)."""
    children: set[str] = set()
    for type_slug, fields in documents:
        if type_slug == "birth_medical":
            child = fields.get("child_id_number")
            if child and citizen in (
                fields.get("mother_id_number"),
                fields.get("father_id_number"),
            ):
                children.add(str(child))
        elif type_slug == "household_register":
            children |= _household_children(fields.get("members") or (), citizen)
    children.discard(citizen)
    return frozenset(children)


def _household_children(members: Iterable[Mapping[str, Any]], citizen: str) -> set[str]:
    members = list(members)
    if not any(
        m.get("id_number") == citizen and m.get("relation") in _PARENT_RELATIONS for m in members
    ):
        return set()
    return {str(m["id_number"]) for m in members if m.get("relation") in _CHILD_RELATIONS}


def _age_on(born: date, day: date) -> int:
    before_birthday = (day.month, day.day) < (born.month, born.day)
    return day.year - born.year - (1 if before_birthday else 0)
