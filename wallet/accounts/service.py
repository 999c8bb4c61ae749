"""Citizen accounts: registration, password login, bearer sessions, CSRF for web pages.

* Passwords are hashed with argon2id (RFC 9106) through argon2-cffi's
  :class:`~argon2.PasswordHasher`; the database holds only the PHC string
  (``$argon2id$v=19$m=...``). Hashes made with older parameters are upgraded at the
  next successful login.
* Login is uniform: an unknown 公民身份号码 is checked against a dummy hash, so it costs
  what a wrong password costs and gets the same :class:`Unauthorized`.
* ``max_failures`` wrong passwords in a row lock the account for ``lock_for``
  (:class:`AccountLocked`, 423), whatever password comes next; failures older than
  ``lock_for`` stop counting. Each guess is claimed (counted, or refused while locked)
  atomically before its password is checked, so concurrent logins get no more than
  ``max_failures`` passwords checked per lock period. A number with no account goes
  through the same code and the same throttle row, so no answer and no ageing of the
  count reveals whether an account exists.
* A session token is ``secrets.token_urlsafe(32)`` (256 bits); only its SHA-256 is
  stored. Web sessions also get a CSRF token (synchronizer pattern, OWASP CSRF
  cheat sheet), likewise stored hashed and compared in constant time.
* The clock and the store are injected: nothing reads the time inline, and this module
  imports no framework (the SQLAlchemy adapter is :mod:`wallet.accounts.store`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from issuers.clock import Clock
from issuers.codes import parse_resident_id
from issuers.errors import (
    AccountLocked,
    Conflict,
    Forbidden,
    InvalidInput,
    ReauthenticationRequired,
    Unauthorized,
)
from wallet.accounts.records import (
    Citizen,
    GuessClaim,
    NewSession,
    PasswordRecord,
    SessionKind,
    StoredSession,
)

__all__ = [
    "BAD_CREDENTIALS",
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "AccountService",
    "AccountStorage",
    "Citizen",
    "IssuedSession",
    "Session",
    "SessionKind",
    "check_csrf",
    "token_hash",
]

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024  # argon2 takes any length; a cap keeps requests cheap to refuse
BAD_CREDENTIALS = "公民身份号码 or password is wrong"


class AccountStorage(Protocol):
    """Where accounts live (:class:`wallet.accounts.store.AccountStore` over the
    database). Each method is one transaction; a login's claim and its completion are
    two, so no write lock is held while a password is hashed."""

    def add_citizen(
        self, id_number: str, name: str, password_hash: str, now: datetime
    ) -> Citizen | None: ...

    def has_citizen(self, id_number: str) -> bool: ...

    def claim_guess(
        self, id_number: str, *, now: datetime, max_failures: int, lock_for: timedelta
    ) -> tuple[GuessClaim, PasswordRecord | None]: ...

    def complete_login(
        self,
        id_number: str,
        claim: GuessClaim,
        session: NewSession,
        *,
        new_password_hash: str | None = None,
    ) -> None: ...

    def session(self, token_hash: str) -> StoredSession | None: ...

    def revoke_session(self, token_hash: str, now: datetime) -> None: ...

    def revoke_other_sessions(self, citizen_id: int, keep: str, now: datetime) -> int: ...


@dataclass(frozen=True, slots=True)
class IssuedSession:
    """What login hands back once: the tokens themselves are not stored anywhere."""

    token: str
    kind: SessionKind
    expires_at: datetime
    csrf_token: str | None = None


@dataclass(frozen=True, slots=True)
class Session:
    """A resolved, live session."""

    token_hash: str
    citizen: Citizen
    kind: SessionKind
    expires_at: datetime
    csrf_token_hash: str | None
    signed_in_at: datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccountService:
    """Registration, login and sessions over an injected store and clock."""

    def __init__(
        self,
        store: AccountStorage,
        clock: Clock,
        *,
        hasher: PasswordHasher | None = None,
        max_failures: int = 5,
        lock_for: timedelta = timedelta(minutes=15),
        api_session_ttl: timedelta = timedelta(hours=12),
        web_session_ttl: timedelta = timedelta(hours=2),
        fresh_sign_in: timedelta = timedelta(minutes=5),
    ) -> None:
        self._store = store
        self._clock = clock
        self._hasher = hasher or PasswordHasher()  # argon2id, RFC 9106 low-memory profile
        self._max_failures = max_failures
        self._lock_for = lock_for
        self._ttl: dict[SessionKind, timedelta] = {"api": api_session_ttl, "web": web_session_ttl}
        self._fresh_sign_in = fresh_sign_in

    @cached_property
    def _dummy_hash(self) -> str:
        # Made lazily (one hash costs tens of milliseconds) with the same parameters.
        return self._hasher.hash(secrets.token_urlsafe(16))

    def register(self, id_number: str, name: str, password: str) -> Citizen:
        code = parse_resident_id(id_number, field="id_number").value
        name = name.strip()
        if not name or len(name) > 100:
            raise InvalidInput("name must be 1-100 characters", field="name")
        if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
            raise InvalidInput(
                f"password must be {MIN_PASSWORD_LENGTH}-{MAX_PASSWORD_LENGTH} characters",
                field="password",
            )
        password_hash = self._hasher.hash(password)
        citizen = self._store.add_citizen(code, name, password_hash, self._clock())
        if citizen is None:
            raise Conflict("an account for this 公民身份号码 exists", field="id_number")
        return citizen

    def exists(self, id_number: str) -> bool:
        return self._store.has_citizen(id_number)

    def login(self, id_number: str, password: str, kind: SessionKind = "api") -> IssuedSession:
        """Check the password and open a session; raise Unauthorized or AccountLocked."""
        code = parse_resident_id(id_number, field="id_number").value
        now = self._clock()
        # The guess is counted before its password is checked, in one write
        # transaction, so concurrent logins cannot all be checked before the lock
        # takes hold. The same row and rules serve numbers without an account.
        claim, account = self._store.claim_guess(
            code, now=now, max_failures=self._max_failures, lock_for=self._lock_for
        )
        if not claim.allowed:
            raise _locked(claim.locked_until)
        # The slow hash runs outside any transaction (no write lock held while hashing).
        ok = self._verify(self._dummy_hash if account is None else account.password_hash, password)
        if account is None or not ok:
            if claim.locked_until is not None:  # this guess was the last one allowed
                raise _locked(claim.locked_until)
            raise Unauthorized(BAD_CREDENTIALS)
        rehash = (
            self._hasher.hash(password)
            if self._hasher.check_needs_rehash(account.password_hash)
            else None
        )
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32) if kind == "web" else None
        expires_at = now + self._ttl[kind]
        session = NewSession(
            token_hash=token_hash(token),
            citizen_id=account.citizen_id,
            kind=kind,
            csrf_token_hash=None if csrf is None else token_hash(csrf),
            created_at=now,
            expires_at=expires_at,
        )
        self._store.complete_login(code, claim, session, new_password_hash=rehash)
        return IssuedSession(token, kind, expires_at, csrf)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def resolve(self, token: str) -> Session:
        """The live session behind a bearer token; unknown, expired or revoked: 401."""
        hashed = token_hash(token)
        stored = self._store.session(hashed)
        if stored is None or stored.revoked_at is not None or stored.expires_at <= self._clock():
            raise Unauthorized("the session token is unknown, expired or revoked")
        return Session(
            hashed,
            stored.citizen,
            stored.kind,
            stored.expires_at,
            stored.csrf_token_hash,
            stored.created_at,
        )

    def require_recent_sign_in(self, session: Session) -> None:
        """Refuse a sensitive change (registering a device key) from a session signed in
        longer ago than the fresh sign-in window: a phone left signed in, or stolen,
        cannot hand the citizen's presentations to a key of the thief's."""
        if self._clock() - session.signed_in_at > self._fresh_sign_in:
            minutes = int(self._fresh_sign_in.total_seconds() // 60)
            raise ReauthenticationRequired(
                f"sign in again (within {minutes} minutes) to make this change",
                field="session",
            )

    def end_other_sessions(self, session: Session) -> int:
        """End every session of the citizen except ``session`` (a device forgotten: the
        lost phone's session must not outlive it). Returns how many were ended."""
        return self._store.revoke_other_sessions(
            session.citizen.id, session.token_hash, self._clock()
        )

    def logout(self, session: Session) -> None:
        self._store.revoke_session(session.token_hash, self._clock())


def _locked(until: datetime | None) -> AccountLocked:
    return AccountLocked(
        "too many wrong passwords: the account is locked for a while",
        details={"locked_until": None if until is None else until.isoformat()},
    )


def check_csrf(session: Session, token: str | None) -> None:
    """Refuse a state-changing web request whose CSRF token is not the session's."""
    expected = session.csrf_token_hash
    given = token_hash(token or "")
    if expected is None or not token or not hmac.compare_digest(given, expected):
        raise Forbidden("missing or wrong CSRF token", field="csrf_token")
