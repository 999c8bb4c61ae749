"""Which database failures a caller may see, and as what.

A driver error under SQLAlchemy (``DBAPIError.orig``) is read by its standard code,
never by its message text (which can quote data):

* PostgreSQL, by SQLSTATE (Appendix A of the PostgreSQL manual,
  https://www.postgresql.org/docs/current/errcodes-appendix.html): class ``08``
  (connection exception) and ``57P01``-``57P03`` (admin/crash shutdown, cannot connect
  now: a restart) are :class:`~issuers.errors.DatabaseUnavailable`, as is any
  connection that SQLAlchemy found dead (``connection_invalidated``) or a driver
  ``OperationalError`` with no SQLSTATE (refused, reset: nothing answered); ``53100``
  (disk_full) is :class:`~issuers.errors.DatabaseFull`; ``25006``
  (read_only_sql_transaction) is :class:`~issuers.errors.DatabaseReadOnly`; the rest
  of class ``53`` (out of memory, too many connections) is unavailable too.
* SQLite, by primary result code (https://www.sqlite.org/rescode.html):
  ``SQLITE_FULL`` (13) full, ``SQLITE_READONLY`` (8) read-only, ``SQLITE_CANTOPEN``
  (14) and ``SQLITE_IOERR`` (10) unavailable, ``SQLITE_BUSY``/``SQLITE_LOCKED`` (5, 6)
  :class:`~issuers.errors.Busy` (the busy timeout ran out).

SQLAlchemy's pool running out of connections (``sqlalchemy.exc.TimeoutError``) is
:class:`~issuers.errors.Busy`. Anything else is not a fault of the database's state
and stays what it is (a bug: a 500, logged).
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from issuers.errors import (
    Busy,
    DatabaseFull,
    DatabaseReadOnly,
    DatabaseUnavailable,
    ElicenseError,
)

__all__ = ["retryable", "storage_error"]

_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY = 5, 6, 8
_SQLITE_IOERR, _SQLITE_FULL, _SQLITE_CANTOPEN = 10, 13, 14
_UNAVAILABLE = "the database is not reachable now; try again"
_READ_ONLY = "the database is read-only now; changes are refused"
_FULL = "the database has no room for this change"
_BUSY = "the database is busy; try again"


def storage_error(exc: BaseException) -> ElicenseError | None:
    """The typed error a client sees for ``exc``, or None when ``exc`` is not a fault
    of the database (a constraint, a bug)."""
    if isinstance(exc, PoolTimeout):
        return Busy(_BUSY)
    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    sqlite_code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(sqlite_code, int):
        return _sqlite(sqlite_code & 0xFF)
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate:
        found = _postgresql(sqlstate)
        if found is not None or not exc.connection_invalidated:
            return found
    if exc.connection_invalidated or _driver_operational(orig):
        return DatabaseUnavailable(_UNAVAILABLE)
    return None


def retryable(exc: BaseException) -> bool:
    """True when the same work, run again a little later, may well succeed: the
    database was unreachable or busy (never read-only or full, which wait for an
    operator, and never a constraint or a bug)."""
    found = storage_error(exc)
    return isinstance(found, Busy) or (
        isinstance(found, DatabaseUnavailable) and not isinstance(found, DatabaseReadOnly)
    )


def _sqlite(primary: int) -> ElicenseError | None:
    if primary == _SQLITE_FULL:
        return DatabaseFull(_FULL)
    if primary == _SQLITE_READONLY:
        return DatabaseReadOnly(_READ_ONLY)
    if primary in (_SQLITE_CANTOPEN, _SQLITE_IOERR):
        return DatabaseUnavailable(_UNAVAILABLE)
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return Busy(_BUSY)
    return None


def _postgresql(sqlstate: str) -> ElicenseError | None:
    if sqlstate == "53100":
        return DatabaseFull(_FULL)
    if sqlstate == "25006":
        return DatabaseReadOnly(_READ_ONLY)
    if sqlstate.startswith(("08", "53", "57P0")):
        return DatabaseUnavailable(_UNAVAILABLE)
    return None


def _driver_operational(orig: BaseException | None) -> bool:
    """A driver's OperationalError without a SQLSTATE: the connection failed before any
    server answered (refused, reset, closed unexpectedly). Named by the DB-API class
    name so this module needs no driver."""
    return orig is not None and any(
        cls.__name__ == "OperationalError" for cls in type(orig).__mro__
    )
