"""Repository functions for citizen accounts and their sessions.

Callers own the transaction, as in :mod:`issuers.store.repository`. Tokens arrive here
already hashed: nothing in this module ever sees a bearer token or a password.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from issuers.store.tables import (
    certificate_holders,
    certificates,
    citizens,
    login_throttle,
    sessions,
)


def insert_citizen(
    conn: Connection, id_number: str, name: str, password_hash: str, now: datetime
) -> int:
    citizen_id = conn.execute(
        insert(citizens)
        .values(
            id_number=id_number,
            name=name,
            password_hash=password_hash,
            created_at=now,
            failed_logins=0,
            locked_until=None,
        )
        .returning(citizens.c.id)
    ).scalar_one()
    return int(citizen_id)


def citizen_by_id_number(conn: Connection, id_number: str) -> Row[Any] | None:
    return conn.execute(select(citizens).where(citizens.c.id_number == id_number)).first()


def record_failure(
    conn: Connection, citizen_id: int, max_failures: int, lock_until: datetime
) -> bool:
    """Count one failed login atomically; at ``max_failures`` lock and reset the count.

    Returns True when this failure locked the account.
    """
    failures = conn.execute(
        update(citizens)
        .where(citizens.c.id == citizen_id)
        .values(failed_logins=citizens.c.failed_logins + 1)
        .returning(citizens.c.failed_logins)
    ).scalar_one()
    if int(failures) < max_failures:
        return False
    conn.execute(
        update(citizens)
        .where(citizens.c.id == citizen_id)
        .values(failed_logins=0, locked_until=lock_until)
    )
    return True


def record_success(conn: Connection, citizen_id: int, new_hash: str | None) -> None:
    values: dict[str, Any] = {"failed_logins": 0, "locked_until": None}
    if new_hash is not None:
        values["password_hash"] = new_hash
    conn.execute(update(citizens).where(citizens.c.id == citizen_id).values(**values))


def insert_session(
    conn: Connection,
    *,
    token_hash: str,
    citizen_id: int,
    kind: str,
    csrf_token_hash: str | None,
    now: datetime,
    expires_at: datetime,
) -> None:
    conn.execute(
        insert(sessions).values(
            token_hash=token_hash,
            citizen_id=citizen_id,
            kind=kind,
            csrf_token_hash=csrf_token_hash,
            created_at=now,
            expires_at=expires_at,
            revoked_at=None,
        )
    )


def session_with_citizen(conn: Connection, token_hash: str) -> Row[Any] | None:
    """The session row joined with its citizen (citizen columns prefixed ``citizen_``)."""
    query = select(
        sessions,
        citizens.c.id_number.label("citizen_id_number"),
        citizens.c.name.label("citizen_name"),
        citizens.c.created_at.label("citizen_created_at"),
    ).join(citizens, citizens.c.id == sessions.c.citizen_id)
    return conn.execute(query.where(sessions.c.token_hash == token_hash)).first()


def revoke_session(conn: Connection, token_hash: str, now: datetime) -> None:
    conn.execute(
        update(sessions)
        .where(sessions.c.token_hash == token_hash, sessions.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def holder_certificate(conn: Connection, identifier: str, holder_code: str) -> Row[Any] | None:
    """The certificate ``identifier`` if ``holder_code`` is one of its holders, else None.

    One query for both conditions: "does not exist" and "is someone else's" look the
    same to the caller, and take the same path.
    """
    return conn.execute(
        select(certificates)
        .join(certificate_holders, certificate_holders.c.certificate_id == certificates.c.id)
        .where(
            certificates.c.identifier == identifier,
            certificate_holders.c.holder_code == holder_code,
        )
    ).first()


def holder_codes(conn: Connection, certificate_id: int) -> list[str]:
    return list(
        conn.execute(
            select(certificate_holders.c.holder_code)
            .where(certificate_holders.c.certificate_id == certificate_id)
            .order_by(certificate_holders.c.position)
        ).scalars()
    )


def throttle_unknown(
    conn: Connection, id_number: str, max_failures: int, now: datetime, lock_for: timedelta
) -> datetime | None:
    """Count a failed login for a number with no account, as :func:`record_failure`
    counts an account's. Returns when it is locked until, or None when it is not.

    Rows idle for longer than ``lock_for`` are forgotten, so the table holds only the
    numbers tried in the last lock period."""
    stale = now - lock_for
    conn.execute(
        delete(login_throttle).where(
            login_throttle.c.last_failure_at < stale,
            (login_throttle.c.locked_until.is_(None)) | (login_throttle.c.locked_until < now),
        )
    )
    row = conn.execute(
        select(login_throttle).where(login_throttle.c.id_number == id_number)
    ).first()
    if row is not None and row.locked_until is not None and row.locked_until > now:
        still_locked: datetime = row.locked_until  # not counted again
        return still_locked
    counting = row is not None and row.locked_until is None and row.last_failure_at >= stale
    failures = int(row.failures) + 1 if counting and row is not None else 1
    locked_until = now + lock_for if failures >= max_failures else None
    values = {
        "failures": 0 if locked_until else failures,
        "locked_until": locked_until,
        "last_failure_at": now,
    }
    if row is None:
        conn.execute(insert(login_throttle).values(id_number=id_number, **values))
    else:
        conn.execute(
            update(login_throttle).where(login_throttle.c.id_number == id_number).values(**values)
        )
    return locked_until
