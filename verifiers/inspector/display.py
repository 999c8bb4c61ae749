"""Certificate fields for people to read: bilingual labels, readable values, masking.

Framework-free; shared by the inspector page and the web wallet. Field names are the
catalogue models' own (:mod:`issuers.catalogue`); codes are shown with their meaning
(性别 GB/T 2261.1, 民族 GB/T 3304, 行政区划 GB/T 2260).

Masking: a 公民身份号码 keeps its first four and last four characters
(``3101**********123X``). :func:`id_numbers_in` collects every resident ID number a
certificate carries (any ``*id_number`` field at any depth, and holder codes of that
shape); :func:`redact` then masks each of them wherever it appears in a value, so a
certificate number that repeats the holder's ID number is masked too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from issuers.catalogue import ETHNICITY_NAMES, SEX_NAMES
from issuers.codes import region_name

__all__ = [
    "ALGORITHM_LABELS",
    "FIELD_LABELS",
    "FieldRow",
    "algorithm_label",
    "field_rows",
    "id_numbers_in",
    "label_for",
    "mask_id_number",
    "redact",
]

# fmt: off
FIELD_LABELS: Final[Mapping[str, tuple[str, str]]] = {
    "name": ("姓名", "Name"),
    "sex": ("性别", "Sex"),
    "ethnicity": ("民族", "Ethnicity"),
    "birth_date": ("出生日期", "Date of birth"),
    "address": ("住址", "Address"),
    "id_number": ("公民身份号码", "ID number"),
    "issuing_authority": ("签发机关", "Issuing authority"),
    "household_number": ("户号", "Household number"),
    "household_type": ("户别", "Household type"),
    "region_code": ("行政区划", "Region"),
    "registration_authority": ("登记机关", "Registration authority"),
    "members": ("户内成员", "Members"),
    "relation": ("与户主关系", "Relation to head"),
    "certificate_number": ("证号", "Certificate number"),
    "registration_date": ("登记日期", "Registration date"),
    "party_a": ("甲方", "Party A"),
    "party_b": ("乙方", "Party B"),
    "nationality": ("国籍", "Nationality"),
    "child_name": ("新生儿姓名", "Child's name"),
    "child_sex": ("新生儿性别", "Child's sex"),
    "child_id_number": ("新生儿公民身份号码", "Child's ID number"),
    "birth_datetime": ("出生时间", "Time of birth"),
    "birth_region_code": ("出生地区划", "Region of birth"),
    "birth_place": ("出生地点", "Place of birth"),
    "gestational_weeks": ("出生孕周", "Gestational weeks"),
    "birth_weight_g": ("出生体重（克）", "Birth weight (g)"),
    "birth_length_cm": ("出生身长（厘米）", "Birth length (cm)"),
    "mother_name": ("母亲姓名", "Mother's name"),
    "mother_id_number": ("母亲公民身份号码", "Mother's ID number"),
    "father_name": ("父亲姓名", "Father's name"),
    "father_id_number": ("父亲公民身份号码", "Father's ID number"),
    "institution_name": ("助产机构", "Delivery institution"),
    "permit_number": ("许可证号", "Permit number"),
    "operator_name": ("业户名称", "Operator"),
    "operator_uscc": ("统一社会信用代码", "Unified social credit code"),
    "legal_representative": ("法定代表人", "Legal representative"),
    "business_scope": ("经营范围", "Business scope"),
    "service_region_code": ("服务地区", "Service region"),
    "service_region_codes": ("服务地区", "Service regions"),
    "driving_licence_class": ("准驾车型", "Licence class"),
    "first_issued_on": ("初次领证日期", "First issued on"),
    "child_birth_date": ("出生日期", "Child's date of birth"),
    "birth_certificate_number": ("出生医学证明编号", "Birth certificate number"),
    "guardians": ("监护人", "Guardians"),
    "relationship": ("与被监护人关系", "Relationship to ward"),
    "vaccination_unit": ("接种单位", "Vaccination unit"),
    "vaccination_unit_region_code": ("接种单位区划", "Vaccination unit's region"),
    "doses": ("接种记录", "Doses given"),
    "vaccine_name": ("疫苗名称", "Vaccine"),
    "dose_number": ("剂次", "Dose"),
    "date_given": ("接种日期", "Date given"),
    "social_security_number": ("社会保障号码", "Social security number"),
    "card_number": ("卡号", "Card number"),
    "issuing_region_code": ("发卡地区", "Issuing region"),
    "issue_date": ("发卡日期", "Issue date"),
    "bank_name": ("开户银行", "Bank"),
    "insurance_type": ("险种", "Insurance type"),
    "insured_region_code": ("参保地", "Insured region"),
    "enrolment_date": ("参保日期", "Enrolment date"),
    "coverage_year": ("待遇享受年度", "Coverage year"),
    "handling_agency": ("经办机构", "Handling agency"),
    "approval_number": ("核定编号", "Approval number"),
    "retirement_date": ("退休时间", "Retirement date"),
    "contribution_months": ("累计缴费月数", "Contribution months"),
    "monthly_pension_fen": ("月基本养老金（分）", "Monthly pension (fen)"),
    "employer_name": ("单位名称", "Employer"),
    "employer_uscc": ("单位统一社会信用代码", "Employer's credit code"),
    "approving_authority": ("核定机构", "Approving authority"),
    "licence_number": ("证号", "Licence number"),
    "first_issue_date": ("初次领证日期", "First issue date"),
    "vehicle_class": ("准驾车型", "Vehicle class"),
    "licence_valid_from": ("有效期起始日期", "Valid from"),
    "licence_valid_until": ("有效期限", "Valid until"),
    "file_number": ("档案编号", "File number"),
    "result_text": ("查询结果", "Result"),
    "purpose": ("用途", "Purpose"),
}
# fmt: on

# The signature algorithms by their JOSE names, as people call them: 国密 (national
# cryptography) is how an inspector in China knows SM2 with SM3 (GB/T 32918).
ALGORITHM_LABELS: Final[Mapping[str, str]] = {
    "SM2": "国密 SM2",
    "EdDSA": "Ed25519",
    "ES256": "ES256",
}

_SEX_EN: Final = {1: "male", 2: "female"}
_RESIDENT_ID = re.compile(r"[0-9]{17}[0-9X]")
_LIST_SEPARATOR = "、"


@dataclass(frozen=True, slots=True)
class FieldRow:
    """One line of a certificate's field table; ``value`` None is a group heading."""

    label_zh: str
    label_en: str
    value: str | None
    depth: int = 0


def label_for(name: str) -> tuple[str, str]:
    """The (Chinese, English) label of a field; an unknown field shows its own name."""
    return FIELD_LABELS.get(name, (name, name))


def algorithm_label(alg: str) -> str:
    """``国密 SM2``, ``Ed25519`` or ``ES256`` for a JOSE ``alg``; another shows as it is."""
    return ALGORITHM_LABELS.get(alg, alg)


def mask_id_number(number: str) -> str:
    """``31010419900315123X`` -> ``3101**********123X``; short strings are all stars."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def id_numbers_in(fields: Mapping[str, Any], holder_codes: Iterable[str] = ()) -> frozenset[str]:
    """Every 公民身份号码 in ``fields`` (``*id_number`` keys, any depth) and ``holder_codes``."""
    found = {code for code in holder_codes if _RESIDENT_ID.fullmatch(code)}

    def walk(value: Any, key: str) -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(v, str(k))
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item, key)
        elif isinstance(value, str) and key.endswith("id_number") and value:
            found.add(value.upper())

    walk(fields, "")
    return frozenset(found)


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every one of ``secrets`` in it masked by :func:`mask_id_number`."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:  # 公民身份号码 end in X or x alike: match either case
            text = re.sub(re.escape(secret), mask_id_number(secret), text, flags=re.IGNORECASE)
    return text


def _scalar(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "是 yes" if value else "否 no"
    if name.endswith("sex") and isinstance(value, int) and value in SEX_NAMES:
        return f"{SEX_NAMES[value]} {_SEX_EN[value]}"
    if name == "ethnicity" and isinstance(value, str) and value in ETHNICITY_NAMES:
        return ETHNICITY_NAMES[value]
    if name.endswith(("region_code", "region_codes")) and isinstance(value, str):
        known = region_name(value) if value.isdigit() and len(value) == 6 else None
        return f"{value} {known}" if known else value
    return str(value)


def field_rows(fields: Mapping[str, Any], masked: Iterable[str] = ()) -> list[FieldRow]:
    """The fields as table rows, nested parts under headings, ``masked`` values masked."""
    secrets = frozenset(masked)
    rows: list[FieldRow] = []

    def add(name: str, value: Any, depth: int, item: int | None = None) -> None:
        zh, en = label_for(name)
        if item is not None:
            zh, en = f"{zh}（{item}）", f"{en} #{item}"
        if value is None:
            return
        if isinstance(value, Mapping):
            rows.append(FieldRow(zh, en, None, depth))
            for key, inner in value.items():
                add(str(key), inner, depth + 1)
        elif isinstance(value, list | tuple) and any(isinstance(v, Mapping) for v in value):
            rows.append(FieldRow(zh, en, None, depth))
            for i, part in enumerate(value, start=1):
                add(name, part, depth + 1, i)
        elif isinstance(value, list | tuple):
            text = _LIST_SEPARATOR.join(_scalar(name, v) for v in value)
            rows.append(FieldRow(zh, en, redact(text, secrets), depth))
        else:
            rows.append(FieldRow(zh, en, redact(_scalar(name, value), secrets), depth))

    for key, value in fields.items():
        add(str(key), value, 0)
    return rows
