"""Human-resources and social-security certificates (人力资源和社会保障部).

* 社会保障卡 (social security card). 《中华人民共和国社会保险法》第五十八条: "个人社会保障
  号码为公民身份号码", so the 社会保障号码 is checked as a GB 11643 number. The 卡号
  printed on the card face is nine characters, a capital letter and eight digits (the
  form of the cards in circulation; 《社会保障卡规范》 itself is not public in full, so
  the letter is not checked against a table). The 发卡地区 is a GB/T 2260 code. The
  card is printed with a ten-year term. A minor's card names its guardians, who hold
  it with the child.
* 基本养老金核定 (retirement approval): the 社会保险经办机构's decision on the monthly
  basic pension. 《社会保险法》第十六条: a pension is paid monthly only after fifteen
  years (180 months) of contributions; the 2024 《国务院关于渐进式延迟法定退休年龄的
  办法》 raises that minimum from 2030 (:func:`minimum_contribution_months`). The
  核定编号 layout (region, year, six digits) is ours: no national standard fixes it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Final, Self

from pydantic import AfterValidator, Field, WithJsonSchema, model_validator

from issuers.catalogue._base import CertificateFields, CertificateType, DepartmentKind, years
from issuers.catalogue._guardians import Guardians, guardian_problem
from issuers.catalogue._text import ChineseName, OrganisationName
from issuers.catalogue._types import (
    RegionCode,
    ResidentId,
    SexCode,
    Uscc,
    field_error,
    region_prefixed_number,
    sex_disagreement,
)
from issuers.codes.gb32100 import make_uscc

# Placeholder: a synthetic but valid GB 32100 code standing in for 人力资源和社会保障部
# until the types are bound to their codes in the national e-licence catalogue.
MOHRSS_USCC: Final = make_uscc("11100000000000004")

CardNumber = Annotated[
    str,
    Field(pattern=r"^[A-Z][0-9]{8}$"),
    WithJsonSchema({"type": "string", "pattern": r"^[A-Z]\d{8}$", "description": "社会保障卡卡号"}),
]

_approval_number = region_prefixed_number(
    r"([0-9]{6})(?:19|20)[0-9]{2}[0-9]{6}",
    "核定编号 must be a six-digit region code, the year and six digits",
)

ApprovalNumber = Annotated[
    str,
    AfterValidator(_approval_number),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{16}$",
            "description": "基本养老金核定编号 (GB/T 2260 region + year + six digits)",
        }
    ),
]

STATUTORY_MINIMUM_MONTHS: Final = 180  # 社会保险法 第十六条: 累计缴费满十五年


def minimum_contribution_months(retirement_date: date) -> int:
    """The least contribution for a monthly pension on ``retirement_date``.

    国务院关于渐进式延迟法定退休年龄的办法 (2024): from 1 January 2030 the
    fifteen years rise by six months a year until they reach twenty years (2039).
    """
    raised = max(0, retirement_date.year - 2029) * 6
    return min(STATUTORY_MINIMUM_MONTHS + raised, 240)


class SocialSecurityCard(CertificateFields):
    """社会保障卡 (the face of the card)."""

    social_security_number: ResidentId  # 社会保障号码 = 公民身份号码
    name: ChineseName
    sex: SexCode
    card_number: CardNumber  # 卡号
    issuing_region_code: RegionCode  # 发卡地区
    issue_date: date  # 发卡日期
    bank_name: OrganisationName | None = None  # 金融账户的开户银行
    guardians: Guardians = ()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        error = sex_disagreement(self.social_security_number, self.sex) or guardian_problem(
            self.social_security_number, self.guardians
        )
        if error is not None:
            raise error
        return self

    def holder_codes(self) -> tuple[str, ...]:
        """The card holder, then a minor's guardians."""
        return (self.social_security_number, *(g.id_number for g in self.guardians))


class RetirementApproval(CertificateFields):
    """基本养老金核定表 (the approval of the monthly basic pension)."""

    approval_number: ApprovalNumber  # 核定编号
    name: ChineseName
    id_number: ResidentId
    sex: SexCode
    retirement_date: date  # 退休时间
    contribution_months: Annotated[int, Field(strict=True, ge=0, le=720)]  # 累计缴费月数
    monthly_pension_fen: Annotated[int, Field(strict=True, ge=1, le=10_000_000)]  # 月养老金 (分)
    employer_name: OrganisationName  # 退休前单位
    employer_uscc: Uscc
    approving_authority: OrganisationName  # 核定机构 (社会保险经办机构)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        error = sex_disagreement(self.id_number, self.sex)
        if error is not None:
            raise error
        minimum = minimum_contribution_months(self.retirement_date)
        if self.contribution_months < minimum:
            raise field_error(
                "contribution_months",
                "contribution_too_short",
                f"{self.contribution_months} months; a monthly pension on "
                f"{self.retirement_date} needs {minimum} (社会保险法 第十六条)",
            )
        return self

    def holder_codes(self) -> tuple[str, ...]:
        return (self.id_number,)


SOCIAL_SECURITY_CARD = CertificateType(
    slug="social_security_card",
    type_code=MOHRSS_USCC + "001",
    name_zh="社会保障卡",
    name_en="Social Security Card",
    department=DepartmentKind.HUMAN_RESOURCES_SOCIAL_SECURITY,
    default_validity=years(10),
    holder_kind="person",
    model=SocialSecurityCard,
)

RETIREMENT_APPROVAL = CertificateType(
    slug="retirement_approval",
    type_code=MOHRSS_USCC + "002",
    name_zh="基本养老金核定表",
    name_en="Basic Pension Approval",
    department=DepartmentKind.HUMAN_RESOURCES_SOCIAL_SECURITY,
    default_validity=None,
    holder_kind="person",
    model=RetirementApproval,
)
