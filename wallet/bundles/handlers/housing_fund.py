"""住房公积金 (housing provident fund): freezing and paying out a retiree's account.

《住房公积金管理条例》第二十四条: 职工离休、退休的，可以提取职工住房公积金账户内的存储
余额，同时注销职工住房公积金账户. The item runs after the pension approval and takes its
``retirement_date`` fact as the proof of retirement; the balance goes to the bank card
of the form. It mints nothing.
"""

from __future__ import annotations

from wallet.bundles.handlers._common import as_date, china_date, fact, form_value
from wallet.bundles.handlers.base import ItemContext, ItemOutcome, Minter, Rejected

__all__ = ["housing_fund_withdrawal"]


def housing_fund_withdrawal(context: ItemContext, minter: Minter) -> ItemOutcome:
    retired = fact(context, "retirement_date")
    if not retired:
        raise Rejected(
            "not_retired", "未办结退休审批，不能办理退休提取（《住房公积金管理条例》第二十四条）"
        )
    retired_on = as_date(retired, "退休时间")
    if retired_on > china_date(context.now):
        raise Rejected("not_retired", f"退休时间{retired_on.isoformat()}尚未到达")
    card = str(form_value(context, "bank_card", "银行卡号"))
    return ItemOutcome(
        facts={"account_closed_on": china_date(context.now).isoformat()},
        note_zh=f"住房公积金账户已封存并销户提取，余额转入尾号{card[-4:]}的银行卡",
    )
