"""公安 (public security): 出生登记 and the ride-hailing driver's background check.

**出生登记** (《中华人民共和国户口登记条例》第七条: 婴儿出生后一个月以内，由户主、亲属、
抚养人或者邻居向婴儿常住地户口登记机关申报出生登记). The newborn joins the household of
the parent the item's output names (随父或随母落户), as that register's current valid
version says. Its 公民身份号码 (GB 11643) is made from the household's region code,
the birth date in China time and a sequence number drawn from the application id, odd
for a boy and even for a girl, so a retried step assigns the same number. The
register is re-issued with the child added (version + 1; the old version becomes 05
失效), its 与户主关系 following the parent's own (户主 or 配偶: 子/女; 子 or 儿媳:
孙子/孙女; 女 or 女婿: 外孙子/外孙女). A birth certificate that already carries the
child's number keeps it.

**网约车驾驶员背景核查**: 《网络预约出租汽车经营服务管理暂行办法》第十四条: the driver
holds a licence of a class for passenger cars with three years of driving experience
(一), has no record of traffic-accident or dangerous-driving crimes, drugs or
drunk driving (二), and no violent crime (三). :func:`check_driver` applies it; the
transport handler runs it again before it mints.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Final

from issuers.catalogue.public_security import finds_no_record
from issuers.codes.gb11643 import make_resident_id
from wallet.bundles.handlers._common import (
    CHILD_ID_FACT,
    as_date,
    as_datetime,
    china_date,
    drawn,
    form_value,
    holder,
    outputs,
    reissue,
    supplied,
)
from wallet.bundles.handlers.base import ItemContext, ItemOutcome, Minter, Rejected

__all__ = ["birth_registration", "check_driver", "driver_background_check"]

_CHILD_RELATION: Final = {  # the parent's 与户主关系 -> the child's, by sex (1 男, 2 女)
    "户主": ("子", "女"), "配偶": ("子", "女"),
    "子": ("孙子", "孙女"), "儿媳": ("孙子", "孙女"),
    "女": ("外孙子", "外孙女"), "女婿": ("外孙子", "外孙女"),
}  # fmt: skip

# 准驾车型 that allow a 小型载客汽车 (公安部令第162号 准驾车型及代号).
PASSENGER_CAR_CLASSES: Final = frozenset({"A1", "A2", "A3", "B1", "B2", "C1", "C2"})
DRIVING_EXPERIENCE_YEARS: Final = 3


def _child_sequence(application_id: str, sex: int) -> int:
    """001-999, odd for a boy and even for a girl (GB 11643 §4.3), from the application."""
    base = drawn(application_id, "child_id_number", 499) + 1  # 1..499
    return base * 2 - 1 if sex == 1 else base * 2


def _child_relation(parent_relation: str, sex: int) -> str:
    pair = _CHILD_RELATION.get(parent_relation)
    return "其他" if pair is None else pair[0 if sex == 1 else 1]


def birth_registration(context: ItemContext, minter: Minter) -> ItemOutcome:
    targets = [(i, o) for i, o in outputs(context, "household_register") if o.mode == "reissue"]
    if len(targets) != 1:
        raise Rejected("not_configured", "出生登记须换发一本居民户口簿")
    index, output = targets[0]
    parent_id = holder(context, output.holder_role)
    _, birth = supplied(context, "birth_medical", "出生医学证明")
    parents = {birth.get("mother_id_number"), birth.get("father_id_number")}
    if parent_id not in parents:
        raise Rejected("not_a_parent", "落户的户口簿所属人不是出生医学证明记载的父亲或母亲")
    current = minter.current("household_register", parent_id)
    if current is None:
        raise Rejected("household_missing", "未找到落户一方有效的居民户口簿")
    identifier, register = current
    members: list[Mapping[str, Any]] = list(register.get("members", ()))
    parent = next((m for m in members if m.get("id_number") == parent_id), None)
    if parent is None:
        raise Rejected("not_a_member", "落户的父亲或母亲不在该户口簿上")

    born_at = as_datetime(
        context.form.get("child_birth_datetime") or birth.get("birth_datetime"), "出生时间"
    )
    born: date = china_date(born_at)
    sex = int(context.form.get("child_sex") or birth.get("child_sex") or 0)
    if sex not in (1, 2):
        raise Rejected("form_incomplete", "新生儿性别须为男或女")
    name = str(context.form.get("child_name") or form_value(context, "child_name", "新生儿姓名"))
    child_id = str(birth.get("child_id_number") or "") or make_resident_id(
        str(register["region_code"]), born, _child_sequence(context.application_id, sex)
    )
    if not any(m.get("id_number") == child_id for m in members):  # a retry added it already
        members.append(
            {"name": name, "sex": sex, "birth_date": born.isoformat(), "id_number": child_id,
             "relation": _child_relation(str(parent.get("relation")), sex)}
        )  # fmt: skip
    minted = reissue(context, minter, index, identifier, {**register, "members": members})
    return ItemOutcome(
        minted=(minted,),
        facts={CHILD_ID_FACT: child_id, "household_register": minted.identifier},
        note_zh=f"{name}已登记入户（{register.get('address', '')}），公民身份号码已编定，"
        f"居民户口簿换发为第{minted.version}版，原户口簿失效",
    )


def check_driver(context: ItemContext) -> tuple[str, Mapping[str, Any]]:
    """Apply 暂行办法 第十四条 to the supplied licence and record; returns the driver's
    role and licence claims. Refuses with the article named."""
    role, licence = supplied(context, "driving_licence", "机动车驾驶证")
    driver = holder(context, role)
    if licence.get("licence_number") not in (None, driver):
        raise Rejected("not_the_driver", "机动车驾驶证不是申请人本人的")
    today = china_date(context.now)
    valid_until = licence.get("licence_valid_until")
    if valid_until and as_date(valid_until, "驾驶证有效期") < today:
        raise Rejected("licence_expired", f"机动车驾驶证已过有效期（{valid_until}）")
    vehicle_class = licence.get("vehicle_class")
    if vehicle_class is not None and vehicle_class not in PASSENGER_CAR_CLASSES:
        raise Rejected(
            "licence_class", f"准驾车型{vehicle_class}不能驾驶小型载客汽车（暂行办法第十四条）"
        )
    first = as_date(
        licence.get("first_issue_date") or context.form.get("licence_first_issued"), "初次领证日期"
    )
    try:
        experienced_on = first.replace(year=first.year + DRIVING_EXPERIENCE_YEARS)
    except ValueError:  # 29 February
        experienced_on = first.replace(year=first.year + DRIVING_EXPERIENCE_YEARS, day=28)
    if today < experienced_on:
        raise Rejected(
            "driving_experience_short",
            f"驾龄不满3年（初次领证日期{first.isoformat()}，{experienced_on.isoformat()}起满3年），"
            "不符合《网络预约出租汽车经营服务管理暂行办法》第十四条第（一）项",
        )
    _, record = supplied(context, "no_criminal_record", "无犯罪记录证明")
    if record.get("id_number") not in (None, driver):
        raise Rejected("not_the_driver", "无犯罪记录证明不是申请人本人的")
    result = str(record.get("result_text") or context.form.get("record_result") or "")
    if not finds_no_record(result):
        raise Rejected(
            "criminal_record",
            f"犯罪记录查询结果为“{result}”，不符合《网络预约出租汽车经营服务管理暂行办法》"
            "第十四条第（二）（三）项",
        )
    return role, licence


def driver_background_check(context: ItemContext, minter: Minter) -> ItemOutcome:
    _, licence = check_driver(context)
    return ItemOutcome(
        facts={"driving_since": str(licence.get("first_issue_date", ""))},
        note_zh="驾龄满3年，准驾车型与无犯罪记录证明核查通过",
    )
