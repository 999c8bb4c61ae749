"""How a form value reads on the citizen's application page: a sex code as 男/女, a
bank card masked to its first and last four digits, nothing as —."""

from __future__ import annotations

from typing import Any

import pytest

from wallet.web.bundle_views import FormRow


def row(code: str, value: Any, typed_kind: str | None = None) -> FormRow:
    return FormRow(code, code, value, "", (), typed_kind, True)


@pytest.mark.parametrize(
    ("form_row", "shown"),
    [
        (row("child_sex", 2), "女"),
        (row("sex", 1), "男"),
        (row("bank_card", "6217000010000000011", "bank_card"), "6217 **** 0011"),
        (row("bank_card", "12345678", "bank_card"), "****"),
        (row("child_name", "张小满"), "张小满"),
        (row("household_number", None), "—"),
        (row("phone", "", "phone"), "—"),
        (row("child_sex", "2"), "2"),  # not a code the catalogue stores as a number
    ],
)
def test_a_value_reads_as_a_citizen_expects(form_row: FormRow, shown: str) -> None:
    assert form_row.shown == shown
