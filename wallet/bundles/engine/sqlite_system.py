"""DBOS's SQLite system database, opened by us: write-ahead log and queued writers.

DBOS opens its SQLite system database with the rollback journal and lets concurrent
writers meet SQLite's busy handler, which polls for the lock with sleeps of up to
100 ms. The workflows write there several times per bundle item (each step's
checkpoint, each child's start and end, each wait's result) from dozens of threads
(one per waiting application) and from every worker process, so a write waited
100-230 ms on average in the bundle benchmark while the app's own writes, queued by
:func:`issuers.store.database.write_transaction`, waited 5-17 ms. So the runtime
hands DBOS this engine (``DBOSConfig.system_database_engine``, a documented option):

* the file in WAL mode (persistent): the polling reads (queues, waits, messages) no
  longer block a writer's commit, nor writers the readers, and a commit is one fsync
  of the log instead of the journal's several; DBOS's ``synchronous=FULL`` (the
  default) stays, so a recorded step survives a power cut as before;
* writers queue before SQLite sees them, as the app's do: the threads of a process on
  a lock, the processes sharing the file on an flock of ``<file>.writer-lock``, which
  the kernel hands over without polling. A connection joins the queue right before
  the statement that opens its write transaction (pysqlite's implicit ``BEGIN
  IMMEDIATE`` before INSERT/UPDATE/DELETE/REPLACE, or an explicit BEGIN) and leaves
  it when the transaction ends. The queue only orders writers; SQLite's locks still
  decide, so a writer that waited too long (:data:`QUEUE_TIMEOUT_S`) goes ahead
  without its turn and meets the busy timeout, as DBOS's own engine would.

Everything else is DBOS's own engine's settings: ``isolation_level="IMMEDIATE"``,
``busy_timeout`` 30 s, foreign keys on, a pool of 20 without overflow.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import weakref
from pathlib import Path
from typing import IO, Any

try:
    import fcntl
except ImportError:  # not POSIX: the processes meet SQLite's busy handler
    fcntl = None  # type: ignore[assignment]

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

__all__ = ["QUEUE_TIMEOUT_S", "sqlite_system_engine", "use_write_ahead_log"]

BUSY_TIMEOUT_S = 30.0
QUEUE_TIMEOUT_S = 30.0
POOL_SIZE = 20  # DBOS's default for its system database
# The statements before which pysqlite opens a transaction (isolation_level set), and
# an explicit BEGIN (DBOS's migrations say BEGIN IMMEDIATE).
_OPENS_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|BEGIN)\b", re.IGNORECASE)


def use_write_ahead_log(path: str) -> None:
    """Put the SQLite file at ``path`` in WAL mode (made if missing; persistent)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)
    try:
        connection.execute("PRAGMA journal_mode=WAL").fetchone()
    finally:
        connection.close()


class _WriterTurns:
    """One writer at a time: a lock among this process's threads, an flock among the
    processes. Not owned by a thread (a plain lock): the connection that took the turn
    gives it back, whichever thread ends its transaction."""

    def __init__(self, lock_path: Path) -> None:
        self._threads = threading.Lock()
        self._lock_path = lock_path
        self._file: IO[bytes] | None = None
        self._pid = 0

    def take(self) -> bool:
        if not self._threads.acquire(timeout=QUEUE_TIMEOUT_S):
            return False  # go ahead without a turn: SQLite's busy timeout still applies
        try:
            file = self._process_file()
            if file is not None:
                fcntl.flock(file, fcntl.LOCK_EX)  # the GIL is released while it waits
        except BaseException:
            self._threads.release()
            raise
        return True

    def give_back(self) -> None:
        try:
            if self._file is not None and self._pid == os.getpid():
                fcntl.flock(self._file, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _process_file(self) -> IO[bytes] | None:
        """This process's own descriptor (a forked child must not share its parent's)."""
        if fcntl is None:
            return None
        if self._file is None or self._pid != os.getpid():
            self._file = self._lock_path.open("ab")
            self._pid = os.getpid()
            weakref.finalize(self, self._file.close)
        return self._file


class _QueuedConnection(sqlite3.Connection):
    """A pysqlite connection that takes a writer's turn before opening a write
    transaction and gives it back when the transaction ends."""

    turns: _WriterTurns | None = None
    _holding = False

    def cursor(self, factory: Any = None) -> Any:
        return super().cursor(factory or _QueuedCursor)

    def before(self, sql: str) -> None:
        if self._holding or self.turns is None or self.in_transaction:
            return
        if _OPENS_WRITE.match(sql):
            self._holding = self.turns.take()

    def after(self) -> None:
        if self._holding and not self.in_transaction and self.turns is not None:
            self._holding = False
            self.turns.give_back()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.after()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.after()

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self._holding and self.turns is not None:
                self._holding = False
                self.turns.give_back()


class _QueuedCursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        connection = self.connection
        assert isinstance(connection, _QueuedConnection)
        connection.before(sql)
        try:
            return super().execute(sql, parameters)
        finally:
            connection.after()

    def executemany(self, sql: str, parameters: Any, /) -> Any:
        connection = self.connection
        assert isinstance(connection, _QueuedConnection)
        connection.before(sql)
        try:
            return super().executemany(sql, parameters)
        finally:
            connection.after()


def sqlite_system_engine(url: str) -> Engine:
    """The engine DBOS is given for its SQLite system database at ``url``."""
    path = make_url(url).database
    if not path or path == ":memory:":
        raise ValueError("DBOS's SQLite system database must be a file")
    use_write_ahead_log(path)
    turns = _WriterTurns(Path(f"{path}.writer-lock"))
    engine = create_engine(
        url,
        pool_size=POOL_SIZE,
        max_overflow=0,
        pool_timeout=30,
        pool_pre_ping=True,
        connect_args={
            "factory": _QueuedConnection,
            "timeout": BUSY_TIMEOUT_S,
            "check_same_thread": False,
        },
    )

    @event.listens_for(engine, "connect")
    def _settings(dbapi_connection: Any, _record: Any) -> None:
        # As DBOS's own SQLite engine: pysqlite opens BEGIN IMMEDIATE before a write.
        dbapi_connection.isolation_level = "IMMEDIATE"
        dbapi_connection.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        dbapi_connection.execute("PRAGMA foreign_keys=ON")
        dbapi_connection.turns = turns

    return engine
