"""The certificate catalogue: schemas, typed errors, compact form.

Every person here is synthetic: ID numbers come from ``make_resident_id``.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from issuers.catalogue import CATALOGUE, ETHNICITY_NAMES, CertificateType, DepartmentKind, get_type
from issuers.catalogue.civil import MarriageCertificate
from issuers.catalogue.compact import codec_for
from issuers.catalogue.health import BirthMedicalCertificate
from issuers.catalogue.identity import HouseholdMember, ResidentIdCard
from issuers.codes import build_identifier, make_resident_id, make_uscc, parse_identifier
from issuers.codes.gb32100 import validate_uscc
from issuers.errors import (
    CheckDigitMismatch,
    ElicenseError,
    InvalidCode,
    InvalidInput,
    NotFound,
    SchemaInvalid,
)
from tests.issuers.bundle_samples import NEW_SAMPLES

SLUGS = [
    "resident_id",
    "household_register",
    "marriage",
    "birth_medical",
    "road_transport_permit",
    "ride_hailing_permit",
    "ride_hailing_driver",
    # issue 11's bundles (samples in tests/issuers/bundle_samples.py)
    "vaccination",
    "social_security_card",
    "medical_insurance",
    "retirement_approval",
    "driving_licence",
    "no_criminal_record",
]
OPERATOR_USCC = make_uscc("91330102MA2700001")


def citizen(born: date, sex: int, serial: int = 10, region: str = "310104") -> str:
    """A synthetic 公民身份号码: the last sequence digit is odd for men, even for women."""
    return make_resident_id(region, born, serial * 2 + (1 if sex == 1 else 0))


def flip_check(id_number: str) -> str:
    return id_number[:17] + ("0" if id_number[17] != "0" else "1")


HUSBAND = citizen(date(1990, 3, 15), 1)
WIFE = citizen(date(1992, 7, 8), 2, region="320102")
SON = citizen(date(2016, 5, 20), 1, serial=31)
DAUGHTER = citizen(date(2019, 1, 2), 2, serial=32)


def resident_id() -> dict[str, Any]:
    return {
        "name": "张伟", "sex": 1, "ethnicity": "01", "birth_date": "1990-03-15",
        "address": "上海市徐汇区示范路100弄1号101室", "id_number": HUSBAND,
        "issuing_authority": "上海市公安局徐汇分局",
    }  # fmt: skip


def member(name: str, sex: int, born: str, id_number: str, relation: str) -> dict[str, Any]:
    return {
        "name": name,
        "sex": sex,
        "birth_date": born,
        "id_number": id_number,
        "relation": relation,
    }


def household_register() -> dict[str, Any]:
    return {
        "household_number": "310104001", "household_type": "家庭户",
        "address": "上海市徐汇区示范路100弄1号101室", "region_code": "310104",
        "registration_authority": "上海市公安局徐汇分局示范路派出所",
        "members": [
            member("李娜", 2, "1992-07-08", WIFE, "配偶"),
            member("张伟", 1, "1990-03-15", HUSBAND, "户主"),
            member("张浩", 1, "2016-05-20", SON, "子"),
            member("张悦", 2, "2019-01-02", DAUGHTER, "女"),
        ],
    }  # fmt: skip


def party(name: str, sex: int, id_number: str, born: str) -> dict[str, Any]:
    return {"name": name, "sex": sex, "id_number": id_number, "birth_date": born}


def marriage() -> dict[str, Any]:
    return {
        "certificate_number": "J310104-2015-000123", "registration_date": "2015-10-01",
        "registration_authority": "上海市徐汇区民政局",
        "party_a": party("张伟", 1, HUSBAND, "1990-03-15"),
        "party_b": party("李娜", 2, WIFE, "1992-07-08"),
    }  # fmt: skip


def birth_medical() -> dict[str, Any]:
    return {
        "certificate_number": "Q310012345", "child_name": "张浩", "child_sex": 1,
        "birth_datetime": "2016-05-20T08:30:00+08:00", "birth_region_code": "310106",
        "birth_place": "上海市示范妇婴医院", "gestational_weeks": 39, "birth_weight_g": 3350,
        "birth_length_cm": 50, "mother_name": "李娜", "mother_id_number": WIFE,
        "father_name": "张伟", "father_id_number": HUSBAND,
        "institution_name": "上海市示范妇婴医院", "child_id_number": SON,
    }  # fmt: skip


def road_transport_permit() -> dict[str, Any]:
    return {
        "permit_number": "330100000123", "operator_name": "杭州示范货运有限公司",
        "operator_uscc": OPERATOR_USCC, "legal_representative": "陈强",
        "address": "浙江省杭州市上城区样例路9号", "region_code": "330102",
        "business_scope": ["道路普通货物运输", "货物专用运输（集装箱）"],
        "issuing_authority": "杭州市交通运输局",
    }  # fmt: skip


def ride_hailing_permit() -> dict[str, Any]:
    return {
        "permit_number": "浙网约许字330100000456", "operator_name": "杭州示范出行科技有限公司",
        "operator_uscc": OPERATOR_USCC, "address": "浙江省杭州市西湖区样例路1号",
        "service_region_codes": ["330100", "330200"], "issuing_authority": "杭州市交通运输局",
    }  # fmt: skip


def ride_hailing_driver() -> dict[str, Any]:
    return {
        "certificate_number": "330100202400001", "name": "张伟", "sex": 1,
        "id_number": HUSBAND, "driving_licence_class": "C1", "service_region_code": "330100",
        "issuing_authority": "杭州市交通运输局", "first_issued_on": "2024-04-01",
    }  # fmt: skip


SAMPLES: dict[str, Callable[[], dict[str, Any]]] = {
    "resident_id": resident_id,
    "household_register": household_register,
    "marriage": marriage,
    "birth_medical": birth_medical,
    "road_transport_permit": road_transport_permit,
    "ride_hailing_permit": ride_hailing_permit,
    "ride_hailing_driver": ride_hailing_driver,
    **NEW_SAMPLES,
}


def assert_cbor_friendly(value: object) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            assert type(key) is int
            assert key >= 1
            assert_cbor_friendly(item)
    elif isinstance(value, list):
        for item in value:
            assert_cbor_friendly(item)
    else:
        assert type(value) in (str, int, bool), value


# --- the catalogue itself ----------------------------------------------------------


def test_catalogue_lists_the_types_in_a_stable_order() -> None:
    assert list(CATALOGUE) == SLUGS
    assert all(t.slug == slug for slug, t in CATALOGUE.items())


def test_type_codes_are_unique_and_usable_in_identifiers() -> None:
    codes = [t.type_code for t in CATALOGUE.values()]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert len(code) == 21
        assert code[18:].isdigit()
        assert validate_uscc(code[:18]) == code[:18]
        identifier = build_identifier(code, "91310115591693856A", 42)
        assert parse_identifier(identifier).type_code == code


def test_public_security_types_use_the_ministry_code() -> None:
    assert get_type("resident_id").type_code == "11100000000013338W001"
    assert get_type("household_register").type_code == "11100000000013338W002"
    others = [t for t in CATALOGUE.values() if t.department is not DepartmentKind.PUBLIC_SECURITY]
    assert others
    assert all(not t.type_code.startswith("11100000000013338W") for t in others)


@pytest.mark.parametrize(
    ("slug", "department", "holder_kind", "validity"),
    [
        ("resident_id", DepartmentKind.PUBLIC_SECURITY, "person", timedelta(days=7305)),
        ("household_register", DepartmentKind.PUBLIC_SECURITY, "person", None),
        ("marriage", DepartmentKind.CIVIL_AFFAIRS, "person", None),
        ("birth_medical", DepartmentKind.HEALTH, "person", None),
        ("road_transport_permit", DepartmentKind.TRANSPORT, "organisation", timedelta(days=1461)),
        ("ride_hailing_permit", DepartmentKind.TRANSPORT, "organisation", timedelta(days=1461)),
        ("ride_hailing_driver", DepartmentKind.TRANSPORT, "person", timedelta(days=2191)),
    ],
)
def test_type_metadata(
    slug: str, department: DepartmentKind, holder_kind: str, validity: timedelta | None
) -> None:
    certificate_type = get_type(slug)
    assert certificate_type.department is department
    assert certificate_type.holder_kind == holder_kind
    assert certificate_type.default_validity == validity
    assert certificate_type.name_zh
    assert certificate_type.name_en


def test_get_type_by_slug_or_type_code() -> None:
    by_slug = get_type("marriage")
    assert get_type(by_slug.type_code) is by_slug


@pytest.mark.parametrize("ref", ["passport", "", "11100000000013338W999"])
def test_get_type_unknown(ref: str) -> None:
    with pytest.raises(NotFound) as caught:
        get_type(ref)
    assert caught.value.code == "not_found"
    assert repr(ref) in caught.value.message


def test_a_bad_type_code_is_refused_at_definition() -> None:
    model = get_type("resident_id").model
    with pytest.raises(CheckDigitMismatch):
        CertificateType(
            "x", "11100000000013338X001", "x", "x", DepartmentKind.HEALTH, None, "person", model
        )
    with pytest.raises(ValueError, match="type code"):
        CertificateType(
            "x", "11100000000013338W01", "x", "x", DepartmentKind.HEALTH, None, "person", model
        )


def test_ethnicity_table_has_the_56_groups() -> None:
    assert list(ETHNICITY_NAMES) == [f"{i:02d}" for i in range(1, 57)]
    assert len(set(ETHNICITY_NAMES.values())) == 56
    spot = {"01": "汉族", "02": "蒙古族", "05": "维吾尔族", "10": "朝鲜族", "23": "高山族",
            "29": "柯尔克孜族", "46": "德昂族", "56": "基诺族"}  # fmt: skip
    assert {code: ETHNICITY_NAMES[code] for code in spot} == spot


# --- every type: parse, compact, CBOR, JSON ---------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_sample_round_trips(slug: str) -> None:
    certificate_type = get_type(slug)
    fields = certificate_type.parse_fields(SAMPLES[slug]())
    assert isinstance(fields, certificate_type.model)

    compact = certificate_type.to_compact(fields)
    assert_cbor_friendly(compact)
    assert certificate_type.from_compact(compact) == fields
    assert certificate_type.from_compact(cbor2.loads(cbor2.dumps(compact))) == fields

    public = certificate_type.public_fields(fields)
    assert json.loads(json.dumps(public, ensure_ascii=False)) == public
    assert certificate_type.parse_fields(public) == fields


@pytest.mark.parametrize("slug", SLUGS)
def test_json_schema(slug: str) -> None:
    model = get_type(slug).model
    schema = model.model_json_schema()
    json.dumps(schema)
    assert set(schema["properties"]) == set(model.model_fields)
    assert schema.get("additionalProperties") is False


def test_json_schema_describes_codes() -> None:
    properties = get_type("resident_id").model.model_json_schema()["properties"]
    assert properties["id_number"]["pattern"] == r"^\d{17}[\dX]$"
    assert properties["sex"]["enum"] == [1, 2]
    assert len(properties["ethnicity"]["enum"]) == 56


def test_compact_keys_follow_declaration_order() -> None:
    certificate_type = get_type("household_register")
    fields = certificate_type.parse_fields(household_register())
    compact = certificate_type.to_compact(fields)
    assert list(compact) == [1, 2, 3, 4, 5, 6]
    assert compact[1] == "310104001"
    assert compact[6][1] == {1: "张伟", 2: 1, 3: "1990-03-15", 4: HUSBAND, 5: "户主"}
    assert codec_for(HouseholdMember).keys() == {
        "name": 1, "sex": 2, "birth_date": 3, "id_number": 4, "relation": 5,
    }  # fmt: skip


def test_compact_dates_datetimes_and_omitted_optionals() -> None:
    certificate_type = get_type("birth_medical")
    raw = birth_medical()
    del raw["father_name"], raw["father_id_number"], raw["child_id_number"]
    compact = certificate_type.to_compact(certificate_type.parse_fields(raw))
    keys = codec_for(certificate_type.model).keys()
    assert compact[keys["birth_datetime"]] == "2016-05-20T08:30:00+08:00"
    assert keys["father_name"] not in compact
    assert keys["child_id_number"] not in compact
    decoded = certificate_type.from_compact(compact)
    assert isinstance(decoded, BirthMedicalCertificate)
    assert decoded.father_id_number is None


def test_compact_of_a_utc_datetime_keeps_its_offset() -> None:
    certificate_type = get_type("birth_medical")
    raw = birth_medical() | {"birth_datetime": "2016-05-20T00:30:00Z"}
    compact = certificate_type.to_compact(certificate_type.parse_fields(raw))
    assert compact[codec_for(certificate_type.model).keys()["birth_datetime"]] == (
        "2016-05-20T00:30:00+00:00"
    )


# --- holders and validity ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "raw", "holders"),
    [
        ("resident_id", resident_id(), (HUSBAND,)),
        ("household_register", household_register(), (HUSBAND, WIFE, SON, DAUGHTER)),
        ("marriage", marriage(), (HUSBAND, WIFE)),
        ("birth_medical", birth_medical(), (SON, WIFE, HUSBAND)),
        (
            "birth_medical",
            {k: v for k, v in birth_medical().items() if not k.startswith(("father", "child_id"))},
            (WIFE,),
        ),
        ("road_transport_permit", road_transport_permit(), (OPERATOR_USCC,)),
        ("ride_hailing_permit", ride_hailing_permit(), (OPERATOR_USCC,)),
        ("ride_hailing_driver", ride_hailing_driver(), (HUSBAND,)),
    ],
)
def test_holder_codes(slug: str, raw: dict[str, Any], holders: tuple[str, ...]) -> None:
    certificate_type = get_type(slug)
    assert certificate_type.holder_codes(certificate_type.parse_fields(raw)) == holders


@pytest.mark.parametrize(
    ("born", "valid_from", "until"),
    [
        (date(2010, 6, 1), date(2020, 1, 1), date(2025, 1, 1)),  # 9: five years
        (date(2004, 6, 2), date(2020, 6, 1), date(2025, 6, 1)),  # a day short of 16
        (date(2004, 6, 1), date(2020, 6, 1), date(2030, 6, 1)),  # 16 today: ten years
        (date(1995, 1, 1), date(2020, 12, 31), date(2030, 12, 31)),  # 25
        (date(1994, 1, 1), date(2020, 1, 1), date(2040, 1, 1)),  # 26: twenty years
        (date(1974, 7, 1), date(2020, 6, 30), date(2040, 6, 30)),  # 45
        (date(1974, 6, 30), date(2020, 6, 30), None),  # 46: 长期
        (date(1985, 3, 15), date(2016, 2, 29), date(2036, 2, 29)),  # 30, leap day to leap day
        (date(2000, 3, 15), date(2016, 2, 29), date(2021, 2, 28)),  # 15, to a common year
    ],
)
def test_resident_id_validity_follows_age(born: date, valid_from: date, until: date | None) -> None:
    certificate_type = get_type("resident_id")
    raw = resident_id() | {"birth_date": born.isoformat(), "id_number": citizen(born, 1)}
    fields = certificate_type.parse_fields(raw)
    assert certificate_type.valid_until(fields, valid_from) == until


@pytest.mark.parametrize(
    ("slug", "valid_from"),
    [
        ("resident_id", date(1980, 1, 1)),  # before the holder was born
        ("ride_hailing_driver", date(9999, 1, 1)),
        ("road_transport_permit", date(9999, 1, 1)),
    ],
)
def test_impossible_valid_from_is_refused(slug: str, valid_from: date) -> None:
    certificate_type = get_type(slug)
    fields = certificate_type.parse_fields(SAMPLES[slug]())
    with pytest.raises(InvalidInput) as caught:
        certificate_type.valid_until(fields, valid_from)
    assert type(caught.value) is InvalidInput
    assert caught.value.field == "valid_from"


@pytest.mark.parametrize(
    ("slug", "valid_from", "until"),
    [
        ("household_register", date(2024, 2, 1), None),
        ("marriage", date(2015, 10, 1), None),
        ("birth_medical", date(2016, 5, 22), None),
        ("road_transport_permit", date(2024, 5, 1), date(2028, 5, 1)),
        ("ride_hailing_permit", date(2023, 3, 1), date(2027, 3, 1)),
        ("ride_hailing_driver", date(2024, 4, 1), date(2030, 4, 1)),  # 2191 days
    ],
)
def test_default_validity(slug: str, valid_from: date, until: date | None) -> None:
    certificate_type = get_type(slug)
    fields = certificate_type.parse_fields(SAMPLES[slug]())
    assert certificate_type.valid_until(fields, valid_from) == until


def test_methods_refuse_another_types_fields() -> None:
    fields = get_type("resident_id").parse_fields(resident_id())
    with pytest.raises(TypeError):
        get_type("ride_hailing_driver").to_compact(fields)


# --- typed errors with dotted field paths -----------------------------------------------


def with_member(index: int, **changes: Any) -> dict[str, Any]:
    raw = household_register()
    raw["members"][index] |= changes
    return raw


def with_party(which: str, **changes: Any) -> dict[str, Any]:
    raw = marriage()
    raw[which] |= changes
    return raw


BAD_USCC = OPERATOR_USCC[:17] + ("0" if OPERATOR_USCC[17] != "0" else "1")
TOO_MANY_MEMBERS = [member("张伟", 1, "1990-03-15", HUSBAND, "户主")] + [
    member("张某", 1, "2016-05-20", citizen(date(2016, 5, 20), 1, i), "子") for i in range(100)
]
NO_FATHER = {"father_id_number": None, "father_name": None}


def case(
    test_id: str,
    slug: str,
    raw: dict[str, Any],
    error: type[ElicenseError],
    field: str,
    code: str,
) -> Any:
    return pytest.param(slug, raw, error, field, code, id=test_id)


BAD_CASES = [
    case("id-check-digit", "resident_id", resident_id() | {"id_number": flip_check(HUSBAND)},
         CheckDigitMismatch, "id_number", "check_digit_mismatch"),
    case("id-shape", "resident_id", resident_id() | {"id_number": HUSBAND[:17]},
         InvalidCode, "id_number", "invalid_code"),
    case("sex-disagrees", "resident_id", resident_id() | {"sex": 2},
         SchemaInvalid, "sex", "sex_mismatch"),
    case("birth-disagrees", "resident_id", resident_id() | {"birth_date": "1990-03-16"},
         SchemaInvalid, "birth_date", "birth_date_mismatch"),
    case("sex-code", "resident_id", resident_id() | {"sex": 3},
         InvalidCode, "sex", "invalid_code"),
    case("sex-bool", "resident_id", resident_id() | {"sex": True},
         SchemaInvalid, "sex", "int_type"),
    case("ethnicity", "resident_id", resident_id() | {"ethnicity": "57"},
         InvalidCode, "ethnicity", "invalid_code"),
    case("blank-name", "resident_id", resident_id() | {"name": "   "},
         SchemaInvalid, "name", "string_too_short"),
    case("long-name", "resident_id", resident_id() | {"name": "张" * 31},
         SchemaInvalid, "name", "string_too_long"),
    case("extra-field", "resident_id", resident_id() | {"nickname": "伟哥"},
         SchemaInvalid, "nickname", "extra_forbidden"),
    case("missing", "resident_id", {k: v for k, v in resident_id().items() if k != "address"},
         SchemaInvalid, "address", "missing"),
    case("member-check-digit", "household_register",
         with_member(1, id_number=flip_check(HUSBAND)),
         CheckDigitMismatch, "members.1.id_number", "check_digit_mismatch"),
    case("member-sex", "household_register", with_member(2, sex=2),
         SchemaInvalid, "members.2.sex", "sex_mismatch"),
    case("duplicate-member", "household_register",
         with_member(3, id_number=SON, birth_date="2016-05-20", sex=1),
         SchemaInvalid, "members.3.id_number", "duplicate_member"),
    case("two-heads", "household_register", with_member(0, relation="户主"),
         SchemaInvalid, "members", "head_count"),
    case("no-head", "household_register", with_member(1, relation="其他"),
         SchemaInvalid, "members", "head_count"),
    case("relation", "household_register", with_member(2, relation="儿子"),
         SchemaInvalid, "members.2.relation", "literal_error"),
    case("too-many-members", "household_register",
         household_register() | {"members": TOO_MANY_MEMBERS},
         SchemaInvalid, "members", "too_long"),
    case("household-number", "household_register",
         household_register() | {"household_number": "31010400"},
         SchemaInvalid, "household_number", "string_pattern_mismatch"),
    case("groom-21", "marriage", marriage() | {"registration_date": "2012-03-14"},
         SchemaInvalid, "party_a.birth_date", "under_legal_age"),
    case("bride-19", "marriage",
         with_party("party_b", birth_date="1996-10-02", id_number=citizen(date(1996, 10, 2), 2)),
         SchemaInvalid, "party_b.birth_date", "under_legal_age"),
    case("same-person", "marriage",
         with_party("party_b", id_number=HUSBAND, sex=1, birth_date="1990-03-15"),
         SchemaInvalid, "party_b.id_number", "duplicate_party"),
    case("party-check-digit", "marriage", with_party("party_b", id_number=flip_check(WIFE)),
         CheckDigitMismatch, "party_b.id_number", "check_digit_mismatch"),
    case("party-sex", "marriage", with_party("party_a", sex=2),
         SchemaInvalid, "party_a.sex", "sex_mismatch"),
    case("marriage-number", "marriage", marriage() | {"certificate_number": "J310104-15-000123"},
         InvalidCode, "certificate_number", "invalid_code"),
    case("marriage-number-region", "marriage",
         marriage() | {"certificate_number": "J990104-2015-000123"},
         InvalidCode, "certificate_number", "invalid_code"),
    case("father-half", "birth_medical", birth_medical() | {"father_id_number": None},
         SchemaInvalid, "father_id_number", "father_incomplete"),
    case("mother-male", "birth_medical",
         birth_medical() | NO_FATHER | {"mother_id_number": HUSBAND},
         SchemaInvalid, "mother_id_number", "sex_mismatch"),
    case("child-birth-date", "birth_medical",
         birth_medical() | {"birth_datetime": "2016-05-21T08:30:00+08:00"},
         SchemaInvalid, "birth_datetime", "birth_date_mismatch"),
    case("naive-datetime", "birth_medical",
         birth_medical() | {"birth_datetime": "2016-05-20T08:30:00"},
         SchemaInvalid, "birth_datetime", "timezone_aware"),
    case("datetime-overflow", "birth_medical",
         birth_medical() | {"birth_datetime": "9999-12-31T23:00:00-08:00"},
         SchemaInvalid, "birth_datetime", "datetime_out_of_range"),
    case("weight", "birth_medical", birth_medical() | {"birth_weight_g": 200},
         SchemaInvalid, "birth_weight_g", "greater_than_equal"),
    case("birth-number", "birth_medical", birth_medical() | {"certificate_number": "q310012345"},
         InvalidCode, "certificate_number", "invalid_code"),
    case("birth-region", "birth_medical", birth_medical() | {"birth_region_code": "990106"},
         InvalidCode, "birth_region_code", "invalid_code"),
    case("operator-check", "road_transport_permit",
         road_transport_permit() | {"operator_uscc": BAD_USCC},
         CheckDigitMismatch, "operator_uscc", "check_digit_mismatch"),
    case("permit-region", "road_transport_permit",
         road_transport_permit() | {"permit_number": "990100000123"},
         InvalidCode, "permit_number", "invalid_code"),
    case("blank-scope", "road_transport_permit",
         road_transport_permit() | {"business_scope": ["货运", " "]},
         SchemaInvalid, "business_scope.1", "string_too_short"),
    case("no-scope", "road_transport_permit", road_transport_permit() | {"business_scope": []},
         SchemaInvalid, "business_scope", "too_short"),
    case("duplicate-region", "ride_hailing_permit",
         ride_hailing_permit() | {"service_region_codes": ["330100", "330200", "330100"]},
         SchemaInvalid, "service_region_codes.2", "duplicate_region"),
    case("bad-region", "ride_hailing_permit",
         ride_hailing_permit() | {"service_region_codes": ["33010"]},
         InvalidCode, "service_region_codes.0", "invalid_code"),
    case("driver-sex", "ride_hailing_driver", ride_hailing_driver() | {"sex": 2},
         SchemaInvalid, "sex", "sex_mismatch"),
    case("licence-class", "ride_hailing_driver",
         ride_hailing_driver() | {"driving_licence_class": "D"},
         SchemaInvalid, "driving_licence_class", "literal_error"),
]  # fmt: skip


@pytest.mark.parametrize(("slug", "raw", "error", "field", "code"), BAD_CASES)
def test_bad_fields_raise_typed_errors(
    slug: str, raw: dict[str, Any], error: type[ElicenseError], field: str, code: str
) -> None:
    with pytest.raises(ElicenseError) as caught:
        get_type(slug).parse_fields(raw)
    assert type(caught.value) is error
    assert caught.value.field == field
    assert caught.value.details[0]["field"] == field
    assert caught.value.details[0]["code"] == code
    assert field in caught.value.message


def test_bride_of_exactly_twenty_may_marry() -> None:
    born = date(1995, 10, 1)
    raw = with_party("party_b", birth_date=born.isoformat(), id_number=citizen(born, 2))
    fields = get_type("marriage").parse_fields(raw)
    assert isinstance(fields, MarriageCertificate)
    assert fields.party_b.birth_date == born


def test_child_birth_date_is_read_in_china_standard_time() -> None:
    # 2016-05-19T16:30Z is 2016-05-20 00:30 in Beijing: the date in the child's ID number.
    raw = birth_medical() | {"birth_datetime": "2016-05-19T16:30:00Z"}
    fields = get_type("birth_medical").parse_fields(raw)
    assert isinstance(fields, BirthMedicalCertificate)
    assert fields.child_id_number == SON


def test_every_problem_is_listed_in_details() -> None:
    raw = household_register()
    raw["household_type"] = "大户"
    raw["members"][0]["id_number"] = flip_check(WIFE)
    raw["members"][2]["name"] = ""
    with pytest.raises(SchemaInvalid) as caught:
        get_type("household_register").parse_fields(raw)
    details = caught.value.details
    assert [d["field"] for d in details] == [
        "household_type",
        "members.0.id_number",
        "members.2.name",
    ]
    assert [d["code"] for d in details][1] == "check_digit_mismatch"
    assert all(set(d) == {"field", "code", "message"} and d["message"] for d in details)
    assert caught.value.to_dict()["code"] == "schema_invalid"


def test_the_first_problem_chooses_the_error_class() -> None:
    raw = resident_id() | {"ethnicity": "00", "id_number": flip_check(HUSBAND)}
    with pytest.raises(InvalidCode) as caught:
        get_type("resident_id").parse_fields(raw)
    assert type(caught.value) is InvalidCode
    assert [d["code"] for d in caught.value.details] == ["invalid_code", "check_digit_mismatch"]


@pytest.mark.parametrize("raw", [None, [], "张伟", 42])
def test_parse_fields_of_a_non_mapping(raw: Any) -> None:
    with pytest.raises(SchemaInvalid) as caught:
        get_type("resident_id").parse_fields(raw)
    assert caught.value.field is None


def test_codes_are_normalised() -> None:
    raw = resident_id() | {"id_number": " " + citizen(date(1990, 3, 15), 1, serial=0).lower() + " "}
    fields = get_type("resident_id").parse_fields(raw)
    assert fields.holder_codes() == (citizen(date(1990, 3, 15), 1, serial=0),)


def test_fields_are_frozen() -> None:
    fields = get_type("resident_id").parse_fields(resident_id())
    assert isinstance(fields, ResidentIdCard)
    with pytest.raises(ValueError, match="frozen"):
        fields.name = "李四"  # type: ignore[misc]


# --- from_compact never lets anything but SchemaInvalid out -------------------------------


def resident_compact() -> dict[int, Any]:
    certificate_type = get_type("resident_id")
    return certificate_type.to_compact(certificate_type.parse_fields(resident_id()))


def household_compact() -> dict[int, Any]:
    certificate_type = get_type("household_register")
    return certificate_type.to_compact(certificate_type.parse_fields(household_register()))


RESIDENT = resident_compact()
MEMBERS = household_compact()[6]


def garbage(test_id: str, slug: str, data: object, field: str | None) -> Any:
    return pytest.param(slug, data, field, id=test_id)


COMPACT_GARBAGE = [
    garbage("none", "resident_id", None, None),
    garbage("list", "resident_id", list(RESIDENT.values()), None),
    garbage("bytes", "resident_id", cbor2.dumps(RESIDENT), None),
    garbage("empty", "resident_id", {}, "name"),
    garbage("string-keys", "resident_id", {str(k): v for k, v in RESIDENT.items()}, None),
    garbage("unknown-key", "resident_id", RESIDENT | {99: "x"}, None),
    garbage("key-zero", "resident_id", RESIDENT | {0: "x"}, None),
    garbage("bool-key", "resident_id", {True: RESIDENT[1]} | {k: RESIDENT[k] for k in range(2, 8)},
            None),
    garbage("name-int", "resident_id", RESIDENT | {1: 7}, "name"),
    garbage("sex-str", "resident_id", RESIDENT | {2: "1"}, "sex"),
    garbage("sex-bool", "resident_id", RESIDENT | {2: True}, "sex"),
    garbage("sex-float", "resident_id", RESIDENT | {2: 1.0}, "sex"),
    garbage("date-object", "resident_id", RESIDENT | {4: date(1990, 3, 15)}, "birth_date"),
    garbage("date-garbage", "resident_id", RESIDENT | {4: "1990-02-30"}, "birth_date"),
    garbage("null-value", "resident_id", RESIDENT | {5: None}, "address"),
    garbage("check-digit", "resident_id", RESIDENT | {6: flip_check(HUSBAND)}, "id_number"),
    garbage("sex-disagrees", "resident_id", RESIDENT | {2: 2}, "sex"),
    garbage("members-map", "household_register", household_compact() | {6: {1: "x"}}, "members"),
    garbage("member-list", "household_register", household_compact() | {6: [["张伟"]]},
            "members.0"),
    garbage("member-unknown-key", "household_register",
            household_compact() | {6: [MEMBERS[0] | {9: 1}]}, "members.0"),
    garbage("member-wrong-type", "household_register",
            household_compact() | {6: [MEMBERS[0] | {2: "2"}]}, "members.0.sex"),
    garbage("member-check-digit", "household_register",
            household_compact() | {6: [*MEMBERS[:3], MEMBERS[3] | {4: flip_check(DAUGHTER)}]},
            "members.3.id_number"),
    garbage("tuple-not-list", "household_register",
            household_compact() | {6: tuple(MEMBERS)}, "members"),
]  # fmt: skip


@pytest.mark.parametrize(("slug", "data", "field"), COMPACT_GARBAGE)
def test_from_compact_garbage(slug: str, data: object, field: str | None) -> None:
    with pytest.raises(ElicenseError) as caught:
        get_type(slug).from_compact(data)
    assert type(caught.value) is SchemaInvalid
    assert caught.value.field == field


cbor_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.binary(max_size=8)
)
cbor_keys = st.integers(min_value=-1, max_value=9) | st.text(max_size=3)
cbor_values = st.recursive(
    cbor_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(cbor_keys, children, max_size=4)
    ),
    max_leaves=12,
)


@given(st.sampled_from(SLUGS), cbor_values)
def test_from_compact_fuzz(slug: str, data: object) -> None:
    # Anything but SchemaInvalid (a pydantic error, KeyError, TypeError) fails the test.
    with contextlib.suppress(SchemaInvalid):
        get_type(slug).from_compact(data)


@given(st.sampled_from(SLUGS), st.data())
def test_from_compact_with_one_value_replaced(slug: str, data: st.DataObject) -> None:
    certificate_type = get_type(slug)
    compact = certificate_type.to_compact(certificate_type.parse_fields(SAMPLES[slug]()))
    key = data.draw(st.sampled_from(sorted(compact)))
    compact[key] = data.draw(cbor_values)
    with contextlib.suppress(SchemaInvalid):
        certificate_type.from_compact(compact)


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)),
    st.sampled_from([1, 2]),
    st.integers(min_value=0, max_value=499),
    st.sampled_from(sorted(ETHNICITY_NAMES)),
    # Printable names (issue 8): no control or format character, something visible
    # (the Hangul fillers are letters that render as nothing).
    st.text(
        st.characters(exclude_categories=("Cc", "Cf", "Cs", "Zl", "Zp")), min_size=1, max_size=30
    )
    .map(str.strip)
    .filter(lambda text: any(c.isalnum() and c not in "\u115f\u1160\u3164\uffa0" for c in text)),
)
def test_synthetic_resident_ids_round_trip(
    born: date, sex: int, serial: int, ethnicity: str, name: str
) -> None:
    certificate_type = get_type("resident_id")
    raw = resident_id() | {
        "name": name, "sex": sex, "ethnicity": ethnicity,
        "birth_date": born.isoformat(), "id_number": citizen(born, sex, serial),
    }  # fmt: skip
    fields = certificate_type.parse_fields(raw)
    compact = cbor2.loads(cbor2.dumps(certificate_type.to_compact(fields)))
    assert certificate_type.from_compact(compact) == fields
