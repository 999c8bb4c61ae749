"""Pydantic field types for national codes, shared by every certificate model.

Each code type wraps a checker from :mod:`issuers.codes` and turns its typed error
into a :class:`pydantic_core.PydanticCustomError` whose ``type`` is our stable error
code (``invalid_code`` or ``check_digit_mismatch``). ``CertificateType.parse_fields``
maps those back to :class:`~issuers.errors.InvalidCode` and
:class:`~issuers.errors.CheckDigitMismatch` with the dotted field path, so the check
digit of a member nested three levels deep still surfaces as a clear 422.

Cross-field checks (sex against the ID number, for example) raise
:func:`field_error`, which names the field that disagrees relative to the model
that found the problem. Free-text types (names, addresses, ...) are in :mod:`._text`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from types import MappingProxyType
from typing import Annotated, Final

from pydantic import AfterValidator, Strict, WithJsonSchema
from pydantic_core import PydanticCustomError

from issuers.codes.gb2260 import validate_region
from issuers.codes.gb11643 import resident_id
from issuers.codes.gb32100 import validate_uscc
from issuers.errors import InvalidCode

# Context key that carries a field path below the location pydantic reports.
FIELD_CONTEXT_KEY: Final = "at"


def field_error(field: str, code: str, message: str) -> PydanticCustomError:
    """An error for ``field`` (relative to the model raising it) with our ``code``."""
    return PydanticCustomError(code, "{reason}", {"reason": message, FIELD_CONTEXT_KEY: field})


def code_error(exc: InvalidCode) -> PydanticCustomError:
    # Passing the message through the context keeps braces in it from being read
    # as template placeholders.
    return PydanticCustomError(exc.code, "{reason}", {"reason": exc.message})


def _resident_id(value: str) -> str:
    try:
        return resident_id(value)
    except InvalidCode as exc:
        raise code_error(exc) from None


def _uscc(value: str) -> str:
    try:
        return validate_uscc(value)
    except InvalidCode as exc:
        raise code_error(exc) from None


def _region(value: str) -> str:
    try:
        return validate_region(value)
    except InvalidCode as exc:
        raise code_error(exc) from None


# GB/T 2261.1-2003 人的性别代码. 0 (未知的性别) and 9 (未说明的性别) exist in the
# standard but never appear on the certificates catalogued here.
SEX_NAMES: Final[Mapping[int, str]] = MappingProxyType({1: "男", 2: "女"})


def _sex(value: int) -> int:
    if value not in SEX_NAMES:
        raise code_error(InvalidCode("性别代码 must be 1 (男) or 2 (女) (GB/T 2261.1)"))
    return value


# GB/T 3304-1991 中国各民族名称的罗马字母拼写法和代码, numeric codes 01-56.
# (97 其他未识别民族 and 98 外国血统中国籍人士 are left out on purpose: the resident
# ID card prints one of the 56.)
# fmt: off
ETHNICITY_NAMES: Final[Mapping[str, str]] = MappingProxyType({
    "01": "汉族", "02": "蒙古族", "03": "回族", "04": "藏族",
    "05": "维吾尔族", "06": "苗族", "07": "彝族", "08": "壮族",
    "09": "布依族", "10": "朝鲜族", "11": "满族", "12": "侗族",
    "13": "瑶族", "14": "白族", "15": "土家族", "16": "哈尼族",
    "17": "哈萨克族", "18": "傣族", "19": "黎族", "20": "傈僳族",
    "21": "佤族", "22": "畲族", "23": "高山族", "24": "拉祜族",
    "25": "水族", "26": "东乡族", "27": "纳西族", "28": "景颇族",
    "29": "柯尔克孜族", "30": "土族", "31": "达斡尔族", "32": "仫佬族",
    "33": "羌族", "34": "布朗族", "35": "撒拉族", "36": "毛南族",
    "37": "仡佬族", "38": "锡伯族", "39": "阿昌族", "40": "普米族",
    "41": "塔吉克族", "42": "怒族", "43": "乌孜别克族", "44": "俄罗斯族",
    "45": "鄂温克族", "46": "德昂族", "47": "保安族", "48": "裕固族",
    "49": "京族", "50": "塔塔尔族", "51": "独龙族", "52": "鄂伦春族",
    "53": "赫哲族", "54": "门巴族", "55": "珞巴族", "56": "基诺族",
})
# fmt: on


def _ethnicity(value: str) -> str:
    if value not in ETHNICITY_NAMES:
        raise code_error(InvalidCode("民族代码 must be a GB/T 3304 code from 01 to 56"))
    return value


ResidentId = Annotated[
    str,
    AfterValidator(_resident_id),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{17}[\dX]$",
            "description": "公民身份号码 (GB 11643, ISO 7064 MOD 11-2 check character)",
        }
    ),
]
"""公民身份号码 (GB 11643); normalised to upper case, check character verified."""

Uscc = Annotated[
    str,
    AfterValidator(_uscc),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^[0-9A-HJ-NP-RTUW-Y]{18}$",
            "description": "统一社会信用代码 (GB 32100, mod 31 check character)",
        }
    ),
]
"""统一社会信用代码 (GB 32100); normalised to upper case, check character verified."""

RegionCode = Annotated[
    str,
    AfterValidator(_region),
    WithJsonSchema(
        {"type": "string", "pattern": r"^\d{6}$", "description": "行政区划代码 (GB/T 2260)"}
    ),
]
"""行政区划代码 (GB/T 2260): six digits under a known province."""

SexCode = Annotated[
    int,
    Strict(),
    AfterValidator(_sex),
    WithJsonSchema({"type": "integer", "enum": [1, 2], "description": "性别 (GB/T 2261.1)"}),
]
"""性别代码 (GB/T 2261.1): 1 男, 2 女; an int, never a bool or a string."""

EthnicityCode = Annotated[
    str,
    AfterValidator(_ethnicity),
    WithJsonSchema(
        {
            "type": "string",
            "enum": list(ETHNICITY_NAMES),
            "description": "民族代码 (GB/T 3304)",
        }
    ),
]
"""民族代码 (GB/T 3304): two digits, 01 汉族 to 56 基诺族."""


def sex_disagreement(id_number: str, sex: int, *, field: str = "sex") -> PydanticCustomError | None:
    """GB 11643: the sequence code is odd for men and even for women."""
    if (int(id_number[16]) % 2 == 1) == (sex == 1):
        return None
    return field_error(
        field,
        "sex_mismatch",
        f"性别 {SEX_NAMES.get(sex, sex)} disagrees with the 公民身份号码 sequence code (GB 11643)",
    )


def birth_disagreement(
    id_number: str, born: date, *, field: str = "birth_date"
) -> PydanticCustomError | None:
    """GB 11643: digits 7-14 are the birth date ``YYYYMMDD``."""
    if int(id_number[6:14]) == born.year * 10000 + born.month * 100 + born.day:  # YYYYMMDD
        return None
    return field_error(
        field,
        "birth_date_mismatch",
        f"出生日期 {born.isoformat()} disagrees with the 公民身份号码 ({id_number[6:14]})",
    )


def id_agreement_error(
    id_number: str,
    sex: int,
    born: date,
    *,
    sex_field: str = "sex",
    birth_field: str = "birth_date",
) -> PydanticCustomError | None:
    """The error for the first of sex and birth date that disagrees with a valid ID number.

    ``id_number`` must already have passed :data:`ResidentId`.
    """
    return sex_disagreement(id_number, sex, field=sex_field) or birth_disagreement(
        id_number, born, field=birth_field
    )


def region_prefixed_number(pattern: str, message: str) -> Callable[[str], str]:
    """A validator for a certificate number whose first regex group is a GB/T 2260
    region code (结婚证字号, 道路运输经营许可证号): shape first, then the region."""
    compiled = re.compile(pattern)

    def validate(value: str) -> str:
        match = compiled.fullmatch(value)
        if match is None:
            raise code_error(InvalidCode(message))
        try:
            validate_region(match.group(1))
        except InvalidCode as exc:
            raise code_error(exc) from None
        return value

    return validate
