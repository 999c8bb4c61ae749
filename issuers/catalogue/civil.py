"""Civil-affairs certificates (民政部).

* 结婚证 (marriage certificate). Legal age: 《中华人民共和国民法典》第一千零四十七条
  "结婚年龄，男不得早于二十二周岁，女不得早于二十周岁。"
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Final, Self

from pydantic import AfterValidator, WithJsonSchema, model_validator

from issuers.catalogue._base import (
    CertificateFields,
    CertificateType,
    DepartmentKind,
    Record,
    age_on,
)
from issuers.catalogue._text import ChineseName, OrganisationName, ShortText
from issuers.catalogue._types import (
    ResidentId,
    SexCode,
    field_error,
    id_agreement_error,
    region_prefixed_number,
)
from issuers.codes.gb32100 import make_uscc

# Placeholder: a synthetic but valid GB 32100 code standing in for 民政部 until the
# type is bound to its code in the national e-licence catalogue.
MCA_USCC: Final = make_uscc("11100000000000001")

# 民法典 第一千零四十七条, by GB/T 2261.1 sex code.
LEGAL_MARRIAGE_AGE: Final = {1: 22, 2: 20}

_marriage_number = region_prefixed_number(
    r"J([0-9]{6})-([0-9]{4})-([0-9]{6})",
    "结婚证字号 must be J, a region code, the year and six digits",
)


MarriageNumber = Annotated[
    str,
    AfterValidator(_marriage_number),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^J\d{6}-\d{4}-\d{6}$",
            "description": "结婚证字号, e.g. J310101-2024-000123",
        }
    ),
]


class MarriageParty(Record):
    """One spouse as printed on the certificate (持证人 and the other party)."""

    name: ChineseName
    sex: SexCode
    id_number: ResidentId
    birth_date: date
    nationality: ShortText = "中国"  # 国籍

    @model_validator(mode="after")
    def _agrees_with_id_number(self) -> Self:
        error = id_agreement_error(self.id_number, self.sex, self.birth_date)
        if error is not None:
            raise error
        return self


class MarriageCertificate(CertificateFields):
    """结婚证."""

    certificate_number: MarriageNumber  # 结婚证字号
    registration_date: date  # 登记日期
    registration_authority: OrganisationName  # 登记机关
    party_a: MarriageParty
    party_b: MarriageParty

    @model_validator(mode="after")
    def _two_adults(self) -> Self:
        if self.party_a.id_number == self.party_b.id_number:
            raise field_error(
                "party_b.id_number", "duplicate_party", "the two parties have the same 公民身份号码"
            )
        for label, party in (("party_a", self.party_a), ("party_b", self.party_b)):
            minimum = LEGAL_MARRIAGE_AGE[party.sex]
            age = age_on(party.birth_date, self.registration_date)
            if age < minimum:
                raise field_error(
                    f"{label}.birth_date",
                    "under_legal_age",
                    f"{label} was {age} on the registration date; 民法典 第一千零四十七条 "
                    f"requires {minimum}",
                )
        return self

    def holder_codes(self) -> tuple[str, ...]:
        return (self.party_a.id_number, self.party_b.id_number)


MARRIAGE = CertificateType(
    slug="marriage",
    type_code=MCA_USCC + "001",
    name_zh="结婚证",
    name_en="Marriage Certificate",
    department=DepartmentKind.CIVIL_AFFAIRS,
    default_validity=None,
    holder_kind="person",
    model=MarriageCertificate,
)
