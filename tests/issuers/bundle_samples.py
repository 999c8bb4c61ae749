"""Sample fields of the certificate types the bundles added (issue 11), one family.

林小龙 and 周敏 have a daughter, 林小雨, born 2026-10-28 in 闵行 (synthetic people:
every ID number comes from ``make_resident_id``). 陈强 is a ride-hailing driver and
周建国 retires.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from issuers.codes import make_resident_id, make_uscc

FATHER = make_resident_id("310112", date(1993, 4, 12), 31)  # 林小龙, odd: male
MOTHER = make_resident_id("320582", date(1995, 9, 3), 42)  # 周敏, even: female
CHILD_BORN = date(2026, 10, 28)
CHILD = make_resident_id("310112", CHILD_BORN, 18)  # 林小雨, even: female
DRIVER = make_resident_id("330102", date(1978, 1, 30), 517)  # 陈强
RETIREE = make_resident_id("310104", date(1966, 2, 1), 35)  # 周建国, male
EMPLOYER_USCC = make_uscc("91310104MA1K00001")


def guardians() -> list[dict[str, Any]]:
    return [
        {"name": "林小龙", "id_number": FATHER, "relationship": "父亲"},
        {"name": "周敏", "id_number": MOTHER, "relationship": "母亲"},
    ]


def vaccination(child_id: str | None = None) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "certificate_number": "310112202600012345", "child_name": "林小雨", "child_sex": 2,
        "child_birth_date": "2026-10-28", "birth_certificate_number": "Q320012345",
        "guardians": guardians(), "vaccination_unit": "上海市闵行区示范社区卫生服务中心",
        "vaccination_unit_region_code": "310112",
        "doses": [
            {"vaccine_name": "乙肝疫苗", "dose_number": 1, "date_given": "2026-10-28"},
            {"vaccine_name": "卡介苗", "dose_number": 1, "date_given": "2026-10-28"},
        ],
    }  # fmt: skip
    if child_id is not None:
        fields["child_id_number"] = child_id
    return fields


def social_security_card() -> dict[str, Any]:
    return {
        "social_security_number": CHILD, "name": "林小雨", "sex": 2,
        "card_number": "M31012345", "issuing_region_code": "310000",
        "issue_date": "2026-11-02", "bank_name": "中国工商银行上海市分行",
        "guardians": guardians(),
    }  # fmt: skip


def medical_insurance() -> dict[str, Any]:
    return {
        "name": "林小雨", "id_number": CHILD, "insurance_type": "城乡居民基本医疗保险",
        "insured_region_code": "310112", "enrolment_date": "2026-11-01", "coverage_year": 2026,
        "handling_agency": "上海市闵行区医疗保险事业管理中心", "guardians": guardians(),
    }  # fmt: skip


def retirement_approval() -> dict[str, Any]:
    return {
        "approval_number": "3101042026000123", "name": "周建国", "id_number": RETIREE,
        "sex": 1, "retirement_date": "2026-11-01", "contribution_months": 420,
        "monthly_pension_fen": 612_345, "employer_name": "上海示范机械有限公司",
        "employer_uscc": EMPLOYER_USCC, "approving_authority": "上海市社会保险事业管理中心",
    }  # fmt: skip


def driving_licence(first_issue: str = "2015-06-01") -> dict[str, Any]:
    return {
        "licence_number": DRIVER, "name": "陈强", "sex": 1, "birth_date": "1978-01-30",
        "address": "浙江省杭州市上城区样例路9号", "first_issue_date": first_issue,
        "vehicle_class": "C1", "licence_valid_from": "2021-06-01",
        "file_number": "330100123456", "issuing_authority": "杭州市公安局交通警察支队",
    }  # fmt: skip


def no_criminal_record(result: str = "经查询，未发现有犯罪记录") -> dict[str, Any]:
    return {
        "certificate_number": "浙公(上)无犯证字〔2026〕第001234号", "name": "陈强",
        "id_number": DRIVER, "result_text": result, "purpose": "申请网络预约出租汽车驾驶员证",
        "issuing_authority": "杭州市公安局上城区分局",
    }  # fmt: skip


NEW_SAMPLES = {
    "vaccination": vaccination,
    "social_security_card": social_security_card,
    "medical_insurance": medical_insurance,
    "retirement_approval": retirement_approval,
    "driving_licence": driving_licence,
    "no_criminal_record": no_criminal_record,
}

# The demo issuers of the bundles' outputs (samples/issuers.json).
ISSUER_OF = {
    "vaccination": "12310112000000011N",  # 上海市闵行区疾病预防控制中心
    "social_security_card": "113100000000000090",  # 上海市人力资源和社会保障局
    "medical_insurance": "11310000000000008W",  # 上海市医疗保障局
    "retirement_approval": "113100000000000090",
    "driving_licence": "11330000000000013N",  # 浙江省公安厅
    "no_criminal_record": "11330000000000013N",
}
