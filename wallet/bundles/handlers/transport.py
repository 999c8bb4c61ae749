"""交通运输 (transport): the 网络预约出租汽车驾驶员证.

《网络预约出租汽车经营服务管理暂行办法》第十四条 sets the conditions (three years of
driving experience, no disqualifying record: :func:`check_driver`, applied again here
so the item never mints on its own for a driver who fails them), 第十五条 the
examination and the certificate. The certificate number is the driver's 公民身份号码,
as many cities print it; the service region is the city chosen on the form.
"""

from __future__ import annotations

from typing import Final

from wallet.bundles.handlers._common import china_date, form_value, holder, mint, outputs
from wallet.bundles.handlers.base import ItemContext, ItemOutcome, Minter, Rejected
from wallet.bundles.handlers.public_security import check_driver

__all__ = ["ride_hailing_driver_certificate"]

# GB/T 2260 codes of the cities the sample bundle offers (the 市 level, xx xx 00).
CITY_CODES: Final = {
    "杭州市": "330100", "宁波市": "330200", "温州市": "330300", "嘉兴市": "330400",
    "湖州市": "330500", "绍兴市": "330600", "金华市": "330700", "上海市": "310000",
}  # fmt: skip


def ride_hailing_driver_certificate(context: ItemContext, minter: Minter) -> ItemOutcome:
    role, licence = check_driver(context)
    city = str(form_value(context, "service_city", "服务地区"))
    region = CITY_CODES.get(city)
    if region is None:
        raise Rejected("service_region", f"{city}不在本省网约车驾驶员证的服务地区内")
    card = context.certificates.get(role, {}).get("resident_id", {})
    minted = []
    for index, output in outputs(context, "ride_hailing_driver"):
        driver = holder(context, output.holder_role)
        fields = {
            "certificate_number": driver,
            "name": card.get("name") or licence.get("name") or context.form.get("name"),
            "sex": int(card.get("sex") or context.form.get("sex") or 0),
            "id_number": driver,
            "driving_licence_class": licence.get("vehicle_class")
            or context.form.get("vehicle_class"),
            "service_region_code": region,
            "issuing_authority": context.item.department_name_zh,
            "first_issued_on": china_date(context.now).isoformat(),
        }
        minted.append(mint(context, minter, index, output, fields))
    return ItemOutcome(
        minted=tuple(minted),
        note_zh=f"驾龄与背景核查合格，网络预约出租汽车驾驶员证已核发（服务地区：{city}）",
    )
