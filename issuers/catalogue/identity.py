"""Identity certificates defined by 公安部 (Ministry of Public Security).

* 居民身份证 (resident identity card): GB 11643 number; validity per
  《中华人民共和国居民身份证法》第五条.
* 居民户口簿 (household register): one page per member, one 户主.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from issuers.catalogue._base import (
    CertificateFields,
    CertificateType,
    DepartmentKind,
    Record,
    add_years,
    age_on,
    years,
)
from issuers.catalogue._text import Address, ChineseName, OrganisationName
from issuers.catalogue._types import (
    EthnicityCode,
    RegionCode,
    ResidentId,
    SexCode,
    field_error,
    id_agreement_error,
)
from issuers.errors import InvalidInput

# 公安部's real unified social credit code: the defining department of both types.
MPS_USCC = "11100000000013338W"


class ResidentIdCard(CertificateFields):
    """居民身份证: the face and back of the card."""

    name: ChineseName
    sex: SexCode
    ethnicity: EthnicityCode
    birth_date: date
    address: Address
    id_number: ResidentId
    issuing_authority: OrganisationName  # 签发机关

    @model_validator(mode="after")
    def _agrees_with_id_number(self) -> Self:
        error = id_agreement_error(self.id_number, self.sex, self.birth_date)
        if error is not None:
            raise error
        return self

    def holder_codes(self) -> tuple[str, ...]:
        return (self.id_number,)

    def valid_until(self, valid_from: date, default_validity: timedelta | None) -> date | None:
        """居民身份证法 第五条: the term follows the holder's age on the issue date.

        Under 16: 5 years; 16-25: 10 years; 26-45: 20 years; 46 and over: 长期.
        """
        age = age_on(self.birth_date, valid_from)
        if age < 0:
            raise InvalidInput("valid_from is before the holder's birth date", field="valid_from")
        if age < 16:
            return add_years(valid_from, 5)
        if age <= 25:
            return add_years(valid_from, 10)
        if age <= 45:
            return add_years(valid_from, 20)
        return None


# 与户主关系, the common entries of GB/T 4761 家庭关系代码 by name.
Relation = Literal[
    "户主", "配偶", "子", "女", "儿媳", "女婿", "孙子", "孙女", "外孙子", "外孙女",
    "父亲", "母亲", "祖父", "祖母", "外祖父", "外祖母", "兄", "弟", "姐", "妹", "其他",
]  # fmt: skip

HEAD: Relation = "户主"


class HouseholdMember(Record):
    """One member's page (常住人口登记卡) of a household register."""

    name: ChineseName
    sex: SexCode
    birth_date: date
    id_number: ResidentId
    relation: Relation  # 与户主关系

    @model_validator(mode="after")
    def _agrees_with_id_number(self) -> Self:
        error = id_agreement_error(self.id_number, self.sex, self.birth_date)
        if error is not None:
            raise error
        return self


class HouseholdRegister(CertificateFields):
    """居民户口簿: the household page plus one page per member."""

    household_number: Annotated[str, Field(pattern=r"^[0-9]{9}$")]  # 户号
    household_type: Literal["家庭户", "集体户"]  # 户别
    address: Address  # 住址
    region_code: RegionCode
    registration_authority: OrganisationName  # 户口登记机关
    # Any real household: past about ten members it no longer fits a QR code and is
    # minted without one, shared as an SD-JWT VC (issue 10); the bound keeps it sane.
    members: Annotated[tuple[HouseholdMember, ...], Field(min_length=1, max_length=100)]

    @model_validator(mode="after")
    def _one_head_distinct_members(self) -> Self:
        heads = sum(1 for m in self.members if m.relation == HEAD)
        if heads != 1:
            raise field_error(
                "members", "head_count", f"a household register has exactly one 户主, not {heads}"
            )
        first_seen: dict[str, int] = {}
        for i, member in enumerate(self.members):
            earlier = first_seen.setdefault(member.id_number, i)
            if earlier != i:
                raise field_error(
                    f"members.{i}.id_number",
                    "duplicate_member",
                    f"公民身份号码 already listed for member {earlier}",
                )
        return self

    def holder_codes(self) -> tuple[str, ...]:
        """The 户主 first, then the other members in register order."""
        head = next(m.id_number for m in self.members if m.relation == HEAD)
        return (head, *(m.id_number for m in self.members if m.relation != HEAD))


RESIDENT_ID = CertificateType(
    slug="resident_id",
    type_code=MPS_USCC + "001",
    name_zh="居民身份证",
    name_en="Resident Identity Card",
    department=DepartmentKind.PUBLIC_SECURITY,
    default_validity=years(20),  # the adult default; ResidentIdCard.valid_until decides
    holder_kind="person",
    model=ResidentIdCard,
    shows_id_number=True,
)

HOUSEHOLD_REGISTER = CertificateType(
    slug="household_register",
    type_code=MPS_USCC + "002",
    name_zh="居民户口簿",
    name_en="Household Register",
    department=DepartmentKind.PUBLIC_SECURITY,
    default_validity=None,
    holder_kind="person",
    model=HouseholdRegister,
)
