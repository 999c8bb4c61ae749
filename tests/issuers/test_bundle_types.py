"""The certificate types the bundles added (issue 11): each validates its codes, names
its holders (a minor's guardians after the child) and mints a QR code through the
ordinary mint path. Synthetic people only (tests/issuers/bundle_samples.py)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select

from issuers.catalogue import get_type
from issuers.catalogue.human_resources import minimum_contribution_months
from issuers.catalogue.public_security import finds_no_record
from issuers.errors import CheckDigitMismatch, InvalidCode, InvalidInput, SchemaInvalid
from issuers.minting import NO_QR
from issuers.store.issuance import IssuanceService
from issuers.store.tables import certificate_holders
from tests.issuers.bundle_samples import (
    CHILD,
    DRIVER,
    FATHER,
    ISSUER_OF,
    MOTHER,
    NEW_SAMPLES,
    RETIREE,
)

SLUGS = list(NEW_SAMPLES)


def flip_check(id_number: str) -> str:
    return id_number[:17] + ("0" if id_number[17] != "0" else "1")


@pytest.mark.parametrize("slug", SLUGS)
def test_each_new_type_mints_a_qr_code_for_its_holders(
    slug: str, service: IssuanceService, engine: Engine
) -> None:
    minted = service.mint(slug, ISSUER_OF[slug], NEW_SAMPLES[slug]())
    assert minted.qr != NO_QR
    assert minted.qr.startswith("EL1:")
    assert minted.qr_unavailable is None
    with engine.connect() as conn:
        holders = conn.execute(
            select(certificate_holders.c.holder_code).order_by(certificate_holders.c.position)
        ).scalars()
        assert tuple(holders) == minted.record.holder_codes


@pytest.mark.parametrize(
    ("slug", "holders"),
    [
        ("vaccination", (FATHER, MOTHER)),  # a newborn without its number yet
        ("social_security_card", (CHILD, FATHER, MOTHER)),
        ("medical_insurance", (CHILD, FATHER, MOTHER)),
        ("retirement_approval", (RETIREE,)),
        ("driving_licence", (DRIVER,)),
        ("no_criminal_record", (DRIVER,)),
    ],
)
def test_holders_are_the_holder_then_the_guardians(slug: str, holders: tuple[str, ...]) -> None:
    certificate_type = get_type(slug)
    assert certificate_type.holder_codes(certificate_type.parse_fields(NEW_SAMPLES[slug]())) == (
        holders
    )


def test_a_vaccination_certificate_with_the_childs_number_lists_the_child_first() -> None:
    vaccination = get_type("vaccination")
    fields = vaccination.parse_fields(NEW_SAMPLES["vaccination"](CHILD))  # type: ignore[call-arg]
    assert vaccination.holder_codes(fields) == (CHILD, FATHER, MOTHER)


def _with(slug: str, path: str, value: Any) -> dict[str, Any]:
    raw = NEW_SAMPLES[slug]()
    target: Any = raw
    *parents, last = path.split(".")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[int(last) if last.isdigit() else last] = value
    return raw


@pytest.mark.parametrize(
    ("slug", "path", "value", "error", "field"),
    [
        ("social_security_card", "social_security_number", flip_check(CHILD),
         CheckDigitMismatch, "social_security_number"),
        ("social_security_card", "guardians.1.id_number", flip_check(MOTHER),
         CheckDigitMismatch, "guardians.1.id_number"),
        ("medical_insurance", "id_number", flip_check(CHILD), CheckDigitMismatch, "id_number"),
        ("vaccination", "guardians.0.id_number", flip_check(FATHER),
         CheckDigitMismatch, "guardians.0.id_number"),
        ("retirement_approval", "id_number", flip_check(RETIREE), CheckDigitMismatch, "id_number"),
        ("retirement_approval", "employer_uscc", "91310104MA1K000010", CheckDigitMismatch,
         "employer_uscc"),
        ("driving_licence", "licence_number", flip_check(DRIVER), CheckDigitMismatch,
         "licence_number"),
        ("no_criminal_record", "id_number", flip_check(DRIVER), CheckDigitMismatch, "id_number"),
        ("social_security_card", "card_number", "312345678", SchemaInvalid, "card_number"),
        ("social_security_card", "issuing_region_code", "990000", InvalidCode,
         "issuing_region_code"),
        ("vaccination", "certificate_number", "990112202600012345", InvalidCode,
         "certificate_number"),
        ("vaccination", "birth_certificate_number", "q320012345", InvalidCode,
         "birth_certificate_number"),
        ("retirement_approval", "approval_number", "3101042026", InvalidCode, "approval_number"),
        ("driving_licence", "file_number", "33010012345", SchemaInvalid, "file_number"),
        ("driving_licence", "vehicle_class", "Z9", SchemaInvalid, "vehicle_class"),
    ],
)  # fmt: skip
def test_bad_codes_are_typed_errors_naming_the_field(
    slug: str, path: str, value: Any, error: type[InvalidInput], field: str
) -> None:
    with pytest.raises(error) as caught:
        get_type(slug).parse_fields(_with(slug, path, value))
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("slug", "path", "value", "code"),
    [
        ("social_security_card", "sex", 1, "sex_mismatch"),  # 林小雨's number is even
        ("social_security_card", "guardians.1.id_number", FATHER, "duplicate_person"),
        ("medical_insurance", "guardians.0.id_number", CHILD, "duplicate_person"),
        ("medical_insurance", "coverage_year", 2025, "coverage_before_enrolment"),
        ("vaccination", "doses.1.date_given", "2026-10-27", "before_birth"),
        ("driving_licence", "first_issue_date", "1995-06-01", "under_driving_age"),
        ("driving_licence", "birth_date", "1978-01-31", "birth_date_mismatch"),
        ("driving_licence", "licence_valid_until", "2021-05-01", "empty_validity"),
        ("retirement_approval", "contribution_months", 179, "contribution_too_short"),
    ],
)
def test_cross_field_rules(slug: str, path: str, value: Any, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        get_type(slug).parse_fields(_with(slug, path, value))
    assert caught.value.details is not None
    assert caught.value.details[0]["code"] == code


def test_a_childs_vaccination_number_must_agree_with_its_birth_and_sex() -> None:
    boy = "310112202610280193"[:17]
    from issuers.codes.iso7064 import mod11_2_check

    boy_id = boy + mod11_2_check(boy)
    with pytest.raises(InvalidInput) as caught:
        get_type("vaccination").parse_fields(NEW_SAMPLES["vaccination"](boy_id))  # type: ignore[call-arg]
    assert caught.value.field == "child_sex"


def test_minimum_contribution_rises_from_2030() -> None:
    from datetime import date

    assert minimum_contribution_months(date(2029, 12, 31)) == 180
    assert minimum_contribution_months(date(2030, 1, 1)) == 186
    assert minimum_contribution_months(date(2039, 1, 1)) == 240
    assert minimum_contribution_months(date(2050, 1, 1)) == 240


def test_no_criminal_record_result() -> None:
    assert finds_no_record("经查询，未发现有犯罪记录")
    assert not finds_no_record("经查询，有犯罪记录")


def test_validity_of_the_new_types() -> None:
    from datetime import date

    def until(slug: str) -> date | None:
        t = get_type(slug)
        return t.valid_until(t.parse_fields(NEW_SAMPLES[slug]()), date(2026, 11, 2))

    assert until("medical_insurance") == date(2026, 12, 31)
    assert until("social_security_card") == date(2036, 11, 1)
    assert until("vaccination") is None
    assert until("driving_licence") is None  # 长期 when no end is printed
    assert until("no_criminal_record") == date(2027, 1, 31)
