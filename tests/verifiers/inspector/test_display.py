"""Field labels, masking and the verdict's colour, without HTTP."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import get_args

import pytest
from pydantic import BaseModel

from issuers.catalogue import CATALOGUE
from tests.helpers import sample
from verifiers.inspector.display import (
    FIELD_LABELS,
    field_rows,
    id_numbers_in,
    mask_id_number,
    redact,
)
from verifiers.inspector.view import verdict_view
from verifiers.verdict import Verdict

NOW = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)


def test_only_the_resident_id_card_shows_the_id_number_to_an_inspector() -> None:
    showing = {slug for slug, entry in CATALOGUE.items() if entry.shows_id_number}
    assert showing == {"resident_id"}


def test_every_catalogue_field_has_a_chinese_and_an_english_label() -> None:
    def names(model: type[BaseModel]) -> set[str]:
        found: set[str] = set()
        for name, field in model.model_fields.items():
            found.add(name)
            for inner in _models_in(field.annotation):
                found |= names(inner)
        return found

    for entry in CATALOGUE.values():
        missing = names(entry.model) - set(FIELD_LABELS)
        assert not missing, (entry.slug, missing)
    for zh, en in FIELD_LABELS.values():
        assert zh
        assert en.isascii()


def _models_in(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _models_in(arg)]


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("31010419900315123X", "3101**********123X"),
        ("330102197801305178", "3301**********5178"),
        ("12345678", "********"),
    ],
)
def test_mask_keeps_the_first_four_and_the_last_four(number: str, masked: str) -> None:
    assert mask_id_number(number) == masked


def test_id_numbers_are_found_at_any_depth_and_masked_wherever_they_appear() -> None:
    household = sample("household_register")["fields"]
    numbers = id_numbers_in(household, ["31010419900315123X"])
    assert numbers == {m["id_number"] for m in household["members"]}
    driver = sample("ride_hailing_driver")["fields"]
    found = id_numbers_in(driver)
    assert found == {"330102197801305178"}
    rows = field_rows(driver, found)
    assert all("330102197801305178" not in (row.value or "") for row in rows)
    assert redact("证号 330102197801305178 号", found) == "证号 3301**********5178 号"
    # A USCC holder is an organisation, not a person: never taken for an ID number.
    assert id_numbers_in({}, ["91330106MA27U0001M"]) == frozenset()


def test_nested_fields_become_headed_groups() -> None:
    rows = field_rows(sample("marriage")["fields"])
    headings = [(row.label_zh, row.depth) for row in rows if row.value is None]
    assert headings == [("甲方", 0), ("乙方", 0)]
    assert any(row.label_en == "Name" and row.depth == 1 for row in rows)
    scope = field_rows({"business_scope": ["道路普通货物运输", "货物专用运输"]})
    assert scope[0].value == "道路普通货物运输、货物专用运输"


def _verdict(**values: object) -> Verdict:
    return Verdict.model_validate({"checked_at": NOW, "message": None, **values})


@pytest.mark.parametrize(
    ("values", "tone", "state"),
    [
        ({"valid": True, "code": None}, "green", "valid"),
        (
            {"valid": True, "code": None, "warnings": ["status_list_stale: 2 h old"]},
            "amber",
            "valid_stale_data",
        ),
        ({"valid": False, "code": "suspended"}, "amber", "suspended"),
        ({"valid": False, "code": "presentation_stale"}, "amber", "stale"),
        ({"valid": False, "code": "status_list_expired"}, "amber", "status_list_expired"),
        ({"valid": False, "code": "revoked"}, "red", "invalid"),
        ({"valid": False, "code": "signature_invalid"}, "red", "invalid"),
        ({"valid": False, "code": "replayed"}, "red", "invalid"),
    ],
)
def test_verdict_colours(values: dict[str, object], tone: str, state: str) -> None:
    view = verdict_view(_verdict(**values))
    assert (view.tone, view.state) == (tone, state)
