"""医疗保障 (healthcare security): the newborn's enrolment in 城乡居民医保, and the
mother's 生育津贴.

**城乡居民基本医疗保险参保** (《中华人民共和国社会保险法》第二十五条). A newborn is
enrolled in the 统筹区 of its household with the 公民身份号码 birth registration assigned
(the ``child_id_number`` fact), for the current year; enrolled within 90 days of birth
it is covered from the day it was born (《国务院办公厅关于健全基本医疗保险参保长效机制的
指导意见》 国办发〔2024〕38号). The 医保参保凭证 goes to the child and its guardians.

**生育津贴** (《社会保险法》第五十六条): the mother named on the birth certificate is the
applying mother; the department records the claim, minting nothing.
"""

from __future__ import annotations

from wallet.bundles.handlers._common import (
    CHILD_ID_FACT,
    as_datetime,
    china_date,
    guardians,
    household_region,
    mint,
    outputs,
    person,
    supplied,
)
from wallet.bundles.handlers.base import ItemContext, ItemOutcome, Minter, Rejected

__all__ = ["maternity_benefit", "medical_insurance_enrolment"]

NEWBORN_GRACE_DAYS = 90
RESIDENT_SCHEME = "城乡居民基本医疗保险"


def medical_insurance_enrolment(context: ItemContext, minter: Minter) -> ItemOutcome:
    today = china_date(context.now)
    minted = []
    insured = ""
    for index, output in outputs(context, "medical_insurance"):
        insured, name, _ = person(context, output.holder_role)
        fields = {
            "name": name,
            "id_number": insured,
            "insurance_type": RESIDENT_SCHEME,
            "insured_region_code": household_region(context, insured[:6]),
            "enrolment_date": today.isoformat(),
            "coverage_year": today.year,
            "handling_agency": context.item.department_name_zh,
            "guardians": guardians(context, output.holder_role),
        }
        minted.append(mint(context, minter, index, output, fields))
    note = f"已参加{today.year}年度{RESIDENT_SCHEME}"
    born_value = context.form.get("child_birth_datetime")
    if born_value:
        age_days = (today - china_date(as_datetime(born_value, "出生时间"))).days
        if 0 <= age_days <= NEWBORN_GRACE_DAYS:
            note += "，出生90天内参保，自出生之日起享受待遇"
    return ItemOutcome(
        minted=tuple(minted),
        facts={CHILD_ID_FACT: insured, "coverage_year": today.year} if insured else {},
        note_zh=note,
    )


def maternity_benefit(context: ItemContext, minter: Minter) -> ItemOutcome:
    _, birth = supplied(context, "birth_medical", "出生医学证明")
    mother = context.holders.get("mother")
    if mother is None or birth.get("mother_id_number") != mother:
        raise Rejected("not_the_mother", "生育津贴须由出生医学证明记载的母亲申领")
    return ItemOutcome(note_zh="生育津贴申领已受理，按产假天数核定后发放至本人银行账户")
