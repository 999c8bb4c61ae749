"""issuers.store.faults: real driver errors become the typed errors a client sees.

Each fault is produced for real: SQLite's pager refusing a page past ``max_page_count``
(SQLITE_FULL), a connection opened read-only (``mode=ro``, the very open SQLite falls
back to when the file is not writable: SQLITE_READONLY), a second writer with no busy
timeout (SQLITE_BUSY), and a PostgreSQL address nobody listens on (the driver's
connection refused); a constraint violation stays what it is.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from issuers.errors import Busy, DatabaseFull, DatabaseReadOnly, DatabaseUnavailable
from issuers.store.database import make_engine
from issuers.store.faults import retryable, storage_error
from tests.e2e.demo_server import free_port


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "faults.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)")
        conn.execute("INSERT INTO t (v) VALUES (x'00')")
    return path


def test_a_full_database_is_database_full(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{_file(tmp_path)}")
    try:
        with engine.connect() as conn:
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
            conn.exec_driver_sql(f"PRAGMA max_page_count = {pages}")
            conn.commit()
            with pytest.raises(DBAPIError) as caught, conn.begin():
                conn.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": b"x" * 100_000})
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
            assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 1
    finally:
        engine.dispose()
    found = storage_error(caught.value)
    assert isinstance(found, DatabaseFull)
    assert (found.code, found.status) == ("database_full", 507)
    assert not retryable(caught.value)


def test_a_read_only_database_is_database_read_only(tmp_path: Path) -> None:
    path = _file(tmp_path)
    engine = make_engine(
        f"sqlite:///{path}",
        creator=lambda: sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False),
    )
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 1  # reads work
            conn.rollback()
            with pytest.raises(DBAPIError) as caught, conn.begin():
                conn.execute(text("INSERT INTO t (v) VALUES (x'01')"))
    finally:
        engine.dispose()
    found = storage_error(caught.value)
    assert isinstance(found, DatabaseReadOnly)
    assert (found.code, found.status, found.retry_after) == ("database_read_only", 503, 30)
    assert not retryable(caught.value)


def test_a_locked_database_is_busy(tmp_path: Path) -> None:
    path = _file(tmp_path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
    try:
        with pytest.raises(DBAPIError) as caught, engine.begin() as conn:
            conn.execute(text("INSERT INTO t (v) VALUES (x'02')"))
    finally:
        engine.dispose()
        holder.execute("ROLLBACK")
        holder.close()
    assert isinstance(storage_error(caught.value), Busy)
    assert retryable(caught.value)


def test_postgresql_not_listening_is_database_unavailable() -> None:
    engine = create_engine(
        f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none",
        connect_args={"connect_timeout": 5},
    )
    try:
        with pytest.raises(DBAPIError) as caught, engine.connect():
            pass
    finally:
        engine.dispose()
    found = storage_error(caught.value)
    assert isinstance(found, DatabaseUnavailable)
    assert not isinstance(found, DatabaseReadOnly)
    assert (found.code, found.status, found.retry_after) == ("database_unavailable", 503, 2)
    assert retryable(caught.value)


def test_a_constraint_is_no_fault_of_the_database(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{_file(tmp_path)}")
    try:
        with pytest.raises(IntegrityError) as caught, engine.begin() as conn:
            conn.execute(text("INSERT INTO t (id, v) VALUES (1, x'03')"))
    finally:
        engine.dispose()
    assert storage_error(caught.value) is None
    assert not retryable(caught.value)
    assert storage_error(ValueError("not a database error")) is None


@pytest.mark.postgres
def test_a_read_only_postgresql_transaction_is_database_read_only(database_url: str) -> None:
    """SQLSTATE 25006, as a standby or ``default_transaction_read_only`` answers."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SET default_transaction_read_only = on")
            conn.commit()
            with pytest.raises(DBAPIError) as caught:
                conn.exec_driver_sql("CREATE TABLE faults_probe (i integer)")
            conn.rollback()
    finally:
        engine.dispose()
    assert isinstance(storage_error(caught.value), DatabaseReadOnly)
    assert not retryable(caught.value)
