"""Holder keys: one active key per 公民身份号码, custodial by default or on a device.

* **Custodial** (the default, DESIGN.md "Dynamic presentation"): an Ed25519 key made
  here the first time a holder needs one (a certificate is minted for them, or they
  open their wallet). Its private half is sealed with AES-256-GCM under the master key
  (:mod:`issuers.crypto.sealing`), bound to its kid, and opened only to sign a
  presentation.
* **Device**: the citizen registers a public key (JWK) whose private half never leaves
  the phone; the phone signs presentations itself (``elicense present --key`` plays
  it). Registering one retires the custodial key and destroys its sealed private half.

A retired key never comes back, and a key already known here (anyone's) cannot be
registered again. Every copy of a credential bound to a retired key is invalidated in
the status lists (each copy has a status entry of its own), so a lost phone's kept
credentials stop verifying while the certificate and the other holders' copies do not;
the holder gets a copy bound to the new key the next time one is needed
(:class:`wallet.holders.presentations.PresentationService`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from threading import Lock
from typing import Any, Literal

from sqlalchemy import Connection, Engine, Row
from sqlalchemy.exc import IntegrityError

from issuers.codes import parse_resident_id
from issuers.crypto.keys import Algorithm, SigningKey, VerifyingKey
from issuers.crypto.sealing import seal, unseal
from issuers.errors import Conflict, InvalidInput, KeyUnavailable
from issuers.store import status_store
from issuers.store.database import write_transaction
from wallet.holders import store as store
from wallet.holders.device_proof import check_registration

Clock = Callable[[], datetime]
Custody = Literal["custodial", "device"]
SEALING_PURPOSE = b"elicense holder key"
# RFC 7518 §6.2.2 / §6.3.2 / RFC 8037 §2: members that carry private key material.
_PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


@dataclass(frozen=True, slots=True)
class HolderKey:
    """The public view of a holder's active key."""

    kid: str
    alg: Algorithm
    custody: Custody
    public_jwk: dict[str, str]
    created_at: datetime

    @property
    def verifying_key(self) -> VerifyingKey:
        return VerifyingKey.from_jwk(self.public_jwk)


def key_view(row: Row[Any], prefix: str = "") -> HolderKey:
    """A ``holder_keys`` row (its columns named ``prefix`` + name, as in a join)."""
    column = row._mapping
    return HolderKey(
        kid=column[prefix + "kid"],
        alg=Algorithm(column[prefix + "alg"]),
        custody=column[prefix + "custody"],
        public_jwk=dict(column[prefix + "public_jwk"]),
        created_at=column[prefix + "created_at"],
    )


def is_person_code(holder_code: str) -> bool:
    try:
        parse_resident_id(holder_code)
    except InvalidInput:
        return False
    return True


class RetiredHolderKeys:
    """The verifier's :class:`~verifiers.presentation.HolderKeyStatus` over this
    database: a retired key's presentations are refused online at once (a lost phone).
    Needs no secret, so a public verifier (``elicense verify``) uses it too."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def retired(self, kid: str) -> bool:
        with self._engine.connect() as conn:
            return store.is_retired(conn, kid)


class HolderKeyring:
    """Holder keys in the database; implements the issuer's ``HolderKeyBinder``."""

    def __init__(
        self, engine: Engine, master_key: bytes, clock: Clock, *, cache_size: int = 4096
    ) -> None:
        self._engine = engine
        self._master_key = master_key
        self._clock = clock
        self._opened: OrderedDict[str, SigningKey] = OrderedDict()
        self._cache_size = cache_size
        self._lock = Lock()

    # -- reading ------------------------------------------------------------------

    def active(self, conn: Connection, holder_code: str) -> HolderKey | None:
        row = store.active_key(conn, holder_code)
        return None if row is None else key_view(row)

    def current(self, holder_code: str) -> HolderKey:
        """The holder's active key, made now if they have none yet."""
        with self._engine.connect() as conn:
            found = self.active(conn, holder_code)
        if found is not None:
            return found
        with write_transaction(self._engine) as conn:
            return self.ensure(conn, holder_code, self._clock())

    # -- the issuer's HolderKeyBinder ---------------------------------------------------

    def binding_key(self, conn: Connection, holder_code: str, now: datetime) -> VerifyingKey | None:
        if not is_person_code(holder_code):
            return None
        return self.ensure(conn, holder_code, now).verifying_key

    def keep_copy(
        self,
        conn: Connection,
        certificate_id: int,
        holder_code: str,
        holder_kid: str,
        qr: str,
        now: datetime,
    ) -> None:
        store.save_credential(
            conn,
            certificate_id=certificate_id,
            holder_code=holder_code,
            holder_kid=holder_kid,
            qr=qr,
            now=now,
        )

    def ensure(self, conn: Connection, holder_code: str, now: datetime) -> HolderKey:
        """The active key, or a new custodial one. Two workers making one at once: the
        UNIQUE ``active_for`` lets one win; the other reads the winner's key.

        Read under the holder's lock, the one key changes take: a copy bound to the key
        read here is then written before a retirement starts (which invalidates it) or
        after it ends (and binds the new key). Unlocked, a copy made for a key retired
        meanwhile would keep a live status entry (PostgreSQL, READ COMMITTED)."""
        store.lock_holder(conn, holder_code)
        found = self.active(conn, holder_code)
        if found is not None:
            return found
        try:
            with conn.begin_nested():
                return self._add_custodial(conn, holder_code, now)
        except IntegrityError:
            winner = self.active(conn, holder_code)
            if winner is None:
                raise
            return winner

    # -- changing custody ---------------------------------------------------------

    def register_device(
        self, holder_code: str, public_jwk: dict[str, Any], *, proof: bytes, session_hash: str
    ) -> HolderKey:
        """Make a device's public key the holder's key; the old key is retired. ``proof``
        is the device's signature over the registration message of the session whose
        token hashes to ``session_hash`` (:mod:`wallet.holders.device_proof`)."""
        if _PRIVATE_JWK_MEMBERS & set(public_jwk):
            raise InvalidInput(
                "send the public key only: the private half never leaves the device",
                field="public_jwk",
            )
        public = VerifyingKey.from_jwk(public_jwk)
        check_registration(public, proof, session_hash, holder_code)
        now = self._clock()
        with _one_change_at_a_time(), write_transaction(self._engine) as conn:
            store.lock_holder(conn, holder_code)
            current = self.active(conn, holder_code)
            if current is not None and current.kid == public.kid:
                return current
            if store.key_by_kid(conn, public.kid) is not None:
                raise Conflict("this key is already registered and cannot be reused", field="jwk")
            if current is not None:
                _retire(conn, current.kid, now)
            store.insert_key(
                conn,
                kid=public.kid,
                holder_code=holder_code,
                custody="device",
                alg=public.alg.value,
                public_jwk=public.to_jwk(),
                sealed_private_key=None,
                now=now,
            )
            added = self.active(conn, holder_code)
        assert added is not None
        self._forget(None if current is None else current.kid)
        return added

    def reset_to_custodial(self, holder_code: str) -> HolderKey:
        """A lost or replaced device: retire the active key and make a custodial one."""
        now = self._clock()
        with _one_change_at_a_time(), write_transaction(self._engine) as conn:
            store.lock_holder(conn, holder_code)
            current = self.active(conn, holder_code)
            if current is not None:
                _retire(conn, current.kid, now)
            added = self._add_custodial(conn, holder_code, now)
        self._forget(None if current is None else current.kid)
        return added

    # -- signing --------------------------------------------------------------------

    def signing_key(self, key: HolderKey) -> SigningKey:
        """The opened private half of a custodial key (kept in a bounded cache)."""
        if key.custody != "custodial":
            raise Conflict(
                "this holder's key is on a registered device: the device signs presentations",
                field="holder_key",
            )
        with self._lock:
            cached = self._opened.get(key.kid)
            if cached is not None:
                self._opened.move_to_end(key.kid)
                return cached
        with self._engine.connect() as conn:
            row = store.key_by_kid(conn, key.kid)
        if row is None or row.sealed_private_key is None or row.active_for is None:
            raise KeyUnavailable("the holder key was retired; show the certificate again")
        opened = SigningKey.from_pkcs8(
            unseal(
                self._master_key,
                row.sealed_private_key,
                associated=key.kid.encode(),
                purpose=SEALING_PURPOSE,
            )
        )
        with self._lock:
            self._opened[key.kid] = opened
            while len(self._opened) > self._cache_size:
                self._opened.popitem(last=False)
        return opened

    def _add_custodial(self, conn: Connection, holder_code: str, now: datetime) -> HolderKey:
        key = SigningKey.generate(Algorithm.EDDSA)
        kid = key.public.kid
        sealed = seal(
            self._master_key, key.to_pkcs8(), associated=kid.encode(), purpose=SEALING_PURPOSE
        )
        store.insert_key(
            conn,
            kid=kid,
            holder_code=holder_code,
            custody="custodial",
            alg=key.public.alg.value,
            public_jwk=key.public.to_jwk(),
            sealed_private_key=sealed,
            now=now,
        )
        return HolderKey(kid, key.public.alg, "custodial", key.public.to_jwk(), now)

    def _forget(self, kid: str | None) -> None:
        if kid is not None:
            with self._lock:
                self._opened.pop(kid, None)


def _retire(conn: Connection, kid: str, now: datetime) -> None:
    """Retire a key for good: its sealed private half is destroyed, and every copy of a
    credential bound to it is invalidated in the status lists, so a lost phone's kept
    credentials fail online at once and offline after the verifier's next sync."""
    store.retire_key(conn, kid, now)
    status_store.retire_copies(conn, kid, now)


@contextmanager
def _one_change_at_a_time() -> Iterator[None]:
    """The last guard: a key change that still collides on the one-active-key rule (a
    first custodial key made for a mint at the same instant) is a 409, never a 500."""
    try:
        yield
    except IntegrityError:
        raise Conflict(
            "the holder key changed at the same moment; try again", field="holder_key"
        ) from None
