"""The database failing under a request: unreachable (a PostgreSQL restart, a file
that cannot be opened), read-only, or full. Each is typed, so a client sees a stable
code and, where waiting helps, ``Retry-After`` instead of a 500; which driver error
becomes which is decided in :mod:`issuers.store.faults`. The tree is drawn in
:mod:`issuers.errors`."""

from __future__ import annotations

from issuers.errors._requests import ElicenseError

__all__ = [
    "DatabaseFull",
    "DatabaseReadOnly",
    "DatabaseUnavailable",
    "SchemaBehind",
    "SchemaUnknown",
]


class DatabaseUnavailable(ElicenseError):
    """The database cannot be reached now (restarting, refusing connections, the
    connection lost mid-request); try again after ``retry_after`` seconds. Like any
    answer cut off by a fault, it promises nothing about a write the request had
    already committed before the connection was lost (a client that must know reads
    the state again); a transaction still open when it was lost was rolled back."""

    code = "database_unavailable"
    status = 503
    retry_after = 2


class DatabaseReadOnly(DatabaseUnavailable):
    """The database takes reads but refuses writes (a read-only file or mount, a
    PostgreSQL standby or ``default_transaction_read_only``): what only reads still
    works; this write was not made."""

    code = "database_read_only"
    retry_after = 30


class SchemaBehind(DatabaseUnavailable):
    """The database answers, but its schema is not at the head of the migrations this
    version carries (or it has none): ``GET /readyz`` says so until an operator runs
    ``elicense db upgrade`` (a rolling deploy's migration step), then this process is
    ready without a restart. ``details`` names the revisions (no personal data)."""

    code = "schema_behind"
    retry_after = 10


class SchemaUnknown(DatabaseUnavailable):
    """The database is at a schema revision this version's migrations do not know: a
    newer release migrated it. This version cannot upgrade it and must not use it;
    ``GET /readyz`` says so (a rolling deploy's old processes, until they are
    replaced) and ``elicense db`` / ``serve`` / ``worker`` refuse, naming the way out:
    run that release, or restore. ``details`` names the revisions (no personal data)."""

    code = "schema_unknown"
    retry_after = 10


class DatabaseFull(ElicenseError):
    """The database has no room for this write (SQLite's ``SQLITE_FULL``: the disk or
    ``max_page_count``; PostgreSQL's ``disk_full``). 507 Insufficient Storage (RFC 4918
    §11.5): waiting does not help until an operator frees space, so no Retry-After.
    The write was rolled back; what was stored before is intact."""

    code = "database_full"
    status = 507
