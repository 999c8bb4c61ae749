"""What the accounts' store hands the service: typed, frozen, free of any framework.

The store (:mod:`wallet.accounts.store`) builds these from its rows; nothing above it
sees a database row. A password hash travels only in :class:`PasswordRecord`, on the
login path; :class:`Citizen`, the public view, never carries it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

__all__ = [
    "Citizen",
    "GuessClaim",
    "NewSession",
    "PasswordRecord",
    "SessionKind",
    "StoredSession",
]

SessionKind = Literal["api", "web"]


@dataclass(frozen=True, slots=True)
class Citizen:
    """The public view of an account: never the hash, never the lock counters."""

    id: int
    id_number: str
    name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PasswordRecord:
    """An account's stored password hash (argon2id PHC string), read only to log in."""

    citizen_id: int
    password_hash: str


@dataclass(frozen=True, slots=True)
class GuessClaim:
    """What claiming a password guess decided, before the password is checked.

    ``allowed`` False: the number is locked until ``locked_until``; check nothing.
    ``allowed`` True with ``locked_until`` set: this was the last guess the lock period
    allows, and the number is now locked (a wrong password answers 423).
    ``failures`` and ``at``: the row as this claim left it (what a success may clear).
    """

    allowed: bool
    locked_until: datetime | None
    failures: int = 0
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NewSession:
    """A session to record at login: its tokens arrive hashed (SHA-256), never raw."""

    token_hash: str
    citizen_id: int
    kind: SessionKind
    csrf_token_hash: str | None
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class StoredSession:
    """A recorded session with its citizen, live or not (the service decides)."""

    token_hash: str
    citizen: Citizen
    kind: SessionKind
    csrf_token_hash: str | None
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
