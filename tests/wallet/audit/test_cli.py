"""``elicense audit verify``: exit 0 and a JSON summary when intact, exit 1 naming the
row when one was edited, deleted or inserted."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, text

from issuers.store.database import write_transaction
from tests.app_fixtures import FixedClock
from tests.wallet.audit.audit_world import append_many, audit_service
from wallet.cli import main


def test_an_intact_log_exits_0(
    engine: Engine, clock: FixedClock, cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    append_many(audit_service(engine, clock), engine, clock, 3)
    assert main(["audit", "verify"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["intact"], out["rows"], out["checkpoints"]) == (True, 3, 1)


def test_a_deleted_row_exits_1_naming_it(
    engine: Engine, clock: FixedClock, cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    append_many(audit_service(engine, clock), engine, clock, 3)
    with write_transaction(engine) as conn:
        conn.execute(text("DELETE FROM audit_entry_holders WHERE seq = 2"))
        conn.execute(text("DELETE FROM audit_entries WHERE seq = 2"))
    assert main(["audit", "verify", "--batch-size", "1"]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["damage"] == {
        "row": 2,
        "kind": "deleted",
        "message": "row 2 deleted: the chain jumps to row 3",
    }
    assert "row 2 deleted" in captured.err
