"""The login throttle's queries: a guess is claimed before its password is checked.

Connection-level, run inside the caller's write transaction
(:meth:`wallet.accounts.store.AccountStore.claim_guess`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from issuers.errors import Busy
from wallet.accounts.records import GuessClaim
from wallet.accounts.store.tables import login_throttle

__all__ = ["PRUNE_BATCH", "claim_guess", "clear_guesses"]

PRUNE_BATCH = 100  # idle throttle rows removed per claim: bounded work on the login path
_CLAIM_ATTEMPTS = 5


def claim_guess(
    conn: Connection,
    id_number: str,
    *,
    now: datetime,
    max_failures: int,
    lock_for: timedelta,
) -> GuessClaim:
    """Count one password guess for ``id_number`` (with or without an account) before
    its hash is checked: refused while locked; failures older than ``lock_for`` no
    longer count; the ``max_failures``-th guess in a row locks for ``lock_for``.

    Run it in :func:`~issuers.store.database.write_transaction`: the row is read and
    written under a lock (SQLite: the IMMEDIATE write lock; PostgreSQL: SELECT ... FOR
    UPDATE), so concurrent guesses are counted one after another and no more than
    ``max_failures`` are ever allowed in a lock period. A success must clear the row
    with its claim (:func:`clear_guesses`); a failure needs no further write.
    """
    row = _throttle_row_for_update(conn, id_number, now)
    if row.locked_until is not None and row.locked_until > now:
        still_locked: datetime = row.locked_until  # refused, and not counted again
        _prune_idle(conn, now, lock_for)
        return GuessClaim(allowed=False, locked_until=still_locked)
    # A count carries on only within the lock period after the last failure, and a
    # lock that has run out starts a fresh count.
    counting = row.locked_until is None and row.last_failure_at >= now - lock_for
    failures = int(row.failures) + 1 if counting else 1
    locked_until = now + lock_for if failures >= max_failures else None
    conn.execute(
        update(login_throttle)
        .where(login_throttle.c.id_number == id_number)
        .values(failures=failures, locked_until=locked_until, last_failure_at=now)
    )
    # After the claim, never before: the claimed row is already ours, and SKIP LOCKED
    # never waits, so two claims cannot deadlock over each other's rows (PostgreSQL).
    _prune_idle(conn, now, lock_for)
    return GuessClaim(allowed=True, locked_until=locked_until, failures=failures, at=now)


def clear_guesses(conn: Connection, id_number: str, claim: GuessClaim) -> None:
    """A successful login: the number's failures are forgotten, unless guesses were
    claimed after ``claim`` while its password was being checked. Those, and the lock
    they may have set, stand: wiping them would give an attacker guessing during the
    owner's sign-in a fresh set of guesses in the same lock period."""
    conn.execute(
        delete(login_throttle).where(
            login_throttle.c.id_number == id_number,
            login_throttle.c.failures == claim.failures,
            login_throttle.c.last_failure_at == claim.at,
        )
    )


def _throttle_row_for_update(conn: Connection, id_number: str, now: datetime) -> Row[Any]:
    """The number's throttle row, locked for this transaction; made if missing.

    On PostgreSQL two first guesses can both find no row: the INSERT runs in a SAVEPOINT
    and the loser of the unique key reads the winner's row. A row deleted in between
    (by a success or a prune) is inserted again."""
    query = select(login_throttle).where(login_throttle.c.id_number == id_number).with_for_update()
    for _ in range(_CLAIM_ATTEMPTS):
        row = conn.execute(query).first()
        if row is not None:
            return row
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(login_throttle).values(
                        id_number=id_number, failures=0, locked_until=None, last_failure_at=now
                    )
                )
        except IntegrityError:
            continue
        return conn.execute(query).one()
    raise Busy("too many concurrent logins for this 公民身份号码: try again")


def _prune_idle(conn: Connection, now: datetime, lock_for: timedelta) -> None:
    """Forget rows idle for longer than the lock period (they would count from zero
    anyway), so the table holds only the numbers tried lately. Rows another login has
    locked are skipped (PostgreSQL); SQLite ignores FOR UPDATE and serialises writers."""
    stale = now - lock_for
    idle = (
        select(login_throttle.c.id_number)
        .where(
            login_throttle.c.last_failure_at < stale,
            login_throttle.c.locked_until.is_(None) | (login_throttle.c.locked_until <= now),
        )
        .limit(PRUNE_BATCH)
        .with_for_update(skip_locked=True)
    )
    conn.execute(delete(login_throttle).where(login_throttle.c.id_number.in_(idle)))
