"""A bad bundle definition is refused at load, naming the file and the field.

Each test takes the newborn sample, breaks one thing, writes it into a fresh
directory and loads the directory: the message is ``file: field.path: problem``."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.wallet.bundles.definition_files import index_of, sample, write
from wallet.bundles.definitions import (
    MAX_DEFINITION_BYTES,
    BundleDefinitionError,
    load_definitions,
)

Edit = Callable[[dict[str, Any]], None]


def refusal(tmp_path: Path, edit: Edit, *, handler_names: set[str] | None = None) -> str:
    document = sample()
    edit(document)
    write(tmp_path, document)
    checked = handler_names is not None
    with pytest.raises(BundleDefinitionError) as caught:
        load_definitions(tmp_path, check_handlers=checked, handler_names=handler_names)
    return str(caught.value)


def item(document: dict[str, Any], code: str) -> dict[str, Any]:
    items: list[dict[str, Any]] = document["items"]
    return items[index_of(items, code)]


CASES: list[tuple[str, Edit, str]] = [
    (
        "unknown type",
        lambda d: d["supplies"][0].update(type="passport"),
        "newborn.json: supplies.0.type: unknown certificate type 'passport'",
    ),
    (
        "unknown claim of a supply",
        lambda d: d["supplies"][0]["claims"].append("shoe_size"),
        "newborn.json: supplies.0.claims.6: 'shoe_size' is not a claim of resident_id",
    ),
    (
        "unknown claim in an item's certificates",
        lambda d: item(d, "birth_registration")["certificates"]["marriage"].append("witness"),
        "newborn.json: items.1.certificates.marriage.5: 'witness' is not a claim of marriage",
    ),
    (
        "an item asks a claim no role supplies",
        lambda d: item(d, "birth_registration")["certificates"]["birth_medical"].append(
            "gestational_weeks"
        ),
        "newborn.json: items.1.certificates.birth_medical.11: "
        "no role supplies birth_medical claim 'gestational_weeks'",
    ),
    (
        "unknown claim inside a claim path",
        lambda d: d["form"][11]["sources"][0].update(claim="members[id_number=$holder].shoe"),
        "newborn.json: form.11.sources.0.claim: unknown claim 'shoe' of HouseholdMember",
    ),
    (
        "a list entered without a selector",
        lambda d: d["form"][11]["sources"][0].update(claim="members.relation"),
        "newborn.json: form.11.sources.0.claim: 'members' is a list: select one record",
    ),
    (
        "unknown role of a supply",
        lambda d: d["supplies"][0].update(role="uncle"),
        "newborn.json: supplies.0.role: unknown role 'uncle'",
    ),
    (
        "unknown guardian role",
        lambda d: d["roles"][2]["guardian_roles"].append("grandmother"),
        "newborn.json: roles.2.guardian_roles.2: unknown role 'grandmother'",
    ),
    (
        "two applicants",
        lambda d: d["roles"][1].update(applicant=True),
        "newborn.json: roles: exactly one role is the applicant, not 2",
    ),
    (
        "unknown item in depends_on",
        lambda d: item(d, "vaccination_certificate")["depends_on"].append("x"),
        "newborn.json: items.2.depends_on.1: unknown item 'x'",
    ),
    (
        "a cycle in depends_on",
        lambda d: item(d, "birth_medical_certificate").update(depends_on=["social_security_card"]),
        "newborn.json: items.1.depends_on.0: dependency cycle: birth_medical_certificate -> "
        "social_security_card -> medical_insurance_enrolment -> birth_registration -> "
        "birth_medical_certificate",
    ),
    (
        "an input that is not a form field",
        lambda d: item(d, "birth_registration")["inputs"].insert(0, "shoe_size"),
        "newborn.json: items.1.inputs.0: unknown form field 'shoe_size'",
    ),
    (
        "both sources and typed",
        lambda d: d["form"][0].update(typed={"kind": "chinese_name"}),
        "newborn.json: form.0: give exactly one of sources and typed",
    ),
    (
        "neither sources nor typed",
        lambda d: d["form"][0].pop("sources"),
        "newborn.json: form.0: give exactly one of sources and typed",
    ),
    (
        "a source the role does not supply",
        lambda d: d["form"][0]["sources"][0].update(role="father"),
        "newborn.json: form.0.sources.0: role 'father' supplies no birth_medical",
    ),
    (
        "a department that is no kind",
        lambda d: item(d, "birth_registration").update(department="police"),
        "newborn.json: items.1.department: unknown department kind 'police'",
    ),
    (
        "an output by a bad USCC",
        lambda d: item(d, "vaccination_certificate")["outputs"][0].update(
            issuer="12310112000000011M"
        ),
        "newborn.json: items.2.outputs.0.issuer: ",
    ),
    (
        "an item coded like its bundle",
        lambda d: item(d, "maternity_benefit").update(code="newborn"),
        "newborn.json: items.5.code: item 'newborn' has the bundle's code",
    ),
    (
        "a schema error (pydantic's loc is the path)",
        lambda d: item(d, "social_security_card").update(promised_days=400),
        "newborn.json: items.4.promised_days: Input should be less than or equal to 365",
    ),
    (
        "an unknown key",
        lambda d: d["baseline"].update(colour="red"),
        "newborn.json: baseline.colour: Extra inputs are not permitted",
    ),
    (
        "a supply claim no item may ask (the bundle's one request would be refused)",
        lambda d: item(d, "birth_registration")["certificates"]["household_register"].remove(
            "registration_authority"
        ),
        "newborn.json: supplies.2.claims.4: "
        "no item's certificates allow household_register claim 'registration_authority'",
    ),
]


@pytest.mark.parametrize(("edit", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_broken_field_is_named(tmp_path: Path, edit: Edit, message: str) -> None:
    assert refusal(tmp_path, edit).startswith(message)


def test_a_handler_missing_from_the_registry_is_named(tmp_path: Path) -> None:
    message = refusal(tmp_path, lambda d: None, handler_names={"birth_registration"})
    assert message == (
        "newborn.json: items.0.handler: no department handler 'birth_medical_certificate'"
    )


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "newborn.json").write_text('{"bundle": "newborn",\n  "version": 1,,\n}', "utf-8")
    with pytest.raises(
        BundleDefinitionError, match=r"^newborn\.json: line 2 column 16: invalid JSON"
    ):
        load_definitions(tmp_path, check_handlers=False)


def test_a_repeated_key_is_refused(tmp_path: Path) -> None:
    (tmp_path / "newborn.json").write_text('{"bundle": "newborn", "bundle": "x"}', "utf-8")
    with pytest.raises(BundleDefinitionError, match=r"^newborn\.json: invalid JSON: key 'bundle'"):
        load_definitions(tmp_path, check_handlers=False)


def test_not_utf8_is_refused(tmp_path: Path) -> None:
    (tmp_path / "newborn.json").write_bytes('{"name_zh": "新生儿"}'.encode("gb18030"))
    with pytest.raises(BundleDefinitionError, match=r"^newborn\.json: not UTF-8 text"):
        load_definitions(tmp_path, check_handlers=False)


def test_an_oversized_file_is_refused_before_parsing(tmp_path: Path) -> None:
    # Valid JSON in shape but never parsed: the size limit comes first.
    padding = " " * MAX_DEFINITION_BYTES
    (tmp_path / "newborn.json").write_text(json.dumps(sample()) + padding, "utf-8")
    with pytest.raises(BundleDefinitionError) as caught:
        load_definitions(tmp_path, check_handlers=False)
    assert str(caught.value) == "newborn.json: larger than 262144 bytes (256 KiB)"


def test_the_file_is_named_after_its_bundle(tmp_path: Path) -> None:
    write(tmp_path, sample(), name="baby")
    with pytest.raises(BundleDefinitionError, match=r"^baby\.json: bundle: bundle 'newborn'"):
        load_definitions(tmp_path, check_handlers=False)


def test_an_item_code_used_by_two_bundles_is_refused(tmp_path: Path) -> None:
    write(tmp_path, sample())
    other = sample("retirement")
    other["bundle"] = "other"
    other["items"][1]["code"] = "birth_registration"
    write(tmp_path, other)
    with pytest.raises(BundleDefinitionError) as caught:
        load_definitions(tmp_path, check_handlers=False)
    assert str(caught.value) == (
        "other.json: items.1.code: item 'birth_registration' is also defined in newborn.json"
    )


def test_an_item_coded_like_another_bundle_is_refused(tmp_path: Path) -> None:
    write(tmp_path, sample())
    other = sample("retirement")
    other["items"][1]["code"] = "newborn"
    write(tmp_path, other)
    with pytest.raises(BundleDefinitionError) as caught:
        load_definitions(tmp_path, check_handlers=False)
    assert str(caught.value) == (
        "retirement.json: items.1.code: item 'newborn' has the code of the bundle in newborn.json"
    )


def test_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(BundleDefinitionError, match=re.escape(f"{tmp_path / 'none'}: not a")):
        load_definitions(tmp_path / "none", check_handlers=False)
