"""``elicense import FILE`` (issue 12): JSON Lines of mint requests minted in batches.

A good file is minted whole and verifies; a bad line is skipped and reported with its
line number (exit 1), the rest imported; an import killed part-way (SIGKILL, a real
subprocess) leaves whole batches only, and running the file again mints exactly what
is missing; signing on worker processes gives the same result. Revoking an imported
certificate works. SQLite by default, PostgreSQL with ELICENSE_DATABASE_URL.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from benchmarks.mint_speed import ISSUER, person
from issuers.errors import Revoked
from issuers.status_codes import CertificateStatus
from issuers.store.issuance import IssuanceService
from issuers.store.key_resolver import DatabaseKeyResolver
from issuers.store.status_checker import DatabaseStatusChecker
from issuers.store.tables import certificates, status_entries
from verifiers.qr import verify_qr
from wallet.cli.main import main
from wallet.server.settings import get_settings

ELICENSE = Path(sys.executable).with_name("elicense")


def _line(n: int, **extra: Any) -> str:
    item = {"type": "resident_id", "issuer": ISSUER, "fields": person(n), **extra}
    return json.dumps(item, ensure_ascii=False)


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    get_settings.cache_clear()
    code = main(["import", *argv, "--json"])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def _count(engine: Engine, table: Any = certificates) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _unique(engine: Engine) -> None:
    with engine.connect() as conn:
        serials = conn.execute(select(certificates.c.serial)).scalars().all()
        places = conn.execute(select(status_entries.c.list_id, status_entries.c.idx)).all()
    assert len(set(serials)) == len(serials)
    assert len(set(places)) == len(places)


@pytest.mark.usefixtures("cli_env")
def test_a_good_file_is_minted_and_a_certificate_can_be_revoked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, engine: Engine, service: IssuanceService
) -> None:
    source = _write(tmp_path / "people.jsonl", [_line(n) for n in range(120)])
    code, summary, _ = _run(capsys, str(source), "--batch", "50")
    assert code == 0
    assert summary["minted"] == 120
    assert summary["skipped"] == 0
    assert summary["database_bytes"] > 0
    assert _count(engine) == 120
    _unique(engine)
    with engine.connect() as conn:
        identifier, qr = conn.execute(select(certificates.c.identifier, certificates.c.qr)).first()
    service.change_status(identifier, CertificateStatus.REVOKED, reason="test", actor="test")
    with pytest.raises(Revoked):
        verify_qr(
            qr, keys=DatabaseKeyResolver(engine, ttl_seconds=0), now=datetime.now(UTC),
            status=DatabaseStatusChecker(engine, "http://127.0.0.1:8000", max_age_seconds=0),
        )  # fmt: skip


@pytest.mark.usefixtures("cli_env", "service")
def test_bad_lines_are_skipped_and_named(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, engine: Engine
) -> None:
    wrong_digit = person(3) | {"id_number": person(3)["id_number"][:17] + "0"}
    lines = [
        _line(0),
        "not json",
        json.dumps({"type": "resident_id", "issuer": ISSUER}),
        json.dumps({"type": "resident_id", "issuer": ISSUER, "fields": wrong_digit}),
        _line(4, issuer="91310115591693856A"),  # no such issuer
        _line(5, holder="11010519491231002X"),  # not named in the fields: found at mint
        _line(6, valid_from="yesterday"),
        "",
        _line(8),
    ]
    if wrong_digit["id_number"] == person(3)["id_number"]:
        lines[3] = _line(3, unknown=1)
    code, summary, err = _run(capsys, str(_write(tmp_path / "mixed.jsonl", lines)))
    assert code == 1
    assert summary["minted"] == 2
    assert summary["skipped"] == 6
    for number in (2, 3, 4, 5, 6, 7):
        assert f"line {number}: skipped" in err
    assert "line 1:" not in err
    assert "line 9:" not in err
    assert _count(engine) == 2


@pytest.mark.usefixtures("cli_env", "service")
def test_running_it_again_mints_only_what_is_missing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, engine: Engine
) -> None:
    lines = [_line(n) for n in range(90)]
    _run(capsys, str(_write(tmp_path / "part.jsonl", lines[:40])), "--batch", "25")
    code, summary, _ = _run(capsys, str(_write(tmp_path / "all.jsonl", lines)), "--batch", "25")
    assert code == 0
    assert (summary["already"], summary["minted"]) == (40, 50)
    assert _count(engine) == 90


def test_a_killed_import_leaves_whole_batches_and_resumes(
    cli_env: dict[str, str], tmp_path: Path, engine: Engine, service: IssuanceService
) -> None:
    source = _write(tmp_path / "many.jsonl", [_line(n) for n in range(1500)])
    env = {k: v for k, v in os.environ.items() if not k.startswith("ELICENSE_")} | cli_env
    argv = [str(ELICENSE), "import", str(source), "--batch", "50"]
    child = subprocess.Popen(argv, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while _count(engine) < 100 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert _count(engine) % 50 == 0  # whole batches only
    assert _count(engine, status_entries) == _count(engine)
    again = subprocess.run([*argv, "--json"], env=env, cwd=tmp_path, capture_output=True,
                           text=True, timeout=300, check=False)  # fmt: skip
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert summary["already"] + summary["minted"] == 1500
    assert _count(engine) == 1500
    _unique(engine)


def test_signing_on_worker_processes(
    cli_env: dict[str, str], tmp_path: Path, engine: Engine, service: IssuanceService
) -> None:
    source = _write(tmp_path / "people.jsonl", [_line(n) for n in range(200)])
    env = {k: v for k, v in os.environ.items() if not k.startswith("ELICENSE_")} | cli_env
    done = subprocess.run(
        [str(ELICENSE), "import", str(source), "--workers", "2", "--batch", "64", "--json"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["minted"] == 200
    with engine.connect() as conn:
        qr = conn.execute(select(certificates.c.qr).limit(1)).scalar_one()
    verified = verify_qr(qr, keys=DatabaseKeyResolver(engine, ttl_seconds=0), now=datetime.now(UTC))
    assert verified.identifier.startswith("1.2.156.3005.2.")
    _unique(engine)
