"""Engine construction. SQLite gets WAL, foreign keys, a busy timeout (so concurrent
writers queue instead of failing) and working SAVEPOINTs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

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


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write: on SQLite it takes the write lock at BEGIN
    (queueing behind other writers for up to the busy timeout); elsewhere a plain one."""
    with engine.connect() as conn:
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
