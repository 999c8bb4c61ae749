"""Public-security certificates beside the identity ones (公安部; identity.py has those).

* 机动车驾驶证 (driving licence), GA 482 《中华人民共和国机动车驾驶证件》 and
  《机动车驾驶证申领和使用规定》(公安部令第162号): the 证号 is the holder's 公民身份号码,
  the 档案编号 twelve digits, the 准驾车型 one of the codes of 令第162号, the term six
  years, then ten, then 长期, printed as 有效期限 from and until. The applicant must
  be 18 or older for every class this catalogue lists (令第162号 申请年龄条件).
* 无犯罪记录证明 (no-criminal-record certificate), 《公安机关办理犯罪记录查询工作规定》
  (公通字〔2021〕19号). Its 编号 differs by province and is kept as printed. It has no
  legal term; the three months here are the common acceptance period of the units
  that ask for it (a province that prints another passes its own end date).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Final, Literal, Self

from pydantic import Field, model_validator

from issuers.catalogue._base import CertificateFields, CertificateType, DepartmentKind, age_on
from issuers.catalogue._text import Address, ChineseName, OrganisationName, PrintedNumber, ShortText
from issuers.catalogue._types import ResidentId, SexCode, field_error, id_agreement_error
from issuers.catalogue.identity import MPS_USCC

# 准驾车型 (公安部令第162号 附件: 准驾车型及代号).
DrivingClass = Literal[
    "A1", "A2", "A3", "B1", "B2", "C1", "C2", "C3", "C4", "C5", "C6",
    "D", "E", "F", "M", "N", "P",
]  # fmt: skip

MINIMUM_DRIVING_AGE: Final = 18

# The 无犯罪记录证明's finding, as the 2021 rules word it: a certificate is issued only
# when nothing is found; a found record gets a 告知 instead, never this certificate.
NO_RECORD_FOUND: Final = "未发现有犯罪记录"


class DrivingLicence(CertificateFields):
    """机动车驾驶证 (the main page, 正页)."""

    licence_number: ResidentId  # 证号 = 公民身份号码
    name: ChineseName
    sex: SexCode
    birth_date: date
    address: Address
    first_issue_date: date  # 初次领证日期
    vehicle_class: DrivingClass  # 准驾车型
    licence_valid_from: date  # 有效期限 起始
    licence_valid_until: date | None = None  # 有效期限 截止; None: 长期
    file_number: Annotated[str, Field(pattern=r"^[0-9]{12}$")]  # 档案编号
    issuing_authority: OrganisationName  # 发证机关, e.g. 上海市公安局交通警察总队

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        error = id_agreement_error(self.licence_number, self.sex, self.birth_date)
        if error is not None:
            raise error
        age = age_on(self.birth_date, self.first_issue_date)
        if age < MINIMUM_DRIVING_AGE:
            raise field_error(
                "first_issue_date",
                "under_driving_age",
                f"the holder was {age} when first licensed; 令第162号 requires "
                f"{MINIMUM_DRIVING_AGE}",
            )
        if self.licence_valid_from < self.first_issue_date:
            raise field_error(
                "licence_valid_from", "before_first_issue", "有效期限 starts before 初次领证日期"
            )
        until = self.licence_valid_until
        if until is not None and until <= self.licence_valid_from:
            raise field_error(
                "licence_valid_until", "empty_validity", "有效期限 ends before it starts"
            )
        return self

    def holder_codes(self) -> tuple[str, ...]:
        return (self.licence_number,)

    def valid_until(self, valid_from: date, default_validity: timedelta | None) -> date | None:
        """The electronic licence ends when the printed 有效期限 does (None: 长期)."""
        return self.licence_valid_until


class NoCriminalRecord(CertificateFields):
    """无犯罪记录证明."""

    certificate_number: PrintedNumber  # 编号, as printed
    name: ChineseName
    id_number: ResidentId
    result_text: ShortText  # 查询结果, e.g. 经查询，未发现有犯罪记录
    purpose: ShortText  # 用途, e.g. 申请网络预约出租汽车驾驶员证
    issuing_authority: OrganisationName  # 出具机关, e.g. 上海市公安局徐汇分局示范路派出所

    def holder_codes(self) -> tuple[str, ...]:
        return (self.id_number,)


def finds_no_record(result_text: str) -> bool:
    """True when the 查询结果 says nothing was found (``未发现有犯罪记录``)."""
    return NO_RECORD_FOUND in result_text


DRIVING_LICENCE = CertificateType(
    slug="driving_licence",
    type_code=MPS_USCC + "003",
    name_zh="机动车驾驶证",
    name_en="Motor Vehicle Driving Licence",
    department=DepartmentKind.PUBLIC_SECURITY,
    default_validity=None,  # DrivingLicence.valid_until: the printed 有效期限
    holder_kind="person",
    model=DrivingLicence,
)

NO_CRIMINAL_RECORD = CertificateType(
    slug="no_criminal_record",
    type_code=MPS_USCC + "004",
    name_zh="无犯罪记录证明",
    name_en="No Criminal Record Certificate",
    department=DepartmentKind.PUBLIC_SECURITY,
    default_validity=timedelta(days=90),
    holder_kind="person",
    model=NoCriminalRecord,
)
