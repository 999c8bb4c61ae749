"""卫生健康 (health): the birth certificate, and the newborn's 预防接种证.

**出生医学证明** is issued by the 助产机构 at birth (《中华人民共和国母婴保健法》第二十三条),
before the application: the item checks the one supplied (the mother named on it is
the applying mother) and records it, minting nothing.

**预防接种证** (《中华人民共和国疫苗管理法》第四十七条: 儿童出生后一个月内，其监护人应当
为其办理预防接种证). It needs no 公民身份号码: the 出生医学证明编号 identifies the child and
the guardians hold it, so it reaches both parents. The doses of the first day are
entered (乙肝疫苗 第1剂 and 卡介苗, given at the 助产机构 on the day of birth, 国家免疫
规划疫苗儿童免疫程序). The 接种证编号 is the county's region code and twelve digits
drawn from the application (a retry gets the same).
"""

from __future__ import annotations

from wallet.bundles.handlers._common import (
    as_datetime,
    china_date,
    digits,
    fact,
    guardians,
    mint,
    outputs,
    supplied,
)
from wallet.bundles.handlers.base import ItemContext, ItemOutcome, Minter, Rejected

__all__ = ["birth_medical_certificate", "vaccination_certificate"]

BIRTH_DOSES = (("乙肝疫苗", 1), ("卡介苗", 1))


def birth_medical_certificate(context: ItemContext, minter: Minter) -> ItemOutcome:
    _, birth = supplied(context, "birth_medical", "出生医学证明")
    mother = context.holders.get("mother")
    if mother is not None and birth.get("mother_id_number") not in (None, mother):
        raise Rejected("not_the_mother", "出生医学证明记载的母亲不是申请中的母亲")
    number = birth.get("certificate_number", "")
    return ItemOutcome(
        facts={"birth_certificate_number": str(number)},
        note_zh=f"出生医学证明（编号{number}）已由"
        f"{birth.get('institution_name', '助产机构')}签发并核验",
    )


def vaccination_certificate(context: ItemContext, minter: Minter) -> ItemOutcome:
    _, birth = supplied(context, "birth_medical", "出生医学证明")
    born = china_date(
        as_datetime(context.form.get("child_birth_datetime") or birth.get("birth_datetime"),
                    "出生时间")
    )  # fmt: skip
    region = str(birth.get("birth_region_code", ""))
    for role_code in context.holders:
        register = context.certificates.get(role_code, {}).get("household_register")
        if register and register.get("region_code"):
            region = str(register["region_code"])  # 居住地 接种单位
            break
    minted = []
    for index, output in outputs(context, "vaccination"):
        family = guardians(context, output.holder_role)
        if not family:
            raise Rejected("guardian_missing", "预防接种证须由监护人办理，申请中没有监护人")
        fields = {
            "certificate_number": region
            + str(born.year)
            + digits(context.application_id, "vacc", 8),
            "child_name": context.form.get("child_name") or birth.get("child_name"),
            "child_sex": int(context.form.get("child_sex") or birth.get("child_sex") or 0),
            "child_birth_date": born.isoformat(),
            "birth_certificate_number": context.form.get("birth_certificate_number")
            or birth.get("certificate_number"),
            "guardians": family,
            "vaccination_unit": context.item.department_name_zh,
            "vaccination_unit_region_code": region,
            "doses": [
                {"vaccine_name": name, "dose_number": dose, "date_given": born.isoformat()}
                for name, dose in BIRTH_DOSES
            ],
        }
        child = fact(context, "child_id_number") or context.holders.get(output.holder_role)
        if child:
            fields["child_id_number"] = str(child)
        minted.append(mint(context, minter, index, output, fields))
    return ItemOutcome(
        minted=tuple(minted),
        note_zh="预防接种证已建立，出生时接种的乙肝疫苗第1剂和卡介苗已录入，父母双方卡包可见",
    )
