"""The sample bundle definitions load, agree with the other sample data (issuers, demo
clients, consent items) and carry the seeds' figures; claim paths read real claims."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.wallet.bundles.definition_files import SAMPLE_CODES
from wallet.bundles.consent_items import consent_items
from wallet.bundles.definitions import DEFAULT_BUNDLES_DIR, load_definitions, read_claim
from wallet.bundles.handlers import HANDLERS
from wallet.consent.items import load_bundle_items
from wallet.server import demo

SAMPLES = DEFAULT_BUNDLES_DIR.parent


def test_every_sample_loads() -> None:
    definitions = load_definitions(check_handlers=False)
    assert tuple(definitions) == SAMPLE_CODES
    for code, definition in definitions.items():
        assert (DEFAULT_BUNDLES_DIR / f"{code}.json").is_file()
        assert definition.bundle == code


def test_every_item_names_a_registered_handler() -> None:
    definitions = load_definitions()  # the handlers checked against HANDLERS
    named = {item.handler for d in definitions.values() for item in d.items}
    assert named <= set(HANDLERS)


def test_the_newborn_bundle_has_the_seeds_figures() -> None:
    newborn = load_definitions(check_handlers=False)["newborn"]
    assert len(newborn.items) == 7
    assert len({item.department_name_zh for item in newborn.items}) == 6
    b = newborn.baseline
    assert (b.steps, b.target_steps, b.forms, b.target_forms) == (15, 2, 6, 1)
    assert (b.days, b.target_days, b.materials) == (18, 5, 24)
    assert newborn.service_client == "newborn-bundle"
    [applicant] = [role.code for role in newborn.roles if role.applicant]
    assert applicant == "father"
    child = next(role for role in newborn.roles if role.code == "child")
    assert not child.consents
    assert set(child.guardian_roles) == {"father", "mother"}
    birth = next(s for s in newborn.supplies if s.type == "birth_medical")
    assert (birth.role, birth.cross_region) == ("mother", True)
    # The address comes from two certificates: differing values are a conflict.
    address = next(field for field in newborn.form if field.code == "address")
    assert {(s.role, s.type) for s in address.sources} == {
        ("father", "resident_id"),
        ("father", "household_register"),
    }


def test_the_retirement_bundle_keeps_the_seeds_days() -> None:
    retirement = load_definitions(check_handlers=False)["retirement"]
    assert (retirement.baseline.days, retirement.baseline.target_days) == (63, 7)
    assert "占位" in retirement.baseline.source  # the figures the seeds do not give


def test_every_output_is_issued_by_a_sample_issuer_allowed_to() -> None:
    issuers = {
        entry["uscc"]: set(entry["allowed_types"])
        for entry in json.loads((SAMPLES / "issuers.json").read_text("utf-8"))
    }
    for definition in load_definitions(check_handlers=False).values():
        for item in definition.items:
            for output in item.outputs:
                assert output.type in issuers[output.issuer], (item.code, output)


def test_each_bundle_has_a_demo_client_for_its_items_and_itself() -> None:
    for definition in load_definitions(check_handlers=False).values():
        _, _, items, _ = demo.DEMO_CLIENTS[definition.service_client]
        wanted = {item.code for item in definition.items} | {definition.bundle}
        assert set(items) == wanted


def test_each_bundle_is_a_consent_item_of_its_items_union() -> None:
    items = load_bundle_items()
    definitions = load_definitions(check_handlers=False)
    for code, definition in definitions.items():
        whole = items[code]
        assert (whole.bundle, whole.department, whole.name_zh) == (
            code,
            "bundle",
            definition.name_zh,
        )
        for member in definition.items:
            for slug, claims in member.certificates.items():
                assert set(claims) <= whole.certificates[slug]
                assert items[member.code].certificates[slug] == frozenset(claims)
        # What the bundle's one request asks (the supplies) fits the bundle item.
        for supply in definition.supplies:
            assert set(supply.claims) <= whole.certificates[supply.type]
    # The engine's own reading of the definitions agrees with the consent service's.
    assert consent_items(definitions) == dict(items)


def _sample_register() -> dict[str, object]:
    certificates = json.loads((SAMPLES / "certificates.json").read_text("utf-8"))
    register: dict[str, object] = next(
        c["fields"] for c in certificates if c["type"] == "household_register"
    )
    return register


def test_a_claim_path_reads_the_holders_record() -> None:
    register = _sample_register()
    path = "members[id_number=$holder].relation"
    assert read_claim(register, path, "31010419900315123X") == "户主"
    assert read_claim(register, path, "320102199207082466") == "配偶"
    assert read_claim(register, "members[id_number=310104201605200318].name") == "张浩"
    assert read_claim(register, "address") == "上海市徐汇区示范路100弄1号101室"


@pytest.mark.parametrize(
    ("path", "holder"),
    [
        ("members[id_number=$holder].relation", None),
        ("members[id_number=$holder].relation", "330102197801305178"),
        ("shoe_size", None),
        ("address.street", None),
    ],
)
def test_a_claim_path_that_finds_nothing_is_a_lookup_error(path: str, holder: str | None) -> None:
    with pytest.raises(LookupError):
        read_claim(_sample_register(), path, holder)


def test_the_samples_are_small(tmp_path: Path) -> None:
    for path in DEFAULT_BUNDLES_DIR.glob("*.json"):
        assert path.stat().st_size < 32 * 1024
