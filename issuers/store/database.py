"""Engine construction. SQLite gets WAL, foreign keys, a busy timeout (so concurrent
writers queue instead of failing) and working SAVEPOINTs."""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import IO, Any

try:
    import fcntl
except ImportError:  # not POSIX: writers of different processes meet the busy timeout
    fcntl = None  # type: ignore[assignment]

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from issuers.errors import Busy

SQLITE_BUSY_TIMEOUT_S = 30
SQLITE_POOL_SIZE = 40  # anyio's default thread limit for sync endpoints


def make_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # Enough pooled connections for the request threads (anyio runs sync endpoints
        # on up to 40): an overflow connection is closed when it comes back, and a new
        # one costs a TCP connection and an authentication per request.
        kwargs.setdefault("pool_size", 20)
        kwargs.setdefault("max_overflow", 20)
        return create_engine(url, pool_pre_ping=True, **kwargs)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    if parsed.database and parsed.database != ":memory:":
        kwargs.setdefault("pool_size", SQLITE_POOL_SIZE)  # no re-opening (and PRAGMAs) per request
    engine = create_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
        **kwargs,
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_begin(connection: Any) -> None:
    # SQLAlchemy's documented recipe for pysqlite: the driver's own transaction
    # handling is off (see _sqlite_pragmas), so SAVEPOINT works and BEGIN is ours.
    # Write transactions ask for IMMEDIATE (see write_transaction): a deferred
    # transaction that reads first cannot upgrade to a writer once another writer has
    # committed ("database is locked", which the busy timeout does not cure).
    mode = connection.get_execution_options().get(_SQLITE_BEGIN, "")
    connection.exec_driver_sql(f"BEGIN {mode}".strip())


_SQLITE_BEGIN = "elicense_sqlite_begin"


# SQLite has one writer at a time, and its busy handler polls for the lock with sleeps
# of up to 100 ms: under load a few writers lose round after round (the pull benchmark
# saw a p99 of 5 s beside a p50 of 120 ms with one process, 3.5 s with two). So writers
# queue before they ask SQLite: the threads of one process on a lock, the processes
# sharing a database file on an flock of ``<database>.writer-lock``, which the kernel
# hands over without polling. Reentrant: a write transaction opened inside one on the
# same thread must not wait for itself.
class _WriterQueue:
    def __init__(self, lock_path: Path | None) -> None:
        self._threads = threading.RLock()
        self._depth = 0  # nesting of the thread holding _threads
        self._lock_path = lock_path
        self._file: IO[bytes] | None = None
        self._pid = 0

    @contextmanager
    def turn(self) -> Iterator[None]:
        # Bounded like SQLite's own wait: a writer stuck in its transaction makes the
        # others answer 503 busy after the busy timeout instead of piling up for good.
        if not self._threads.acquire(timeout=SQLITE_BUSY_TIMEOUT_S):
            raise Busy("the database is busy with other writes; try again")
        try:
            self._depth += 1
            try:
                if self._depth > 1:
                    yield
                    return
                file = self._process_file()
                if file is not None:
                    fcntl.flock(file, fcntl.LOCK_EX)  # releases the GIL while it waits
                try:
                    yield
                finally:
                    if file is not None:
                        fcntl.flock(file, fcntl.LOCK_UN)
            finally:
                self._depth -= 1
        finally:
            self._threads.release()

    def _process_file(self) -> IO[bytes] | None:
        """This process's own descriptor: a forked child must not share its parent's
        (an flock belongs to the open file, so they would not exclude each other)."""
        if self._lock_path is None or fcntl is None:
            return None
        if self._file is None or self._pid != os.getpid():
            self._file = self._lock_path.open("ab")
            self._pid = os.getpid()
            weakref.finalize(self, self._file.close)  # the engine is gone: so is its queue
        return self._file


_WRITER_QUEUES: weakref.WeakKeyDictionary[Engine, _WriterQueue] = weakref.WeakKeyDictionary()
_WRITER_QUEUES_GUARD = threading.Lock()


def _writer_queue(engine: Engine) -> AbstractContextManager[None]:
    if engine.dialect.name != "sqlite":
        return nullcontext()
    with _WRITER_QUEUES_GUARD:
        queue = _WRITER_QUEUES.get(engine)
        if queue is None:
            database = engine.url.database
            on_disk = bool(database) and database != ":memory:"
            lock_path = Path(f"{database}.writer-lock") if on_disk else None
            queue = _WRITER_QUEUES[engine] = _WriterQueue(lock_path)
    return queue.turn()


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write: on SQLite it queues behind the other writers of
    this process and of any process on the same file, then takes the write lock at
    BEGIN (behind a writer that does not queue for up to the busy timeout); elsewhere
    a plain one."""
    with _writer_queue(engine), engine.connect() as conn:
        conn.execution_options(**{_SQLITE_BEGIN: "IMMEDIATE"})
        with conn.begin():
            yield conn


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # pysqlite: no implicit BEGIN/COMMIT
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
