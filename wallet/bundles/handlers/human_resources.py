"""人力资源和社会保障 (human resources and social security): the 社会保障卡 and the
pension approval.

**社会保障卡** (《中华人民共和国社会保险法》第五十八条: 个人社会保障号码为公民身份号码).
A newborn's card carries the number birth registration assigned and names its
guardians, so it reaches both parents; its 卡号 (a letter and eight digits) is drawn
from the application, so a retry gets the same card.

**基本养老金核定**. The holder must have reached the statutory retirement age
(:mod:`wallet.bundles.handlers.retirement_age`: 《国务院关于渐进式延迟法定退休年龄的办法》,
with 弹性提前退休 up to three years earlier) and contributed long enough (社会保险法
第十六条, raised from 2030: :func:`issuers.catalogue.human_resources.minimum_contribution_months`).
The contribution record (``contribution_months``) comes from the form, as the
sample definitions have no certificate for it; without it the item is refused.
The pension follows 国发〔2005〕38号: 基础养老金 = 上年度在岗职工月平均工资 × (1 + 本人平均
缴费指数) ÷ 2 × 缴费年限 × 1%, plus 个人账户储存额 ÷ 计发月数. The average wage here is a
demo figure (form ``average_wage_fen`` overrides it), not an official statistic.
"""

from __future__ import annotations

from typing import Final

from issuers.catalogue.human_resources import minimum_contribution_months
from wallet.bundles.handlers._common import (
    as_date,
    china_date,
    claims,
    digits,
    drawn,
    guardians,
    holder,
    household_region,
    mint,
    outputs,
    person,
)
from wallet.bundles.handlers.base import ItemContext, ItemOutcome, Minter, Rejected
from wallet.bundles.handlers.retirement_age import Track, earliest_retirement, statutory_retirement

__all__ = ["pension_approval", "social_security_card"]

_CARD_LETTERS: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # I and O left out: read as 1 and 0
DEMO_AVERAGE_WAGE_FEN: Final = 1_200_000  # 12,000 元: a demo figure, not a statistic
# 国发〔2005〕38号 附件: 个人账户养老金计发月数, by age at retirement.
PAYOUT_MONTHS: Final = {
    50: 195, 51: 190, 52: 185, 53: 180, 54: 175, 55: 170, 56: 164, 57: 158, 58: 152,
    59: 145, 60: 139, 61: 132, 62: 125, 63: 117, 64: 109, 65: 101,
}  # fmt: skip


def social_security_card(context: ItemContext, minter: Minter) -> ItemOutcome:
    today = china_date(context.now)
    minted = []
    for index, output in outputs(context, "social_security_card"):
        number, name, sex = person(context, output.holder_role)
        letter = _CARD_LETTERS[drawn(context.application_id, "card_letter", len(_CARD_LETTERS))]
        fields = {
            "social_security_number": number,
            "name": name,
            "sex": sex,
            "card_number": letter + digits(context.application_id, "card_number", 8),
            "issuing_region_code": household_region(context, number[:6]),
            "issue_date": today.isoformat(),
            "bank_name": context.form.get("bank_name") or None,
            "guardians": guardians(context, output.holder_role),
        }
        minted.append(mint(context, minter, index, output, fields))
    return ItemOutcome(
        minted=tuple(minted),
        note_zh="社会保障卡已制发，电子社保卡已发放至卡包",
    )


def _int(context: ItemContext, code: str, default: int | None = None) -> int:
    value = context.form.get(code, default)
    try:
        return int(str(value))
    except ValueError:
        raise Rejected("invalid_value", f"{code}须为整数") from None


def pension_approval(context: ItemContext, minter: Minter) -> ItemOutcome:
    today = china_date(context.now)
    minted = []
    facts: dict[str, str | int] = {}
    for index, output in outputs(context, "retirement_approval"):
        role_code = output.holder_role
        number = holder(context, role_code)
        card = claims(context, role_code, "resident_id")
        born = as_date(card.get("birth_date") or context.form.get("birth_date"), "出生日期")
        sex = int(card.get("sex") or context.form.get("sex") or 0)
        track: Track = "male" if sex == 1 else "female_worker"
        if sex != 1 and context.form.get("post_kind") != "工人岗位":
            track = "female_cadre"
        kind = str(context.form.get("retirement_kind") or "正常退休")
        early = kind == "弹性提前退休"
        statutory = statutory_retirement(born, track)
        earliest = earliest_retirement(born, track, flexible_early=early)
        if today < earliest:
            raise Rejected(
                "below_retirement_age",
                f"未达到退休年龄：出生于{born.isoformat()}，按《国务院关于渐进式延迟法定退休年龄"
                f"的办法》法定退休日期为{statutory.isoformat()}"
                + (f"，弹性提前退休最早{earliest.isoformat()}" if early else ""),
            )
        retired_on = statutory if kind == "正常退休" else today
        if context.form.get("contribution_months") in (None, ""):
            raise Rejected("contribution_record_missing", "未取得养老保险累计缴费月数")
        months = _int(context, "contribution_months")
        minimum = minimum_contribution_months(retired_on)
        if months < minimum:
            raise Rejected(
                "contribution_too_short",
                f"累计缴费{months}个月，不足{minimum}个月（《中华人民共和国社会保险法》第十六条）",
            )
        wage = _int(context, "average_wage_fen", DEMO_AVERAGE_WAGE_FEN)
        index_permille = _int(context, "contribution_index_permille", 1000)
        account = _int(context, "personal_account_fen", 0)
        age = (
            retired_on.year
            - born.year
            - ((retired_on.month, retired_on.day) < (born.month, born.day))
        )
        age = min(max(age, 50), 65)
        basic = wage * (1000 + index_permille) / 2000 * months / 12 / 100
        pension = round(basic + account / PAYOUT_MONTHS[age])
        fields = {
            "approval_number": household_region(context, number[:6])
            + str(retired_on.year) + digits(context.application_id, "approval", 6),
            "name": card.get("name") or context.form.get("name"), "id_number": number,
            "sex": sex, "retirement_date": retired_on.isoformat(),
            "contribution_months": months, "monthly_pension_fen": pension,
            "employer_name": context.form.get("employer_name"),
            "employer_uscc": context.form.get("employer_uscc"),
            "approving_authority": context.item.department_name_zh,
        }  # fmt: skip
        minted.append(mint(context, minter, index, output, fields))
        facts = {"retirement_date": retired_on.isoformat(), "monthly_pension_fen": pension}
    return ItemOutcome(
        minted=tuple(minted),
        facts=facts,
        note_zh=f"基本养老金已核定：每月{int(facts.get('monthly_pension_fen', 0)) / 100:.2f}元"
        if facts
        else "",
    )
