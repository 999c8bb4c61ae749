"""Status list entries in the database: random index allocation and status changes.

Indices are drawn at random from the issuer's open list (the Token Status List
draft's privacy considerations: sequential indices let verifiers correlate holders
and estimate issuance volume). A list stays open until half full, so a random draw
collides rarely; a collision is retried inside a SAVEPOINT, never failing the mint.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from random import Random
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from issuers.errors import Conflict, NotFound
from issuers.status_codes import LIST_INVALID, CertificateStatus, check_transition
from issuers.store.bulk_insert import insert_many
from issuers.store.tables import certificates, status_entries, status_events, status_lists

DEFAULT_LIST_SIZE = 1 << 17  # 131,072 entries: 32 KiB raw at 2 bits, a few hundred bytes compressed
FILL_LIMIT = 0.5
_DRAWS = 64
_SYSTEM_RANDOM: Random = secrets.SystemRandom()


def reserve_index(
    conn: Connection,
    issuer_uscc: str,
    identifier: str,
    now: datetime,
    *,
    holder_kid: str = "",
    value: int = 0,
    size: int = DEFAULT_LIST_SIZE,
    rng: Random = _SYSTEM_RANDOM,
) -> tuple[int, int]:
    """Reserve a random free entry for ``identifier`` (for its copy bound to
    ``holder_kid``, when given), starting at list ``value``; return (list_number, idx).
    A copy's entry that exists already is returned as it is."""
    for _ in range(_DRAWS):
        if holder_kid:
            found = _copy_entry(conn, identifier, holder_kid)
            if found is not None:
                return found
        row = _open_list(conn, issuer_uscc, size, now)
        idx = rng.randrange(row.size)
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(status_entries).values(
                        list_id=row.id,
                        idx=idx,
                        identifier=identifier,
                        holder_kid=holder_kid,
                        value=value,
                        retired_at=None,
                    )
                )
        except IntegrityError:
            # That index is taken, another minter opened the list, or another request
            # made this copy's entry at the same moment: look again, draw again.
            continue
        conn.execute(
            update(status_lists)
            .where(status_lists.c.id == row.id)
            .values(used=status_lists.c.used + 1)
        )
        return int(row.list_number), idx
    raise Conflict("could not find a free status list entry; try again")


def reserve_indices(
    conn: Connection,
    issuer_uscc: str,
    identifiers: Sequence[str],
    now: datetime,
    *,
    size: int = DEFAULT_LIST_SIZE,
    rng: Random = _SYSTEM_RANDOM,
) -> list[tuple[int, int]]:
    """:func:`reserve_index` for many new certificates at once, in a few multi-row
    INSERTs: distinct random indices per open list, a taken one skipped (ON CONFLICT DO
    NOTHING) and drawn again, a list past its fill limit followed by the next."""
    found: dict[str, tuple[int, int]] = {}
    pending = list(identifiers)
    for _ in range(_DRAWS):
        if not pending:
            return [found[identifier] for identifier in identifiers]
        row = _open_list(conn, issuer_uscc, size, now)
        room = max(int(row.size * FILL_LIMIT) - int(row.used), 1)
        take = pending[:room]
        drawn = rng.sample(range(row.size), len(take))
        values = [
            {"list_id": row.id, "idx": idx, "identifier": identifier, "holder_kid": "", "value": 0}
            for identifier, idx in zip(take, drawn, strict=True)
        ]
        stored = insert_many(
            conn, status_entries, values, returning=("identifier", "idx"), skip_conflicts=True
        )
        conn.execute(
            update(status_lists)
            .where(status_lists.c.id == row.id)
            .values(used=status_lists.c.used + len(stored))
        )
        found.update((str(r[0]), (int(row.list_number), int(r[1]))) for r in stored)
        pending = [identifier for identifier in pending if identifier not in found]
    raise Conflict("could not find free status list entries; try again")


def _open_list(conn: Connection, issuer_uscc: str, size: int, now: datetime) -> Row[Any]:
    row = conn.execute(
        select(status_lists)
        .where(status_lists.c.issuer_uscc == issuer_uscc)
        .order_by(status_lists.c.list_number.desc())
        .limit(1)
    ).first()
    if row is not None and row.used < row.size * FILL_LIMIT:
        return row
    number = 1 if row is None else int(row.list_number) + 1
    try:
        with conn.begin_nested():
            conn.execute(
                insert(status_lists).values(
                    issuer_uscc=issuer_uscc,
                    list_number=number,
                    size=size,
                    bits=2,
                    used=0,
                    version=0,
                    created_at=now,
                )
            )
    except IntegrityError:
        pass  # opened concurrently by another minter: use theirs
    return conn.execute(
        select(status_lists).where(
            status_lists.c.issuer_uscc == issuer_uscc, status_lists.c.list_number == number
        )
    ).one()


def change_status(
    conn: Connection,
    identifier: str,
    target: CertificateStatus,
    *,
    reason: str | None,
    actor: str,
    now: datetime,
    issuer_uscc: str | None = None,
) -> CertificateStatus:
    """Move a certificate to ``target``, record why, and mark its list changed.

    Returns the previous status. ``issuer_uscc``, when given, must be the issuer.
    """
    query = select(certificates.c.status, certificates.c.issuer_uscc).where(
        certificates.c.identifier == identifier
    )
    row = conn.execute(query.with_for_update()).first()
    if row is None or (issuer_uscc is not None and row.issuer_uscc != issuer_uscc):
        raise NotFound(f"no certificate {identifier}", field="identifier")
    current = CertificateStatus(row.status)
    check_transition(current, target)
    conn.execute(
        update(certificates)
        .where(certificates.c.identifier == identifier)
        .values(status=target.value, status_reason=reason)
    )
    # The certificate's own entry and every live copy's; a retired copy stays INVALID.
    following = (status_entries.c.identifier == identifier) & status_entries.c.retired_at.is_(None)
    _set_entries(conn, following, value=target.list_value)
    conn.execute(
        insert(status_events).values(
            identifier=identifier,
            from_status=current.value,
            to_status=target.value,
            reason=reason,
            actor=actor,
            at=now,
        )
    )
    return current


def locked_status(conn: Connection, identifier: str) -> CertificateStatus:
    """The certificate's status, its row locked until commit as :func:`change_status`
    locks it, so an entry started at this status cannot miss a change made meanwhile."""
    status = conn.execute(
        select(certificates.c.status)
        .where(certificates.c.identifier == identifier)
        .with_for_update()
    ).scalar_one_or_none()
    if status is None:
        raise NotFound(f"no certificate {identifier}", field="identifier")
    return CertificateStatus(status)


def retire_copies(conn: Connection, holder_kid: str, now: datetime) -> int:
    """Invalidate for good every copy bound to ``holder_kid`` (its key was retired: a
    lost or replaced device), whatever the certificates' status. Returns how many."""
    live = (status_entries.c.holder_kid == holder_kid) & status_entries.c.retired_at.is_(None)
    return _set_entries(conn, live, value=LIST_INVALID, retired_at=now)


def _copy_entry(conn: Connection, identifier: str, holder_kid: str) -> tuple[int, int] | None:
    row = conn.execute(
        select(status_lists.c.list_number, status_entries.c.idx)
        .join(status_lists, status_lists.c.id == status_entries.c.list_id)
        .where(status_entries.c.identifier == identifier, status_entries.c.holder_kid == holder_kid)
    ).first()
    return None if row is None else (int(row.list_number), int(row.idx))


def _set_entries(conn: Connection, which: ColumnElement[bool], **values: Any) -> int:
    """Update the entries ``which`` selects, and give each of their lists a new version
    (publishers re-sign it at the next request). Returns how many entries changed."""
    list_ids = conn.execute(select(status_entries.c.list_id).where(which).distinct()).scalars()
    touched = sorted(set(list_ids))
    if touched:
        conn.execute(
            update(status_lists)
            .where(status_lists.c.id.in_(touched))
            .values(version=status_lists.c.version + 1)
        )
    return int(conn.execute(update(status_entries).where(which).values(**values)).rowcount)


def entry_value(conn: Connection, issuer_uscc: str, list_number: int, idx: int) -> int | None:
    """The list value at (issuer, list, idx), or None if no such entry exists."""
    value = conn.execute(
        select(status_entries.c.value)
        .join(status_lists, status_lists.c.id == status_entries.c.list_id)
        .where(
            status_lists.c.issuer_uscc == issuer_uscc,
            status_lists.c.list_number == list_number,
            status_entries.c.idx == idx,
        )
    ).scalar_one_or_none()
    return None if value is None else int(value)


def list_row(conn: Connection, issuer_uscc: str, list_number: int) -> Row[Any]:
    """The list's row (size, bits, version); NotFound if there is no such list."""
    row = conn.execute(
        select(status_lists).where(
            status_lists.c.issuer_uscc == issuer_uscc, status_lists.c.list_number == list_number
        )
    ).first()
    if row is None:
        raise NotFound(f"no status list {list_number} for {issuer_uscc}", field="list")
    return row


def non_valid_entries(conn: Connection, list_id: int) -> list[tuple[int, int]]:
    """The (idx, value) pairs of a list that are not VALID: all a publisher needs."""
    pairs = conn.execute(
        select(status_entries.c.idx, status_entries.c.value).where(
            status_entries.c.list_id == list_id, status_entries.c.value != 0
        )
    ).all()
    return [(int(i), int(v)) for i, v in pairs]


def list_entries(
    conn: Connection, issuer_uscc: str, list_number: int
) -> tuple[Row[Any], list[tuple[int, int]]]:
    """The list row and its non-valid (idx, value) pairs."""
    row = list_row(conn, issuer_uscc, list_number)
    return row, non_valid_entries(conn, int(row.id))


def status_history(conn: Connection, identifier: str) -> list[Row[Any]]:
    return list(
        conn.execute(
            select(status_events)
            .where(status_events.c.identifier == identifier)
            .order_by(status_events.c.id)
        )
    )


def count_entries(conn: Connection, issuer_uscc: str) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(status_entries.join(status_lists))
            .where(status_lists.c.issuer_uscc == issuer_uscc)
        ).scalar_one()
    )
