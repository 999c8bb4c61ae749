"""税务 (taxation): the newborn's 城乡居民医保 contribution.

Since 2019 the tax authorities collect the 城乡居民基本医疗保险费 (《国税地税征管体制改革
方案》). The newborn's contribution for the year is recorded against the 公民身份号码 birth
registration assigned, paid from the bank card of the form; the item mints nothing.
"""

from __future__ import annotations

from wallet.bundles.handlers._common import child_id, china_date, form_value
from wallet.bundles.handlers.base import ItemContext, ItemOutcome, Minter

__all__ = ["medical_insurance_contribution"]


def medical_insurance_contribution(context: ItemContext, minter: Minter) -> ItemOutcome:
    child_id(context)  # refused until birth registration assigned the number
    year = china_date(context.now).year
    card = str(form_value(context, "bank_card", "银行卡号"))
    return ItemOutcome(
        facts={"contribution_year": year},
        note_zh=f"{year}年度城乡居民医保个人缴费已登记，由尾号{card[-4:]}的银行卡扣缴",
    )
