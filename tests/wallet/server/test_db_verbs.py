"""``elicense db upgrade`` / ``db current``, and ``serve`` and ``worker`` refusing a
schema behind the head outside demo mode (issue 12, Serving). SQLite and PostgreSQL
(the ``database_url`` fixture), in process: exit codes and output as a shell sees them.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text

from issuers.store.database import make_engine, write_transaction
from wallet.cli.main import main
from wallet.server.schema import alembic_config, head_revisions, schema_state
from wallet.server.settings import get_settings

HEAD = head_revisions()[0]
OLD = "0012"
NEWER = "9999"  # a revision from a release after this one
UNKNOWN = (
    "which this release does not know (a newer release migrated it): run that release, or restore"
)


def _migrate(database_url: str, revision: str) -> None:
    engine = make_engine(database_url)
    try:
        with write_transaction(engine) as connection:
            config = alembic_config(engine)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


@pytest.fixture
def behind(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A database migrated up to an older revision; the CLI's environment pointing at it
    (no master key: the db verbs need none)."""
    _migrate(database_url, OLD)
    yield from _cli_environment(database_url, tmp_path, monkeypatch)


@pytest.fixture
def ahead(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A database a newer release migrated: at a revision these migrations do not know."""
    _migrate(database_url, HEAD)
    engine = make_engine(database_url)
    try:
        with write_transaction(engine) as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": NEWER})
    finally:
        engine.dispose()
    yield from _cli_environment(database_url, tmp_path, monkeypatch)


def _cli_environment(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    monkeypatch.setenv("ELICENSE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("ELICENSE_PUBLIC_BASE_URL", "http://127.0.0.1:9")
    for name in ("ELICENSE_DEMO", "ELICENSE_MASTER_KEY", "ELICENSE_ADMIN_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def _revision(database_url: str) -> tuple[str, ...]:
    engine = make_engine(database_url)
    try:
        return schema_state(engine).current
    finally:
        engine.dispose()


def test_current_says_behind_and_upgrade_migrates_once(
    behind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "current"]) == 1
    out = capsys.readouterr().out
    assert f": {OLD}; the head is {HEAD}: run `elicense db upgrade`" in out

    assert main(["db", "upgrade"]) == 0
    assert f"upgraded from {OLD} to {HEAD}" in capsys.readouterr().out
    assert _revision(behind) == (HEAD,)

    assert main(["db", "upgrade"]) == 0  # idempotent
    assert f"already at the head {HEAD}; nothing to do" in capsys.readouterr().out
    assert main(["db", "current"]) == 0
    assert f": {HEAD} (the head)" in capsys.readouterr().out


@pytest.mark.parametrize("verb", [["serve", "--port", "1"], ["worker"]])
def test_serve_and_worker_refuse_a_schema_behind(
    behind: str,
    verb: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ELICENSE_MASTER_KEY", base64.b64encode(os.urandom(32)).decode())
    get_settings.cache_clear()
    assert main(verb) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("elicense: the database ")
    assert f"is at schema revision {OLD}, not at the head {HEAD}" in err[-1]
    assert err[-1].endswith("run `elicense db upgrade` first")
    assert not any("Traceback" in line for line in err)
    assert _revision(behind) == (OLD,)  # refused: nothing migrated


def test_a_missing_sqlite_file_is_named_not_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "none" / "elicense.db"
    monkeypatch.setenv("ELICENSE_DATABASE_URL", f"sqlite:///{missing}")
    monkeypatch.delenv("ELICENSE_DEMO", raising=False)
    assert main(["db", "current"]) == 2
    assert "run `elicense db upgrade`" in capsys.readouterr().err
    assert not missing.exists()


def _tables(database_url: str) -> set[str]:
    engine = make_engine(database_url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.parametrize("verb", ["current", "upgrade"])
def test_db_verbs_refuse_a_schema_from_a_newer_release(
    ahead: str, verb: str, capsys: pytest.CaptureFixture[str]
) -> None:
    tables = _tables(ahead)
    assert main(["db", verb]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1  # one line, no traceback
    assert err.startswith("elicense: the database ")
    assert f"is at schema revision {NEWER}, {UNKNOWN}" in err
    assert _revision(ahead) == (NEWER,)  # nothing changed
    assert _tables(ahead) == tables  # not even DBOS's tables


@pytest.mark.parametrize("verb", [["serve", "--port", "1"], ["worker"]])
def test_serve_and_worker_refuse_a_schema_from_a_newer_release(
    ahead: str,
    verb: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ELICENSE_MASTER_KEY", base64.b64encode(os.urandom(32)).decode())
    get_settings.cache_clear()
    assert main(verb) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("elicense: the database ")
    assert err[-1].endswith(f"is at schema revision {NEWER}, {UNKNOWN}")
    assert not any("Traceback" in line for line in err)
    assert _revision(ahead) == (NEWER,)
