"""The accounts' store: citizens, their sessions and the login throttle, over SQLAlchemy.

:class:`AccountStore` runs each query in a transaction of its own and hands back the
frozen records of :mod:`wallet.accounts.records`, never a database row; a taken
公民身份号码 (the unique key) is an outcome (``None``), not a driver error. Tokens
arrive here already hashed: nothing in this package ever sees a bearer token or a
password.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Engine, String, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from issuers.store.database import write_transaction
from wallet.accounts.records import (
    Citizen,
    GuessClaim,
    NewSession,
    PasswordRecord,
    SessionKind,
    StoredSession,
)
from wallet.accounts.store.tables import citizens, sessions
from wallet.accounts.store.throttle import claim_guess, clear_guesses

# Every authenticated request reads its session: the query is built once (building it
# per call cost more than SQLite running it).
_SESSION = (
    select(
        sessions,
        citizens.c.id_number.label("citizen_id_number"),
        citizens.c.name.label("citizen_name"),
        citizens.c.created_at.label("citizen_created_at"),
    )
    .join(citizens, citizens.c.id == sessions.c.citizen_id)
    .where(sessions.c.token_hash == bindparam("token_hash", type_=String))
)

__all__ = ["AccountStore"]


class AccountStore:
    """The accounts' tables behind typed methods: the service's
    :class:`~wallet.accounts.service.AccountStorage`, over a database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add_citizen(
        self, id_number: str, name: str, password_hash: str, now: datetime
    ) -> Citizen | None:
        """Record a new account; ``None`` when the 公民身份号码 already has one."""
        try:
            with write_transaction(self._engine) as conn:
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
        except IntegrityError:
            return None
        return Citizen(int(citizen_id), id_number, name, now)

    def has_citizen(self, id_number: str) -> bool:
        with self._engine.connect() as conn:
            found = conn.execute(
                select(citizens.c.id).where(citizens.c.id_number == id_number)
            ).first()
        return found is not None

    def claim_guess(
        self, id_number: str, *, now: datetime, max_failures: int, lock_for: timedelta
    ) -> tuple[GuessClaim, PasswordRecord | None]:
        """Count one password guess (:func:`~wallet.accounts.store.throttle.claim_guess`)
        and read the number's password hash, if it has an account, in one write
        transaction: concurrent logins cannot all be checked before the lock holds."""
        with write_transaction(self._engine) as conn:
            claim = claim_guess(
                conn, id_number, now=now, max_failures=max_failures, lock_for=lock_for
            )
            row = conn.execute(
                select(citizens.c.id, citizens.c.password_hash).where(
                    citizens.c.id_number == id_number
                )
            ).first()
        account = None if row is None else PasswordRecord(int(row.id), row.password_hash)
        return claim, account

    def complete_login(
        self,
        id_number: str,
        claim: GuessClaim,
        session: NewSession,
        *,
        new_password_hash: str | None = None,
    ) -> None:
        """A password checked: clear the guesses ``claim`` counted, store the upgraded
        hash if any, and record the session, in one transaction."""
        with write_transaction(self._engine) as conn:
            clear_guesses(conn, id_number, claim)
            if new_password_hash is not None:
                conn.execute(
                    update(citizens)
                    .where(citizens.c.id == session.citizen_id)
                    .values(password_hash=new_password_hash)
                )
            conn.execute(
                insert(sessions).values(
                    token_hash=session.token_hash,
                    citizen_id=session.citizen_id,
                    kind=session.kind,
                    csrf_token_hash=session.csrf_token_hash,
                    created_at=session.created_at,
                    expires_at=session.expires_at,
                    revoked_at=None,
                )
            )

    def session(self, token_hash: str) -> StoredSession | None:
        """The session whose token hashes to ``token_hash``, with its citizen."""
        with self._engine.connect() as conn:
            row = conn.execute(_SESSION, {"token_hash": token_hash}).first()
        if row is None:
            return None
        citizen = Citizen(
            int(row.citizen_id), row.citizen_id_number, row.citizen_name, row.citizen_created_at
        )
        return StoredSession(
            token_hash=row.token_hash,
            citizen=citizen,
            kind=cast(SessionKind, row.kind),  # written only from SessionKind
            csrf_token_hash=row.csrf_token_hash,
            created_at=row.created_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
        )

    def revoke_session(self, token_hash: str, now: datetime) -> None:
        with write_transaction(self._engine) as conn:
            conn.execute(
                update(sessions)
                .where(sessions.c.token_hash == token_hash, sessions.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )

    def revoke_other_sessions(self, citizen_id: int, keep: str, now: datetime) -> int:
        """End every live session of the citizen but the one whose token hashes to
        ``keep``; how many were ended."""
        with write_transaction(self._engine) as conn:
            ended = conn.execute(
                update(sessions)
                .where(
                    sessions.c.citizen_id == citizen_id,
                    sessions.c.token_hash != keep,
                    sessions.c.revoked_at.is_(None),
                )
                .values(revoked_at=now)
            ).rowcount
        return int(ended)
