"""National codes: GB 11643, GB 32100, GB/T 2260 and GB/T 36904.

Worked examples come from the standards (or, for GB/T 36904, a real identifier);
the property tests use synthetic codes only.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from issuers.codes import (
    build_identifier,
    make_resident_id,
    make_uscc,
    parse_identifier,
    parse_resident_id,
    region_name,
    validate_region,
    validate_uscc,
)
from issuers.codes.gb2260 import region_table
from issuers.codes.gb32100 import USCC_CHARSET
from issuers.codes.iso7064 import mod11_2_check, mod37_36_check
from issuers.errors import CheckDigitMismatch, InvalidCode

RESIDENT_ID = "11010519491231002X"
USCC = "91310115591693856A"
IDENTIFIER = "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F"
ID_CHARS = "0123456789X"
ALNUM36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# The 34 provincial-level divisions of GB/T 2260.
# fmt: off
PROVINCES = [
    "110000", "120000", "130000", "140000", "150000",  # 华北
    "210000", "220000", "230000",  # 东北
    "310000", "320000", "330000", "340000", "350000", "360000", "370000",  # 华东
    "410000", "420000", "430000", "440000", "450000", "460000",  # 中南
    "500000", "510000", "520000", "530000", "540000",  # 西南
    "610000", "620000", "630000", "640000", "650000",  # 西北
    "710000", "810000", "820000",  # 台湾, 香港, 澳门
]
# fmt: on


def replace_at(text: str, index: int, char: str) -> str:
    return text[:index] + char + text[index + 1 :]


def other_char(alphabet: str, char: str) -> str:
    return next(c for c in alphabet if c != char)


# --- GB 11643 公民身份号码 ------------------------------------------------------------


def test_resident_id_worked_example() -> None:
    parsed = parse_resident_id(RESIDENT_ID)
    assert parsed.value == RESIDENT_ID
    assert parsed.region_code == "110105"
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.sequence == "002"
    assert parsed.sex_code == 2  # even sequence: female
    assert mod11_2_check(RESIDENT_ID[:17]) == "X"


def test_resident_id_lower_case_x_is_normalised() -> None:
    assert parse_resident_id(RESIDENT_ID.lower()).value == RESIDENT_ID


# Positions whose change keeps the shape and the birth date valid: the address code,
# the sequence code, and the check character itself.
@pytest.mark.parametrize("index", [0, 3, 5, 14, 15, 16, 17])
def test_resident_id_one_character_changed(index: int) -> None:
    alphabet = ID_CHARS if index == 17 else "0123456789"
    bad = replace_at(RESIDENT_ID, index, other_char(alphabet, RESIDENT_ID[index]))
    with pytest.raises(CheckDigitMismatch) as caught:
        parse_resident_id(bad, field="party_b.id_number")
    assert caught.value.code == "check_digit_mismatch"
    assert caught.value.field == "party_b.id_number"


def test_resident_id_error_names_default_field() -> None:
    with pytest.raises(CheckDigitMismatch) as caught:
        parse_resident_id(RESIDENT_ID[:17] + "1")
    assert caught.value.field == "id_number"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "11010519491231002",  # 17 characters
        "11010519491231002XX",  # 19 characters
        "1101051949123100AX",  # letter in the body
        "110105194912310021X"[:17] + "Y",  # check outside 0-9X
        "110105194913310027",  # month 13
        "110105194902300024",  # 30 February
    ],
)
def test_resident_id_shape_errors(value: str) -> None:
    with pytest.raises(InvalidCode) as caught:
        parse_resident_id(value)
    assert type(caught.value) is InvalidCode
    assert caught.value.code == "invalid_code"


def test_resident_id_non_string() -> None:
    with pytest.raises(InvalidCode):
        parse_resident_id(11010519491231002)  # type: ignore[arg-type]


regions = st.sampled_from(sorted(region_table()))
birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))
sequences = st.integers(min_value=0, max_value=999)


@given(regions, birth_dates, sequences)
def test_made_resident_id_always_parses(region: str, born: date, sequence: int) -> None:
    value = make_resident_id(region, born, sequence)
    parsed = parse_resident_id(value)
    assert (parsed.value, parsed.region_code, parsed.birth_date) == (value, region, born)
    assert parsed.sex_code == (1 if sequence % 2 else 2)


@given(regions, birth_dates, sequences, st.sampled_from(ID_CHARS))
def test_changed_check_character_always_fails(
    region: str, born: date, sequence: int, check: str
) -> None:
    value = make_resident_id(region, born, sequence)
    if check == value[17]:
        check = other_char(ID_CHARS, check)
    with pytest.raises(CheckDigitMismatch):
        parse_resident_id(value[:17] + check)


# --- GB 32100 统一社会信用代码 ---------------------------------------------------------


def test_uscc_worked_example() -> None:
    assert validate_uscc(USCC) == USCC
    assert validate_uscc(" " + USCC.lower() + " ") == USCC
    assert make_uscc(USCC[:17]) == USCC


@pytest.mark.parametrize("index", [0, 2, 8, 16, 17])
def test_uscc_one_character_changed(index: int) -> None:
    bad = replace_at(USCC, index, other_char(USCC_CHARSET, USCC[index]))
    with pytest.raises(CheckDigitMismatch) as caught:
        validate_uscc(bad, field="operator_uscc")
    assert caught.value.code == "check_digit_mismatch"
    assert caught.value.field == "operator_uscc"


@pytest.mark.parametrize(
    "value",
    [
        USCC[:17],  # too short
        USCC + "1",  # too long
        "I" + USCC[1:],  # I, O, S, V and Z are not in the set
        USCC[:17] + "Z",
        USCC[:5] + "-" + USCC[6:],
    ],
)
def test_uscc_shape_errors(value: str) -> None:
    with pytest.raises(InvalidCode) as caught:
        validate_uscc(value)
    assert type(caught.value) is InvalidCode


uscc_bodies = st.text(alphabet=USCC_CHARSET, min_size=17, max_size=17)


@given(uscc_bodies, st.integers(min_value=0, max_value=17), st.sampled_from(USCC_CHARSET))
def test_uscc_any_single_substitution_fails(body: str, index: int, char: str) -> None:
    code = make_uscc(body)
    assert validate_uscc(code) == code
    if code[index] == char:
        char = other_char(USCC_CHARSET, char)
    with pytest.raises(CheckDigitMismatch):
        validate_uscc(replace_at(code, index, char))


# --- GB/T 36904 电子证照标识 ------------------------------------------------------------


def test_identifier_worked_example() -> None:
    parsed = parse_identifier(IDENTIFIER)
    assert parsed.type_code == "11100000000013338W032"
    assert parsed.issuer_code == "11220000013544541J"
    assert (parsed.serial, parsed.version, parsed.check) == ("2430599", "001", "F")
    assert parsed.warnings == ()
    assert str(parsed) == IDENTIFIER
    assert mod37_36_check("11100000000013338W03211220000013544541J2430599001") == "F"


@pytest.mark.parametrize("segment_index", [5, 6, 7, 8, 9])  # type, issuer, serial, version, check
def test_identifier_one_character_changed(segment_index: int) -> None:
    segments = IDENTIFIER.split(".")
    segment = segments[segment_index]
    alphabet = "0123456789" if segment_index in (7, 8) else ALNUM36
    segments[segment_index] = replace_at(segment, 0, other_char(alphabet, segment[0]))
    bad = ".".join(segments)
    with pytest.raises(CheckDigitMismatch) as caught:
        parse_identifier(bad, field="credential.identifier")
    assert caught.value.code == "check_digit_mismatch"
    assert caught.value.field == "credential.identifier"


@pytest.mark.parametrize(
    "value",
    [
        IDENTIFIER.replace("1.2.156.3005.2.", "1.2.156.3005.3."),  # wrong root
        IDENTIFIER.rsplit(".", 1)[0],  # no check segment
        IDENTIFIER + ".F",  # one segment too many
        IDENTIFIER.replace("11100000000013338W032", "11100000000013338W32"),  # 20-char type
        IDENTIFIER.replace(".001.", ".1."),  # version not three digits
        IDENTIFIER.replace("2430599", "24-0599"),  # serial outside 0-9A-Z
    ],
)
def test_identifier_shape_errors(value: str) -> None:
    with pytest.raises(InvalidCode) as caught:
        parse_identifier(value)
    assert type(caught.value) is InvalidCode


type_codes = st.from_regex(re.compile(r"[0-9A-Z]{18}[0-9]{3}"), fullmatch=True)
serials = st.from_regex(re.compile(r"[0-9A-Z]{1,24}"), fullmatch=True)
versions = st.integers(min_value=0, max_value=999)


@given(type_codes, uscc_bodies, serials, versions)
def test_identifier_round_trip(type_code: str, issuer_body: str, serial: str, version: int) -> None:
    issuer = make_uscc(issuer_body)
    built = build_identifier(type_code, issuer, serial, version)
    parsed = parse_identifier(built)
    assert (parsed.type_code, parsed.issuer_code, parsed.serial) == (type_code, issuer, serial)
    assert parsed.version == f"{version:03d}"
    assert parsed.warnings == ()
    assert str(parsed) == built


@given(type_codes, uscc_bodies, serials, versions, st.sampled_from(ALNUM36))
def test_lenient_parse_turns_wrong_check_into_warning(
    type_code: str, issuer_body: str, serial: str, version: int, check: str
) -> None:
    built = build_identifier(type_code, make_uscc(issuer_body), serial, version)
    if check == built[-1]:
        check = other_char(ALNUM36, check)
    foreign = built[:-1] + check
    with pytest.raises(CheckDigitMismatch):
        parse_identifier(foreign)
    lenient = parse_identifier(foreign, strict=False)
    assert lenient.check == check
    assert len(lenient.warnings) == 1
    assert built[-1] in lenient.warnings[0]  # names the check it expected


def test_lenient_parse_still_rejects_bad_shape() -> None:
    with pytest.raises(InvalidCode):
        parse_identifier(IDENTIFIER.rsplit(".", 1)[0], strict=False)


# --- GB/T 2260 行政区划代码 -------------------------------------------------------------


def test_region_table_keys_are_six_digits() -> None:
    table = region_table()
    assert table
    assert all(re.fullmatch(r"\d{6}", code) for code in table), sorted(table)
    assert all(name.strip() for name in table.values())


def test_region_table_has_every_province() -> None:
    table = region_table()
    assert len(PROVINCES) == 34
    missing = [code for code in PROVINCES if code not in table]
    assert missing == []
    assert table["110000"] == "北京市"
    assert table["650000"] == "新疆维吾尔自治区"


def test_every_region_belongs_to_a_known_province() -> None:
    for code in region_table():
        assert code[:2] + "0000" in PROVINCES
        assert validate_region(code, known=True) == code


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("110105", "北京市朝阳区"),  # itself
        ("330110", "浙江省杭州市"),  # unknown district: its city
        ("110109", "北京市"),  # unknown district, no city entry: its province
        ("990101", None),  # no such province
    ],
)
def test_region_name_falls_back_to_parent(code: str, name: str | None) -> None:
    assert region_name(code) == name


@pytest.mark.parametrize("code", ["11010", "1101051", "11010A", "990100", "110001"])
def test_invalid_regions(code: str) -> None:
    with pytest.raises(InvalidCode) as caught:
        validate_region(code, field="birth_region_code")
    assert caught.value.field == "birth_region_code"


def test_unknown_region_only_fails_when_known_is_required() -> None:
    assert validate_region("330110") == "330110"
    with pytest.raises(InvalidCode):
        validate_region("330110", known=True)


@pytest.mark.parametrize(
    "value",
    ["１１0105194912310021", "110105194912310０2X", "١١0105194912310021"],
    ids=["fullwidth-start", "fullwidth-check-area", "arabic-indic"],
)
def test_non_ascii_digits_are_a_typed_error_not_a_crash(value: str) -> None:
    """Python's ``\\d`` matches any Unicode digit; codes take ASCII digits only."""
    with pytest.raises(InvalidCode):
        parse_resident_id(value)


def test_identifier_with_non_ascii_digits_is_refused() -> None:
    with pytest.raises(InvalidCode):
        parse_identifier("1.2.156.3005.2.11100000000013338W０32.11220000013544541J.2430599.001.F")
