"""Healthcare-security certificates (国家医疗保障局).

* 医保参保凭证 (medical-insurance enrolment certificate): the 医疗保障经办机构's proof
  that a person is insured, by insurance type (《中华人民共和国社会保险法》第二十三条
  职工基本医疗保险, 第二十五条 城乡居民基本医疗保险), in an 统筹区 (a GB/T 2260 code),
  for a coverage year. 城乡居民医保 runs by calendar year (its 集中参保缴费期 pays for
  the next year), so the certificate is valid until 31 December of the coverage year. A
  newborn enrolled in its birth year is covered from birth (《国务院办公厅关于健全基本医疗
  保险参保长效机制的指导意见》 国办发〔2024〕38号: 新生儿出生后90天内参保的，自出生之日
  起享受待遇); its guardians hold the certificate with it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Final, Literal, Self

from pydantic import Field, model_validator

from issuers.catalogue._base import CertificateFields, CertificateType, DepartmentKind
from issuers.catalogue._guardians import Guardians, guardian_problem
from issuers.catalogue._text import ChineseName, OrganisationName
from issuers.catalogue._types import RegionCode, ResidentId, field_error
from issuers.codes.gb32100 import make_uscc

# Placeholder: a synthetic but valid GB 32100 code standing in for 国家医疗保障局 until
# the type is bound to its code in the national e-licence catalogue.
NHSA_USCC: Final = make_uscc("11100000000000005")

InsuranceType = Literal["城乡居民基本医疗保险", "职工基本医疗保险"]


class MedicalInsuranceEnrolment(CertificateFields):
    """医保参保凭证."""

    name: ChineseName  # 参保人姓名
    id_number: ResidentId
    insurance_type: InsuranceType  # 险种
    insured_region_code: RegionCode  # 参保地 (统筹区)
    enrolment_date: date  # 参保日期
    coverage_year: Annotated[int, Field(strict=True, ge=1998, le=2999)]  # 待遇享受年度
    handling_agency: OrganisationName  # 经办机构
    guardians: Guardians = ()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        error = guardian_problem(self.id_number, self.guardians)
        if error is not None:
            raise error
        if self.coverage_year < self.enrolment_date.year:
            raise field_error(
                "coverage_year", "coverage_before_enrolment", "待遇享受年度 is before 参保日期"
            )
        return self

    def holder_codes(self) -> tuple[str, ...]:
        """The insured, then a minor's guardians."""
        return (self.id_number, *(g.id_number for g in self.guardians))

    def valid_until(self, valid_from: date, default_validity: timedelta | None) -> date | None:
        """The end of the coverage year."""
        return date(self.coverage_year, 12, 31)


MEDICAL_INSURANCE = CertificateType(
    slug="medical_insurance",
    type_code=NHSA_USCC + "001",
    name_zh="医保参保凭证",
    name_en="Medical Insurance Enrolment Certificate",
    department=DepartmentKind.HEALTHCARE_SECURITY,
    default_validity=None,  # MedicalInsuranceEnrolment.valid_until: the coverage year
    holder_kind="person",
    model=MedicalInsuranceEnrolment,
)
