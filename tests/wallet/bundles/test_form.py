"""The one form (wallet.bundles.form): prefill from verified claims, conflicts flagged
when two certificates disagree, resolve, and what submitting refuses."""

from __future__ import annotations

import pytest

from issuers.errors import FormConflict, InvalidInput
from tests.wallet.bundles.engine_setup import FATHER, MOTHER, tiny_bundle
from wallet.bundles.form import prefill, read_claim, resolve, submission

HOLDERS = {"mother": MOTHER, "father": FATHER}


def _certificates(mother_address: str, father_address: str) -> dict[str, object]:
    return {
        "mother": {"resident_id": {"name": "李娜", "address": mother_address}},
        "father": {"resident_id": {"name": "张伟", "address": father_address}},
    }


def test_agreeing_sources_fill_the_field_without_a_conflict() -> None:
    form, conflicts = prefill(tiny_bundle(), _certificates("上海", "上海"), HOLDERS)  # type: ignore[arg-type]
    assert form["address"].value == "上海"
    assert form["address"].source == "mother.resident_id.address"
    assert form["mother_name"].value == "李娜"
    assert "baby_name" not in form  # typed by the applicant
    assert conflicts == []


def test_disagreeing_sources_are_a_conflict_until_resolved() -> None:
    definition = tiny_bundle()
    form, conflicts = prefill(definition, _certificates("上海", "北京"), HOLDERS)  # type: ignore[arg-type]
    assert [(c.field, [v.value for v in c.values]) for c in conflicts] == [
        ("address", ["上海", "北京"])
    ]
    with pytest.raises(FormConflict) as refused:
        submission(definition, form, conflicts, {"baby_name": "张小宝"})
    assert refused.value.status == 409
    assert refused.value.details == {"conflicts": ["address"], "missing": []}
    form, conflicts = resolve(definition, form, conflicts, "address", "北京")
    assert (form["address"].value, form["address"].source, conflicts) == ("北京", "resolved", [])
    assert submission(definition, form, conflicts, {"baby_name": "张小宝"})["address"] == "北京"


def test_resolving_a_field_not_in_conflict_is_refused() -> None:
    definition = tiny_bundle()
    form, conflicts = prefill(definition, _certificates("上海", "上海"), HOLDERS)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        resolve(definition, form, conflicts, "address", "北京")


def test_typed_fields_are_required_and_checked() -> None:
    definition = tiny_bundle()
    form, conflicts = prefill(definition, _certificates("上海", "上海"), HOLDERS)  # type: ignore[arg-type]
    with pytest.raises(FormConflict) as missing:
        submission(definition, form, conflicts, {})
    assert missing.value.details == {"conflicts": [], "missing": ["baby_name"]}
    with pytest.raises(InvalidInput) as wrong:
        submission(definition, form, conflicts, {"baby_name": "Bob"})
    assert wrong.value.field == "baby_name"
    with pytest.raises(InvalidInput):
        submission(definition, form, conflicts, {"mother_name": "王芳"})  # not typed


def test_a_claim_path_selects_the_holders_record() -> None:
    claims = {"members": [{"id_number": FATHER, "relation": "户主"},
                          {"id_number": MOTHER, "relation": "配偶"}]}  # fmt: skip
    assert read_claim(claims, "members[id_number=$holder].relation", MOTHER) == "配偶"
    assert read_claim(claims, "members[id_number=$holder].relation", "nobody") is None
    assert read_claim(claims, "address", MOTHER) is None
