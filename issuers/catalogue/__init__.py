"""Certificate catalogue: each type's codes, names, department, validity and schema.

=======================  ============================  ===============  ============
slug                     name                          department       validity
=======================  ============================  ===============  ============
resident_id              居民身份证                    public_security  by age
household_register       居民户口簿                    public_security  长期
marriage                 结婚证                        civil_affairs    长期
birth_medical            出生医学证明                  health           长期
road_transport_permit    道路运输经营许可证            transport        4 years
ride_hailing_permit      网络预约出租汽车经营许可证    transport        4 years
ride_hailing_driver      网络预约出租汽车驾驶员证      transport        6 years
vaccination              预防接种证                    health           长期
social_security_card     社会保障卡                    human_resources  10 years
medical_insurance        医保参保凭证                  healthcare_sec.  coverage year
retirement_approval      基本养老金核定表              human_resources  长期
driving_licence          机动车驾驶证                  public_security  as printed
no_criminal_record       无犯罪记录证明                public_security  90 days
=======================  ============================  ===============  ============

Type codes are GB/T 36904 证照类型代码: the defining department's USCC and three
digits. The 公安部 ones use its real code (the three digits after 002 are ours); the
other departments' codes are placeholders (see each module). Modules by department:
identity and public_security (公安), civil (民政), health (卫生健康), transport
(交通运输), human_resources (人社), healthcare_security (医保).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from issuers.catalogue._base import CertificateFields, CertificateType, DepartmentKind
from issuers.catalogue._text import ChineseName
from issuers.catalogue._types import (
    ETHNICITY_NAMES,
    SEX_NAMES,
    EthnicityCode,
    RegionCode,
    ResidentId,
    SexCode,
    Uscc,
)
from issuers.catalogue.civil import MARRIAGE
from issuers.catalogue.health import BIRTH_MEDICAL, VACCINATION
from issuers.catalogue.healthcare_security import MEDICAL_INSURANCE
from issuers.catalogue.human_resources import RETIREMENT_APPROVAL, SOCIAL_SECURITY_CARD
from issuers.catalogue.identity import HOUSEHOLD_REGISTER, RESIDENT_ID
from issuers.catalogue.public_security import DRIVING_LICENCE, NO_CRIMINAL_RECORD
from issuers.catalogue.transport import (
    RIDE_HAILING_DRIVER,
    RIDE_HAILING_PERMIT,
    ROAD_TRANSPORT_PERMIT,
)
from issuers.errors import NotFound

__all__ = [
    "CATALOGUE",
    "ETHNICITY_NAMES",
    "SEX_NAMES",
    "CertificateFields",
    "CertificateType",
    "ChineseName",
    "DepartmentKind",
    "EthnicityCode",
    "RegionCode",
    "ResidentId",
    "SexCode",
    "Uscc",
    "get_type",
]

CATALOGUE: Mapping[str, CertificateType] = MappingProxyType(
    {
        t.slug: t
        for t in (
            RESIDENT_ID,
            HOUSEHOLD_REGISTER,
            MARRIAGE,
            BIRTH_MEDICAL,
            ROAD_TRANSPORT_PERMIT,
            RIDE_HAILING_PERMIT,
            RIDE_HAILING_DRIVER,
            VACCINATION,
            SOCIAL_SECURITY_CARD,
            MEDICAL_INSURANCE,
            RETIREMENT_APPROVAL,
            DRIVING_LICENCE,
            NO_CRIMINAL_RECORD,
        )
    }
)

_BY_TYPE_CODE: Mapping[str, CertificateType] = MappingProxyType(
    {t.type_code: t for t in CATALOGUE.values()}
)


def get_type(slug_or_type_code: str) -> CertificateType:
    """The type with this slug (``resident_id``) or 21-character type code."""
    found = CATALOGUE.get(slug_or_type_code) or _BY_TYPE_CODE.get(slug_or_type_code)
    if found is None:
        raise NotFound(
            f"no certificate type has slug or type code {slug_or_type_code!r}; "
            f"known slugs: {', '.join(CATALOGUE)}",
            field="type",
        )
    return found
