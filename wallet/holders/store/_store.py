"""The holders' store: every transaction over holder keys and holders' copies.

Each method runs in a transaction of its own (:func:`~issuers.store.database.
write_transaction` when it writes), except those named ``..._in``, which join the
caller's: the issuer mints a certificate and keeps its primary holder's copy in one
transaction (:class:`~issuers.store.issuance.HolderKeyBinder`). A key change and the
invalidation of the retired key's copies in the status lists commit together.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from issuers.clock import Clock
from issuers.errors import Conflict
from issuers.store import status_store
from issuers.store.database import write_transaction
from wallet.holders.records import (
    BoundCredential,
    HeldCertificate,
    HolderKey,
    Holding,
    KeyChange,
    NewKey,
)
from wallet.holders.store import _queries as q

if TYPE_CHECKING:
    from issuers.store.issuance import IssuanceService

KeyFor = Callable[[Connection], HolderKey]
"""The holder's active key, read (or made) under their lock in the given transaction."""


class HolderStore:
    """Holder keys and holder-bound copies in the database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # -- reading ------------------------------------------------------------------

    def holding(self, identifier: str, holder_code: str) -> Holding | None:
        """The certificate if it names the holder, with their key and copy (one query)."""
        with self._engine.connect() as conn:
            return q.holding(conn, identifier, holder_code)

    def active_key(self, holder_code: str) -> HolderKey | None:
        with self._engine.connect() as conn:
            return q.active_key(conn, holder_code)

    def sealed_private_key(self, kid: str) -> bytes | None:
        """The sealed private half of an active custodial key, else ``None``."""
        with self._engine.connect() as conn:
            return q.sealed_private_key(conn, kid)

    def sealed_private_key_in(self, conn: Connection, kid: str) -> bytes | None:
        """:meth:`sealed_private_key` in the caller's transaction."""
        return q.sealed_private_key(conn, kid)

    # -- the holder's one active key ------------------------------------------------

    def ensure_key(self, holder_code: str, make: Callable[[], NewKey], now: datetime) -> HolderKey:
        """:meth:`ensure_key_in` in a write transaction of its own."""
        with write_transaction(self._engine) as conn:
            return self.ensure_key_in(conn, holder_code, make, now)

    def ensure_key_in(
        self, conn: Connection, holder_code: str, make: Callable[[], NewKey], now: datetime
    ) -> HolderKey:
        """The active key, or ``make()``'s. Two workers making one at once: the UNIQUE
        ``active_for`` lets one win; the other reads the winner's key.

        Read under the holder's lock, the one key changes take: a copy bound to the key
        read here is then written before a retirement starts (which invalidates it) or
        after it ends (and binds the new key). Unlocked, a copy made for a key retired
        meanwhile would keep a live status entry (PostgreSQL, READ COMMITTED)."""
        q.lock_holder(conn, holder_code)
        found = q.active_key(conn, holder_code)
        if found is not None:
            return found
        key = make()
        try:
            with conn.begin_nested():
                q.insert_key(conn, holder_code, key, now)
        except IntegrityError:
            winner = q.active_key(conn, holder_code)
            if winner is None:
                raise
            return winner
        return key.stored_at(now)

    def replace_key(self, holder_code: str, key: NewKey, now: datetime) -> KeyChange:
        """Make ``key`` the holder's active key and retire the one it replaces.

        The same key again changes nothing; a key already known here (anyone's, active
        or retired) is a :class:`Conflict`: a retired key never comes back. A change
        that still collides on the one-active-key rule (a first custodial key made for
        a mint at the same instant) is a :class:`Conflict` too, never a 500."""
        try:
            with write_transaction(self._engine) as conn:
                q.lock_holder(conn, holder_code)
                current = q.active_key(conn, holder_code)
                if current is not None and current.kid == key.kid:
                    return KeyChange(current, None)
                if q.is_known(conn, key.kid):
                    raise Conflict(
                        "this key is already registered and cannot be reused", field="jwk"
                    )
                if current is not None:
                    _retire(conn, current.kid, now)
                q.insert_key(conn, holder_code, key, now)
        except IntegrityError:
            raise Conflict(
                "the holder key changed at the same moment; try again", field="holder_key"
            ) from None
        return KeyChange(key.stored_at(now), None if current is None else current.kid)

    # -- holders' copies ----------------------------------------------------------

    def certificate_in(
        self, conn: Connection, identifier: str, holder_code: str
    ) -> HeldCertificate | None:
        """The certificate if it names the holder, in the caller's transaction."""
        return q.held_certificate(conn, identifier, holder_code)

    def bind_copy(
        self,
        identifier: str,
        holder_code: str,
        *,
        key_for: KeyFor,
        issuance: IssuanceService,
        clock: Clock,
    ) -> BoundCredential | None:
        """The holder's copy of certificate ``identifier`` bound to the key ``key_for``
        reads, made and kept now unless another request just did; ``None`` when the
        certificate does not name the holder. One write transaction: the copy's status
        entry (:meth:`IssuanceService.bound_copy`) commits with the copy."""
        with write_transaction(self._engine) as conn:
            certificate = self.certificate_in(conn, identifier, holder_code)
            if certificate is None:
                return None
            key = key_for(conn)
            kept = q.held_copy(conn, certificate.id, holder_code)
            if kept is not None and kept[0] == key.kid:
                return BoundCredential(certificate, key, kept[1])
            qr = issuance.bound_copy(
                conn,
                certificate.identifier,
                certificate.issuer_uscc,
                certificate.qr,
                key.verifying_key,
            )
            self.keep_copy_in(conn, certificate.id, holder_code, key.kid, qr, clock())
            return BoundCredential(certificate, key, qr)

    def keep_copy_in(
        self,
        conn: Connection,
        certificate_id: int,
        holder_code: str,
        holder_kid: str,
        qr: str,
        now: datetime,
    ) -> None:
        """Keep the holder's copy, replacing one bound to an earlier key."""
        q.save_copy(
            conn,
            certificate_id=certificate_id,
            holder_code=holder_code,
            holder_kid=holder_kid,
            qr=qr,
            now=now,
        )


class RetiredHolderKeys:
    """The verifier's :class:`~verifiers.presentation.HolderKeyStatus` over this
    database: a retired key's presentations are refused online at once (a lost phone).
    Needs no secret, so a public verifier (``elicense verify``) uses it too."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def retired(self, kid: str) -> bool:
        with self._engine.connect() as conn:
            return q.is_retired(conn, kid)


def _retire(conn: Connection, kid: str, now: datetime) -> None:
    """Retire a key for good: its sealed private half is destroyed, and every copy of a
    credential bound to it is invalidated in the status lists, so a lost phone's kept
    credentials fail online at once and offline after the verifier's next sync."""
    q.retire_key(conn, kid, now)
    status_store.retire_copies(conn, kid, now)
