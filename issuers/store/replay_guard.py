"""Single-use live presentations across every worker process: the replay guard kept
in the database (table ``presentation_replays``).

:class:`verifiers.presentation.MemoryReplayGuard` remembers a scan in one process
only, so with ``serve --workers N`` a code could be valid once per worker. Here the
first INSERT of a presentation's digest wins through the primary key: on SQLite the
write lock (``BEGIN IMMEDIATE``) serialises the scans; on PostgreSQL ``INSERT ... ON
CONFLICT`` waits for a concurrent insert of the same key to commit and then sees it.
Exactly one scan is valid, whichever worker answers it.

Entries past their expiry count as unseen, as in the in-memory guard (by then the
window check refuses the presentation anyway). Each scan deletes at most
``prune_batch`` expired rows in its own transaction, so the table holds the live
entries and never more than a batch of dead ones for long, and no scan pays for a
backlog. On PostgreSQL, ``SKIP LOCKED`` keeps concurrent prunes off each other's rows.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import Connection, Engine, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from issuers.clock import Clock
from issuers.store.database import write_transaction
from issuers.store.tables import presentation_replays

DEFAULT_PRUNE_BATCH = 32

_table = presentation_replays


class DatabaseReplayGuard:
    """A :class:`verifiers.presentation.ReplayGuard` shared through ``engine``.

    ``clock`` is the verifier's clock: it decides which entries have expired.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock,
        prune_batch: int = DEFAULT_PRUNE_BATCH,
    ) -> None:
        if prune_batch < 1:
            raise ValueError("prune_batch must be positive")
        self._engine = engine
        self._clock = clock
        self._prune_batch = prune_batch

    def seen(self, token_id: bytes, expires: datetime) -> bool:
        # Token ids are SHA-256 digests already; hashing again fits any id in the key.
        digest = hashlib.sha256(token_id).hexdigest()
        now = self._clock()
        with write_transaction(self._engine) as conn:
            self._prune(conn, now)
            return not _record(conn, digest, expires, now)

    def _prune(self, conn: Connection, now: datetime) -> None:
        due = (
            select(_table.c.digest)
            .where(_table.c.expires_at < now)
            .order_by(_table.c.expires_at)
            .limit(self._prune_batch)
            .with_for_update(skip_locked=True)  # PostgreSQL only; SQLite has one writer
        )
        conn.execute(delete(_table).where(_table.c.digest.in_(due)))


def _record(conn: Connection, digest: str, expires: datetime, now: datetime) -> bool:
    """Insert ``digest``, or take over its row if that has expired; True if recorded.

    A row already there and still live is left alone: the caller lost the race."""
    dialect = conn.dialect.name
    statement: postgresql.Insert | sqlite.Insert
    if dialect == "postgresql":
        statement = postgresql.insert(_table)
    elif dialect == "sqlite":
        statement = sqlite.insert(_table)
    else:  # the settings accept SQLite and PostgreSQL URLs only
        raise NotImplementedError(f"no replay guard for the {dialect} dialect")
    upsert = statement.values(digest=digest, expires_at=expires).on_conflict_do_update(
        index_elements=[_table.c.digest],
        set_={"expires_at": statement.excluded.expires_at},
        where=_table.c.expires_at < now,
    )
    # RETURNING, not rowcount: through psycopg the upsert reported a rowcount of -1.
    return conn.execute(upsert.returning(_table.c.digest)).first() is not None
