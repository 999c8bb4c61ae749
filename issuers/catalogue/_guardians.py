"""Guardians (监护人) on a minor's certificate, so that it reaches both parents' wallets.

《中华人民共和国民法典》第二十七条: "父母是未成年子女的监护人。" A certificate issued to a
child (预防接种证, 社会保障卡, 医保参保凭证) names its guardians; their 公民身份号码 follow
the child's in the holder codes, so each parent's wallet lists the certificate and
each can act for the child (用证授权 by a guardian).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field
from pydantic_core import PydanticCustomError

from issuers.catalogue._base import Record
from issuers.catalogue._text import ChineseName
from issuers.catalogue._types import ResidentId, field_error

__all__ = ["Guardian", "Guardians", "guardian_problem"]

# 与被监护人关系 (民法典 第二十七条 的监护顺序: 父母, 祖父母/外祖父母, 兄姐, 其他).
GuardianRelation = Literal["父亲", "母亲", "祖父", "祖母", "外祖父", "外祖母", "兄", "姐", "其他"]


class Guardian(Record):
    name: ChineseName
    id_number: ResidentId
    relationship: GuardianRelation  # 与被监护人关系


Guardians = Annotated[tuple[Guardian, ...], Field(max_length=2)]
"""At most two guardians (both parents); empty for an adult."""


def guardian_problem(
    holder: str | None, guardians: tuple[Guardian, ...], *, field: str = "guardians"
) -> PydanticCustomError | None:
    """A guardian listed twice, or the holder named as their own guardian."""
    seen: set[str] = set() if holder is None else {holder}
    for i, guardian in enumerate(guardians):
        if guardian.id_number in seen:
            return field_error(
                f"{field}.{i}.id_number",
                "duplicate_person",
                "a guardian must be another person than the holder and the other guardian",
            )
        seen.add(guardian.id_number)
    return None
