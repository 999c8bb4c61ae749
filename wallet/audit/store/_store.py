"""Every query over the audit log's tables.

Appends run in the caller's transaction (``conn``): an entry commits or rolls back with
the change it records. The head row is locked first (``SELECT ... FOR UPDATE`` on
PostgreSQL; on SQLite the write transaction already holds the one write lock), which
serialises appenders across threads and processes, so ``seq = count + 1`` leaves no gap
and no two entries share a predecessor. Reads run in short transactions of their own,
in bounded batches.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection, Engine, Row, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from wallet.audit.records import AuditEntry, ChainedEntry, Checkpoint, SignedHead
from wallet.audit.store.tables import (
    audit_checkpoints,
    audit_entries,
    audit_entry_holders,
    audit_head,
)

__all__ = ["AuditStore"]

_HEAD_ID = 1

# An append runs these on every audited action (four statements, a pull's hot path):
# built once, so each call only binds values (building a statement costs more than
# running it on SQLite).
_LATEST_CHECKPOINT_AT = (
    select(audit_checkpoints.c.at).order_by(audit_checkpoints.c.count.desc()).limit(1)
)
# The head, locked, with the latest checkpoint's time in the same statement. On SQLite
# the write transaction excludes every other writer, so both are exact. On PostgreSQL
# (read committed) a locker that waited for the head reads the subquery from its
# statement's snapshot, taken before the wait: it may miss a checkpoint the transaction
# it waited for committed, and publish one more, never one fewer (it never sees a
# checkpoint that is not committed, unless its own).
_LOCK_HEAD = (
    select(audit_head, _LATEST_CHECKPOINT_AT.scalar_subquery().label("latest_checkpoint_at"))
    .where(audit_head.c.id == _HEAD_ID)
    .with_for_update(of=audit_head)
)
_INSERT_ENTRY = insert(audit_entries)
_INSERT_HOLDERS = insert(audit_entry_holders)
_UPDATE_HEAD = (
    update(audit_head)
    .where(audit_head.c.id == _HEAD_ID)
    .values(
        {
            name: bindparam(f"new_{name}")
            for name in ("count", "head_hash", "at", "kid", "signature")
        }
    )
)


class AuditStore:
    """The audit log in the database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # -- appending, in the caller's transaction -------------------------------------

    def lock_head(
        self, conn: Connection, genesis: Callable[[], SignedHead]
    ) -> tuple[SignedHead, datetime | None]:
        """The head, locked until ``conn``'s transaction ends, and when the latest
        checkpoint was published (None: never). The head is made from ``genesis()`` by
        the first appender. Two first appenders at once: the primary key lets one insert;
        the other waits for it, then locks and reads the winner's head."""
        found = _locked_head(conn)
        if found is not None:
            return found
        head = genesis()
        try:
            with conn.begin_nested():
                conn.execute(insert(audit_head).values(id=_HEAD_ID, **_head_values(head)))
        except IntegrityError:
            winner = _locked_head(conn)
            if winner is None:
                raise
            return winner
        return head, self.latest_checkpoint_at(conn)

    def insert_entry(self, conn: Connection, chained: ChainedEntry) -> None:
        entry = chained.entry
        conn.execute(
            _INSERT_ENTRY,
            {
                "seq": entry.seq,
                "at": entry.at,
                "kind": entry.kind,
                "actor": entry.actor,
                "summary": entry.summary,
                "grant_id": entry.grant_id,
                "prev_hash": entry.prev_hash,
                "entry_hash": entry.entry_hash,
            },
        )
        if chained.holder_refs:
            conn.execute(
                _INSERT_HOLDERS,
                [{"seq": entry.seq, "holder_ref": ref} for ref in chained.holder_refs],
            )

    def update_head(self, conn: Connection, head: SignedHead) -> None:
        new = {f"new_{name}": value for name, value in _head_values(head).items()}
        conn.execute(_UPDATE_HEAD, new)

    def latest_checkpoint_at(self, conn: Connection) -> datetime | None:
        row = conn.execute(_LATEST_CHECKPOINT_AT).first()
        return None if row is None else row.at

    def insert_checkpoint(self, conn: Connection, checkpoint: Checkpoint) -> None:
        conn.execute(
            insert(audit_checkpoints).values(
                count=checkpoint.count,
                head_hash=checkpoint.head_hash,
                at=checkpoint.at,
                kid=checkpoint.kid,
                signature=checkpoint.signature,
                jws=checkpoint.jws,
            )
        )

    # -- reading --------------------------------------------------------------------

    def head(self) -> SignedHead | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(audit_head).where(audit_head.c.id == _HEAD_ID)).first()
        return None if row is None else _head(row)

    def head_rows(self) -> int:
        """How many head rows there are: one once anything was appended, never more."""
        with self._engine.connect() as conn:
            return len(conn.execute(select(audit_head.c.id)).all())

    def entries_after(self, after_seq: int, limit: int) -> list[ChainedEntry]:
        """Up to ``limit`` entries with ``seq > after_seq``, in order, with their refs."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(audit_entries)
                .where(audit_entries.c.seq > after_seq)
                .order_by(audit_entries.c.seq)
                .limit(limit)
            ).all()
            if not rows:
                return []
            refs: dict[int, list[str]] = {}
            for seq, ref in conn.execute(
                select(audit_entry_holders.c.seq, audit_entry_holders.c.holder_ref).where(
                    audit_entry_holders.c.seq.between(rows[0].seq, rows[-1].seq)
                )
            ):
                refs.setdefault(seq, []).append(ref)
        return [ChainedEntry(_entry(row), tuple(sorted(refs.get(row.seq, [])))) for row in rows]

    def checkpoints_between(self, first: int, last: int) -> list[Checkpoint]:
        """Checkpoints with ``first <= count <= last``, oldest first."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(audit_checkpoints)
                .where(audit_checkpoints.c.count.between(first, last))
                .order_by(audit_checkpoints.c.count)
            ).all()
        return [_checkpoint(row) for row in rows]

    def checkpoints_older_than(self, before: int | None, limit: int) -> list[Checkpoint]:
        """Newest first: up to ``limit`` checkpoints with ``count < before`` (all if None)."""
        query = select(audit_checkpoints).order_by(audit_checkpoints.c.count.desc()).limit(limit)
        if before is not None:
            query = query.where(audit_checkpoints.c.count < before)
        with self._engine.connect() as conn:
            return [_checkpoint(row) for row in conn.execute(query)]

    def entries_for_holder(
        self, holder_ref: str, before_seq: int | None, limit: int
    ) -> list[AuditEntry]:
        """Newest first: up to ``limit`` of the entries this reference may read."""
        query = (
            select(audit_entries)
            .join(audit_entry_holders, audit_entry_holders.c.seq == audit_entries.c.seq)
            .where(audit_entry_holders.c.holder_ref == holder_ref)
            .order_by(audit_entries.c.seq.desc())
            .limit(limit)
        )
        if before_seq is not None:
            query = query.where(audit_entries.c.seq < before_seq)
        with self._engine.connect() as conn:
            return [_entry(row) for row in conn.execute(query)]


def _locked_head(conn: Connection) -> tuple[SignedHead, datetime | None] | None:
    row = conn.execute(_LOCK_HEAD).first()
    return None if row is None else (_head(row), row.latest_checkpoint_at)


def _head_values(head: SignedHead) -> dict[str, object]:
    return {
        "count": head.count,
        "head_hash": head.head_hash,
        "at": head.at,
        "kid": head.kid,
        "signature": head.signature,
    }


def _head(row: Row[tuple[object, ...]]) -> SignedHead:
    m = row._mapping
    return SignedHead(m["count"], m["head_hash"], m["at"], m["kid"], m["signature"])


def _checkpoint(row: Row[tuple[object, ...]]) -> Checkpoint:
    m = row._mapping
    return Checkpoint(m["count"], m["head_hash"], m["at"], m["kid"], m["signature"], m["jws"])


def _entry(row: Row[tuple[object, ...]]) -> AuditEntry:
    m = row._mapping
    return AuditEntry(
        seq=m["seq"],
        at=m["at"],
        kind=m["kind"],
        actor=m["actor"],
        summary=dict(m["summary"]),
        grant_id=m["grant_id"],
        prev_hash=m["prev_hash"],
        entry_hash=m["entry_hash"],
    )
