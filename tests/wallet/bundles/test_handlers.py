"""The department handlers against a real IssuanceService on the test database
(SQLite, or PostgreSQL with ELICENSE_DATABASE_URL): what each decides, what it mints
and for whom, its refusals, and that a retried step returns the same certificate."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from issuers.codes.gb11643 import parse_resident_id
from issuers.status_codes import CertificateStatus
from issuers.store.issuance import IssuanceService
from issuers.store.tables import certificates
from tests.wallet.bundles.handler_world import (
    DRIVER,
    FATHER,
    MOTHER,
    PUBLIC_SECURITY,
    RETIREE,
    YOUNG,
    birth_claims,
    driver_context,
    newborn_context,
    register_fields,
    retiree_context,
)
from wallet.bundles.engine.minting import IssuanceMinter
from wallet.bundles.handlers import HANDLERS
from wallet.bundles.handlers.base import ItemContext, ItemOutcome, Rejected

REQUIRED = {
    "birth_registration", "vaccination_certificate", "medical_insurance_enrolment",
    "social_security_card", "pension_approval", "housing_fund_withdrawal",
    "ride_hailing_driver_certificate",
}  # fmt: skip


@pytest.fixture
def minter(service: IssuanceService) -> IssuanceMinter:
    return IssuanceMinter(service)


@pytest.fixture
def register(service: IssuanceService) -> str:
    """林小龙's household register (version 1), in 上海市公安局's store."""
    return service.mint("household_register", PUBLIC_SECURITY, register_fields()).identifier


def run(context: ItemContext, minter: IssuanceMinter) -> ItemOutcome:
    return HANDLERS[context.item.handler](context, minter)


def count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(certificates)).scalar_one())


def status_of(engine: Engine, identifier: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(
            select(certificates.c.status, certificates.c.fields).where(
                certificates.c.identifier == identifier
            )
        ).one()


def test_the_registry_holds_every_item_handler() -> None:
    assert set(HANDLERS) >= REQUIRED


def test_birth_registration_assigns_the_number_and_reissues_the_register(
    register: str, minter: IssuanceMinter, engine: Engine
) -> None:
    outcome = run(newborn_context("birth_registration"), minter)
    child = outcome.facts["child_id_number"]
    parsed = parse_resident_id(child)  # valid check digit, or this raises
    assert parsed.region_code == "310112"  # the household's region
    assert parsed.birth_date.isoformat() == "2026-10-29"  # 00:30 China time, not UTC's 28th
    assert parsed.sex_code == 2  # 林小雨: an even sequence number
    (minted,) = outcome.minted
    assert (minted.type, minted.version) == ("household_register", 2)
    assert set(minted.holder_codes) == {FATHER, MOTHER, child}  # both parents, and the child
    old, new = status_of(engine, register), status_of(engine, minted.identifier)
    assert old.status == CertificateStatus.LAPSED.value  # 05 失效
    assert new.status == CertificateStatus.VALID.value
    added = next(m for m in new.fields["members"] if m["id_number"] == child)
    assert (added["name"], added["relation"], added["birth_date"]) == ("林小雨", "女", "2026-10-29")
    assert outcome.note_zh
    # A retried step (same application): the same number, the same certificate, no mint.
    total = count(engine)
    again = run(newborn_context("birth_registration"), minter)
    assert again.facts["child_id_number"] == child
    assert again.minted == outcome.minted
    assert count(engine) == total


def test_another_application_draws_another_sequence(register: str, minter: IssuanceMinter) -> None:
    first = run(newborn_context("birth_registration", "app-a"), minter).facts["child_id_number"]
    twin = run(newborn_context("birth_registration", "app-b"), minter)  # on version 2 now
    second = twin.facts["child_id_number"]
    assert first != second
    assert int(second[14:17]) % 2 == 0
    assert twin.minted[0].version == 3


def test_birth_registration_refusals(register: str, minter: IssuanceMinter) -> None:
    stranger = birth_claims(father=DRIVER)
    with pytest.raises(Rejected) as caught:
        run(newborn_context("birth_registration", birth=stranger), minter)
    assert caught.value.code == "not_a_parent"


def test_birth_registration_without_a_valid_register_is_refused(minter: IssuanceMinter) -> None:
    with pytest.raises(Rejected) as caught:
        run(newborn_context("birth_registration"), minter)
    assert caught.value.code == "household_missing"


def test_vaccination_needs_no_id_number_and_reaches_both_parents(
    minter: IssuanceMinter, engine: Engine
) -> None:
    outcome = run(newborn_context("vaccination_certificate"), minter)
    (minted,) = outcome.minted
    assert minted.type == "vaccination"
    assert minted.holder_codes == (FATHER, MOTHER)
    fields = status_of(engine, minted.identifier).fields
    assert [d["vaccine_name"] for d in fields["doses"]] == ["乙肝疫苗", "卡介苗"]
    assert fields["child_birth_date"] == "2026-10-29"
    assert fields["certificate_number"].startswith("3101122026")
    assert run(newborn_context("vaccination_certificate"), minter).minted == outcome.minted
    assert count(engine) == 1


def test_medical_insurance_and_the_card_use_the_child_number_fact(
    register: str, minter: IssuanceMinter, engine: Engine
) -> None:
    with pytest.raises(Rejected) as caught:
        run(newborn_context("medical_insurance_enrolment"), minter)
    assert caught.value.code == "child_not_registered"
    child = run(newborn_context("birth_registration"), minter).facts["child_id_number"]
    facts = {"birth_registration": {"child_id_number": child}}
    insurance = run(newborn_context("medical_insurance_enrolment", facts=facts), minter)
    assert insurance.minted[0].holder_codes == (child, FATHER, MOTHER)
    assert "自出生之日起" in insurance.note_zh
    # The card's item depends on the enrolment only: the fact travels with it.
    card_facts = {"medical_insurance_enrolment": dict(insurance.facts)}
    card = run(newborn_context("social_security_card", facts=card_facts), minter)
    (minted,) = card.minted
    assert minted.holder_codes == (child, FATHER, MOTHER)
    fields = status_of(engine, minted.identifier).fields
    assert fields["social_security_number"] == child
    assert len(fields["card_number"]) == 9
    total = count(engine)
    assert run(newborn_context("social_security_card", facts=card_facts), minter) == card
    assert count(engine) == total


def test_a_driver_with_three_years_gets_the_certificate(
    minter: IssuanceMinter, engine: Engine
) -> None:
    outcome = run(driver_context(), minter)
    (minted,) = outcome.minted
    assert (minted.type, minted.holder_codes) == ("ride_hailing_driver", (DRIVER,))
    assert status_of(engine, minted.identifier).fields["service_region_code"] == "330100"
    assert run(driver_context(), minter).minted == outcome.minted
    assert count(engine) == 1


@pytest.mark.parametrize(
    ("first_issued", "record", "code"),
    [
        ("2023-11-02", "经查询，未发现有犯罪记录", "driving_experience_short"),  # a day short
        ("2019-03-01", "经查询，有危险驾驶犯罪记录", "criminal_record"),
    ],
)
def test_a_driver_is_refused_with_the_rule(
    first_issued: str, record: str, code: str, minter: IssuanceMinter, engine: Engine
) -> None:
    with pytest.raises(Rejected) as caught:
        run(driver_context(first_issued, record), minter)
    assert caught.value.code == code
    assert "第十四条" in caught.value.reason_zh
    assert count(engine) == 0


def test_exactly_three_years_is_enough(minter: IssuanceMinter) -> None:
    assert run(driver_context("2023-11-01"), minter).minted


def test_pension_approval_past_the_statutory_age(minter: IssuanceMinter, engine: Engine) -> None:
    outcome = run(retiree_context("pension_approval"), minter)
    (minted,) = outcome.minted
    assert minted.holder_codes == (RETIREE,)
    fields = status_of(engine, minted.identifier).fields
    assert fields["retirement_date"] == "2026-06-01"  # 60 years and 4 months (born 1966-02)
    assert fields["monthly_pension_fen"] > 0
    assert outcome.facts["retirement_date"] == "2026-06-01"
    assert run(retiree_context("pension_approval"), minter).minted == outcome.minted


@pytest.mark.parametrize(
    ("context", "code"),
    [
        (lambda: retiree_context("pension_approval", YOUNG, "1970-01-05"), "below_retirement_age"),
        (lambda: retiree_context("pension_approval", contribution_months=179),
         "contribution_too_short"),
        (lambda: retiree_context("pension_approval", contribution_months=""),
         "contribution_record_missing"),
        (lambda: retiree_context("pension_approval", employer_uscc="91310000MA1K4AQX3L"),
         "invalid_output"),
        (lambda: retiree_context("housing_fund_withdrawal"), "not_retired"),
    ],
)  # fmt: skip
def test_retirement_refusals(context: Any, code: str, minter: IssuanceMinter) -> None:
    with pytest.raises(Rejected) as caught:
        run(context(), minter)
    assert caught.value.code == code


def test_housing_fund_withdrawal_after_the_pension(minter: IssuanceMinter) -> None:
    facts = {"pension_approval": {"retirement_date": "2026-06-01"}}
    outcome = run(retiree_context("housing_fund_withdrawal", facts=facts), minter)
    assert outcome.minted == ()
    assert "5678" in outcome.note_zh


def test_current_reads_the_newest_valid_version(
    register: str, minter: IssuanceMinter, service: IssuanceService
) -> None:
    assert minter.current("household_register", MOTHER) == (
        register,
        status_fields(service, register),
    )
    outcome = run(newborn_context("birth_registration"), minter)
    found = minter.current("household_register", FATHER)
    assert found is not None
    assert found[0] == outcome.minted[0].identifier
    assert minter.current("resident_id", FATHER) is None


def status_fields(service: IssuanceService, identifier: str) -> Any:
    return status_of(service.engine, identifier).fields


def test_a_context_is_plain_data() -> None:
    context = newborn_context("vaccination_certificate")
    assert dataclasses.replace(context, application_id="x").mint_key(0) == (
        "bundle:x:vaccination_certificate:0"
    )
