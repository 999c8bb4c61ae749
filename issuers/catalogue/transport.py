"""Transport permits and certificates (交通运输部).

* 道路运输经营许可证 (road transport operation permit), 《中华人民共和国道路运输条例》.
* 网络预约出租汽车经营许可证 and 网络预约出租汽车驾驶员证, 《网络预约出租汽车经营服务管理
  暂行办法》 (交通运输部令).

Default terms: four years for both permits, six for the driver certificate. A province
that prints other terms passes its own end date when it mints.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Final, Literal, Self

from pydantic import AfterValidator, Field, WithJsonSchema, model_validator

from issuers.catalogue._base import CertificateFields, CertificateType, DepartmentKind, years
from issuers.catalogue._text import Address, ChineseName, OrganisationName, PrintedNumber, ShortText
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

# Placeholder: a synthetic but valid GB 32100 code standing in for 交通运输部 until
# the types are bound to their codes in the national e-licence catalogue.
MOT_USCC: Final = make_uscc("11100000000000003")

_road_permit_number = region_prefixed_number(
    r"([0-9]{6})[0-9]{6}",
    "道路运输经营许可证号 must be a six-digit region code and six digits",
)


RoadPermitNumber = Annotated[
    str,
    AfterValidator(_road_permit_number),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{12}$",
            "description": "道路运输经营许可证号 (the common 12-digit 字号: "
            "GB/T 2260 region code of the licensing office + six-digit serial)",
        }
    ),
]
"""The common 12-digit form of the permit 字号, e.g. ``330100000123`` printed as
``浙交运管许可杭字330100000123号``: the licensing office's region code and a serial."""

PermitNumber = PrintedNumber
"""A permit or certificate number whose form varies by province (kept as printed)."""

# 准驾车型 (公安部令第162号 机动车驾驶证申领和使用规定) that allow driving a 小型载客汽车.
LicenceClass = Literal["A1", "A2", "A3", "B1", "B2", "C1", "C2"]


class RoadTransportPermit(CertificateFields):
    """道路运输经营许可证."""

    permit_number: RoadPermitNumber  # 许可证字号
    operator_name: OrganisationName  # 业户名称
    operator_uscc: Uscc  # the holder
    legal_representative: ChineseName  # 法定代表人
    address: Address
    region_code: RegionCode
    business_scope: Annotated[tuple[ShortText, ...], Field(min_length=1, max_length=10)]
    issuing_authority: OrganisationName  # 发证机关

    def holder_codes(self) -> tuple[str, ...]:
        return (self.operator_uscc,)


class RideHailingPermit(CertificateFields):
    """网络预约出租汽车经营许可证."""

    permit_number: PermitNumber
    operator_name: OrganisationName
    operator_uscc: Uscc
    address: Address
    service_region_codes: Annotated[tuple[RegionCode, ...], Field(min_length=1, max_length=20)]
    issuing_authority: OrganisationName

    @model_validator(mode="after")
    def _distinct_regions(self) -> Self:
        seen: set[str] = set()
        for i, code in enumerate(self.service_region_codes):
            if code in seen:
                raise field_error(
                    f"service_region_codes.{i}", "duplicate_region", f"{code} is listed twice"
                )
            seen.add(code)
        return self

    def holder_codes(self) -> tuple[str, ...]:
        return (self.operator_uscc,)


class RideHailingDriverCertificate(CertificateFields):
    """网络预约出租汽车驾驶员证."""

    certificate_number: PermitNumber
    name: ChineseName
    sex: SexCode
    id_number: ResidentId
    driving_licence_class: LicenceClass  # 准驾车型
    service_region_code: RegionCode
    issuing_authority: OrganisationName
    first_issued_on: date  # 初次领证日期

    @model_validator(mode="after")
    def _agrees_with_id_number(self) -> Self:
        error = sex_disagreement(self.id_number, self.sex)
        if error is not None:
            raise error
        return self

    def holder_codes(self) -> tuple[str, ...]:
        return (self.id_number,)


ROAD_TRANSPORT_PERMIT = CertificateType(
    slug="road_transport_permit",
    type_code=MOT_USCC + "001",
    name_zh="道路运输经营许可证",
    name_en="Road Transport Operation Permit",
    department=DepartmentKind.TRANSPORT,
    default_validity=years(4),
    holder_kind="organisation",
    model=RoadTransportPermit,
)

RIDE_HAILING_PERMIT = CertificateType(
    slug="ride_hailing_permit",
    type_code=MOT_USCC + "002",
    name_zh="网络预约出租汽车经营许可证",
    name_en="Ride-hailing Operation Permit",
    department=DepartmentKind.TRANSPORT,
    default_validity=years(4),
    holder_kind="organisation",
    model=RideHailingPermit,
)

RIDE_HAILING_DRIVER = CertificateType(
    slug="ride_hailing_driver",
    type_code=MOT_USCC + "003",
    name_zh="网络预约出租汽车驾驶员证",
    name_en="Ride-hailing Driver Certificate",
    department=DepartmentKind.TRANSPORT,
    default_validity=years(6),
    holder_kind="person",
    model=RideHailingDriverCertificate,
)
