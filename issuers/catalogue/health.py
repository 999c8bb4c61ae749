"""Health certificates (国家卫生健康委员会).

* 出生医学证明 (birth medical certificate), issued by the 助产机构 under
  《中华人民共和国母婴保健法》第二十三条. The 出生医学证明编号 is one letter and nine digits.
* 预防接种证 (vaccination certificate), 《中华人民共和国疫苗管理法》第四十七条 ("国家对儿童
  实行预防接种证制度。在儿童出生后一个月内，其监护人应当到儿童居住地承担预防接种工作的
  接种单位或者出生医院为其办理预防接种证"). A newborn gets it before its 公民身份号码, so
  the child's number is optional and the guardians hold it; the 出生医学证明编号 ties it to
  the child. No national standard fixes the 接种证编号: we use the 儿童编码 layout of the
  provincial 免疫规划信息系统, the county's GB/T 2260 code and twelve digits.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Final, Self

from pydantic import AfterValidator, AwareDatetime, Field, WithJsonSchema, model_validator

from issuers.catalogue._base import CertificateFields, CertificateType, DepartmentKind, Record
from issuers.catalogue._guardians import Guardian, guardian_problem
from issuers.catalogue._text import ChineseName, OrganisationName, ShortText
from issuers.catalogue._types import (
    RegionCode,
    ResidentId,
    SexCode,
    code_error,
    field_error,
    id_agreement_error,
    region_prefixed_number,
    sex_disagreement,
)
from issuers.clock import CHINA_STANDARD_TIME
from issuers.codes.gb32100 import make_uscc
from issuers.errors import InvalidCode

# Placeholder: a synthetic but valid GB 32100 code standing in for 国家卫生健康委员会
# until the type is bound to its code in the national e-licence catalogue.
NHC_USCC: Final = make_uscc("11100000000000002")

_BIRTH_NUMBER = re.compile(r"[A-Z][0-9]{9}")


def _birth_number(value: str) -> str:
    if not _BIRTH_NUMBER.fullmatch(value):
        raise code_error(
            InvalidCode("出生医学证明编号 must be an upper-case letter and nine digits")
        )
    return value


BirthCertificateNumber = Annotated[
    str,
    AfterValidator(_birth_number),
    WithJsonSchema(
        {"type": "string", "pattern": r"^[A-Z]\d{9}$", "description": "出生医学证明编号"}
    ),
]


class BirthMedicalCertificate(CertificateFields):
    """出生医学证明."""

    certificate_number: BirthCertificateNumber
    child_name: ChineseName
    child_sex: SexCode
    birth_datetime: AwareDatetime  # 出生时间, with its offset
    birth_region_code: RegionCode  # 出生地点 (行政区划)
    birth_place: ShortText  # 出生地点 as printed
    gestational_weeks: Annotated[int, Field(strict=True, ge=20, le=45)]  # 出生孕周
    birth_weight_g: Annotated[int, Field(strict=True, ge=300, le=7000)]  # 出生体重 (克)
    birth_length_cm: Annotated[int, Field(strict=True, ge=20, le=70)]  # 出生身长 (厘米)
    mother_name: ChineseName
    mother_id_number: ResidentId
    father_name: ChineseName | None = None
    father_id_number: ResidentId | None = None
    institution_name: OrganisationName  # 助产机构名称
    child_id_number: ResidentId | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.father_name is None) != (self.father_id_number is None):
            missing = "father_id_number" if self.father_id_number is None else "father_name"
            raise field_error(
                missing,
                "father_incomplete",
                "give both the father's name and ID number, or neither",
            )
        error = sex_disagreement(self.mother_id_number, 2, field="mother_id_number")
        if error is None and self.father_id_number is not None:
            error = sex_disagreement(self.father_id_number, 1, field="father_id_number")
        if error is None and self.child_id_number is not None:
            try:
                # The birth date in a 公民身份号码 is the date in China Standard Time.
                born = self.birth_datetime.astimezone(CHINA_STANDARD_TIME).date()
            except OverflowError:  # 9999-12-31T23:00-08:00 has no date in Beijing
                raise field_error(
                    "birth_datetime", "datetime_out_of_range", "出生时间 is out of range"
                ) from None
            error = id_agreement_error(
                self.child_id_number,
                self.child_sex,
                born,
                sex_field="child_sex",
                birth_field="birth_datetime",
            )
        if error is not None:
            raise error
        ids = [i for i in (self.child_id_number, self.mother_id_number, self.father_id_number) if i]
        if len(set(ids)) != len(ids):
            raise field_error(
                "mother_id_number",
                "duplicate_person",
                "child, mother and father must have different 公民身份号码",
            )
        return self

    def holder_codes(self) -> tuple[str, ...]:
        """The child (once it has an ID number), then the mother, then the father."""
        codes = (self.child_id_number, self.mother_id_number, self.father_id_number)
        return tuple(code for code in codes if code is not None)


BIRTH_MEDICAL = CertificateType(
    slug="birth_medical",
    type_code=NHC_USCC + "001",
    name_zh="出生医学证明",
    name_en="Birth Medical Certificate",
    department=DepartmentKind.HEALTH,
    default_validity=None,
    holder_kind="person",
    model=BirthMedicalCertificate,
)


_vaccination_number = region_prefixed_number(
    r"([0-9]{6})[0-9]{12}",
    "预防接种证编号 must be the county's six-digit region code and twelve digits",
)

VaccinationNumber = Annotated[
    str,
    AfterValidator(_vaccination_number),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{18}$",
            "description": "预防接种证编号 (儿童编码: GB/T 2260 county code + 12 digits)",
        }
    ),
]


class VaccineDose(Record):
    """One dose given (预防接种记录)."""

    vaccine_name: ShortText  # 疫苗名称, e.g. 乙肝疫苗, 卡介苗
    dose_number: Annotated[int, Field(strict=True, ge=1, le=10)]  # 剂次
    date_given: date  # 接种日期


class VaccinationCertificate(CertificateFields):
    """预防接种证: the child, its guardians, the unit and the doses given so far."""

    certificate_number: VaccinationNumber
    child_name: ChineseName
    child_sex: SexCode
    child_birth_date: date
    birth_certificate_number: BirthCertificateNumber  # 出生医学证明编号
    guardians: Annotated[tuple[Guardian, ...], Field(min_length=1, max_length=2)]
    vaccination_unit: OrganisationName  # 接种单位
    vaccination_unit_region_code: RegionCode
    doses: Annotated[tuple[VaccineDose, ...], Field(max_length=40)] = ()
    child_id_number: ResidentId | None = None  # a newborn may not have one yet

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        error = guardian_problem(self.child_id_number, self.guardians)
        if error is None and self.child_id_number is not None:
            error = id_agreement_error(
                self.child_id_number,
                self.child_sex,
                self.child_birth_date,
                sex_field="child_sex",
                birth_field="child_birth_date",
            )
        if error is not None:
            raise error
        for i, dose in enumerate(self.doses):
            if dose.date_given < self.child_birth_date:
                raise field_error(
                    f"doses.{i}.date_given",
                    "before_birth",
                    "接种日期 is before the child's birth date",
                )
        return self

    def holder_codes(self) -> tuple[str, ...]:
        """The child (once it has an ID number), then its guardians."""
        child = () if self.child_id_number is None else (self.child_id_number,)
        return (*child, *(g.id_number for g in self.guardians))


VACCINATION = CertificateType(
    slug="vaccination",
    type_code=NHC_USCC + "002",
    name_zh="预防接种证",
    name_en="Vaccination Certificate",
    department=DepartmentKind.HEALTH,
    default_validity=None,
    holder_kind="person",
    model=VaccinationCertificate,
)
