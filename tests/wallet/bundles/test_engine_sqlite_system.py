"""DBOS's SQLite system database as the bundle runtime opens it (wallet/bundles/engine/
sqlite_system.py): the file in WAL mode, and writers that take turns before SQLite
sees them (threads on a lock, processes on an flock), each turn given back when its
transaction ends however it ends. Real SQLite files, real threads."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from wallet.bundles.engine.sqlite_system import sqlite_system_engine, use_write_ahead_log


def _engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = sqlite_system_engine(f"sqlite:///{tmp_path / 'sys.dbos.sqlite'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)"))
    return engine


def test_the_file_is_in_wal_mode_and_writers_have_a_lock_file(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    try:
        path = tmp_path / "sys.dbos.sqlite"
        plain = sqlite3.connect(path)
        assert plain.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        plain.close()
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1, 'a')"))
        assert (tmp_path / "sys.dbos.sqlite.writer-lock").exists()
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


def test_use_write_ahead_log_makes_the_file(tmp_path: Path) -> None:
    path = tmp_path / "deeper" / "made.sqlite"
    use_write_ahead_log(str(path))
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_turn_is_given_back_after_commit_rollback_and_a_failed_statement(
    tmp_path: Path,
) -> None:
    engine = _engine(tmp_path)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1, 'a')"))
        with engine.connect() as conn, conn.begin() as txn:
            conn.execute(text("INSERT INTO t VALUES (2, 'b')"))
            txn.rollback()
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1, 'again')"))
        # every turn came back: a writer on another thread gets one at once
        done = threading.Event()

        def write() -> None:
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES (3, 'c')"))
            done.set()

        thread = threading.Thread(target=write)
        thread.start()
        assert done.wait(5)
        thread.join()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT k FROM t ORDER BY k")).scalars().all() == [1, 3]
    finally:
        engine.dispose()


def test_writers_take_turns_and_readers_do_not_wait(tmp_path: Path) -> None:
    """While one thread holds an open write transaction, another writer waits for its
    turn (in the queue, not in SQLite's busy handler: it would fail with no busy
    timeout), and a reader is not blocked."""
    engine = _engine(tmp_path)
    try:
        holding, release = threading.Event(), threading.Event()
        order: list[str] = []

        def first() -> None:
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES (1, 'first')"))
                holding.set()
                release.wait(5)
                order.append("first commits")

        def second() -> None:
            with engine.begin() as conn:
                # no busy wait at all: without its turn first, SQLite would refuse
                # this write at once ("database is locked")
                conn.execute(text("PRAGMA busy_timeout=0"))
                conn.execute(text("INSERT INTO t VALUES (2, 'second')"))
                order.append("second writes")

        a = threading.Thread(target=first)
        a.start()
        assert holding.wait(5)
        b = threading.Thread(target=second)
        b.start()
        time.sleep(0.3)
        assert order == []  # the second writer waits for the first's turn
        with engine.connect() as conn:  # a reader does not (WAL): sees the committed state
            assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 0
        release.set()
        a.join(5)
        b.join(5)
        assert order == ["first commits", "second writes"]
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 2
    finally:
        engine.dispose()
