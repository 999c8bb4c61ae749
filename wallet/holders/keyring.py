"""Holder keys: one active key per 公民身份号码, custodial by default or on a device.

* **Custodial** (the default, DESIGN.md "Dynamic presentation"): a key made here the
  first time a holder needs one (a certificate is minted for them, or they open their
  wallet): Ed25519, or the deployment's ``ELICENSE_HOLDER_KEY_ALG`` (``SM2`` for 国密
  SM2 with SM3, ``ES256``). The setting picks the algorithm of new keys only: a
  holder's existing key stays until it is replaced. Its private half is sealed with
  AES-256-GCM under the master key (:mod:`issuers.crypto.sealing`), bound to its kid,
  and opened only to sign a presentation.
* **Device**: the citizen registers a public key (JWK: Ed25519, P-256 or SM2, as the
  phone's keystore makes) whose private half never leaves the phone; the phone signs
  presentations itself (``elicense present --key`` plays it, ``elicense device register
  --alg SM2`` makes an SM2 one). Registering one retires the custodial key and destroys
  its sealed private half.

A retired key never comes back, and a key already known here (anyone's) cannot be
registered again. Every copy of a credential bound to a retired key is invalidated in
the status lists (each copy has a status entry of its own), so a lost phone's kept
credentials stop verifying while the certificate and the other holders' copies do not;
the holder gets a copy bound to the new key the next time one is needed
(:class:`wallet.holders.presentations.PresentationService`).
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from threading import Lock
from typing import TYPE_CHECKING, Any

from issuers.clock import Clock
from issuers.codes import parse_resident_id
from issuers.crypto.keys import PRIVATE_JWK_MEMBERS, Algorithm, SigningKey, VerifyingKey
from issuers.crypto.sealing import seal, unseal
from issuers.errors import Conflict, InvalidInput, KeyUnavailable
from wallet.holders.device_proof import check_registration
from wallet.holders.records import Custody, HolderKey, NewKey

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from wallet.holders.store import HolderStore

__all__ = ["SEALING_PURPOSE", "Custody", "HolderKey", "HolderKeyring", "is_person_code"]

SEALING_PURPOSE = b"elicense holder key"


def is_person_code(holder_code: str) -> bool:
    try:
        parse_resident_id(holder_code)
    except InvalidInput:
        return False
    return True


class HolderKeyring:
    """Holder keys, kept by ``store``; implements the issuer's ``HolderKeyBinder``."""

    def __init__(
        self,
        store: HolderStore,
        master_key: bytes,
        clock: Clock,
        *,
        cache_size: int = 4096,
        alg: Algorithm = Algorithm.EDDSA,
    ) -> None:
        self._store = store
        self._alg = alg
        self._master_key = master_key
        self._clock = clock
        self._opened: OrderedDict[str, SigningKey] = OrderedDict()
        self._cache_size = cache_size
        self._lock = Lock()

    # -- reading ------------------------------------------------------------------

    def current(self, holder_code: str) -> HolderKey:
        """The holder's active key, made now if they have none yet."""
        found = self._store.active_key(holder_code)
        if found is not None:
            return found
        return self._store.ensure_key(holder_code, self._new_custodial, self._clock())

    def ensure(self, conn: Connection, holder_code: str, now: datetime) -> HolderKey:
        """The active key, or a new custodial one, in the caller's transaction and under
        the holder's lock (:meth:`wallet.holders.store.HolderStore.ensure_key_in`)."""
        return self._store.ensure_key_in(conn, holder_code, self._new_custodial, now)

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
        self._store.keep_copy_in(conn, certificate_id, holder_code, holder_kid, qr, now)

    # -- changing custody ---------------------------------------------------------

    def register_device(
        self, holder_code: str, public_jwk: dict[str, Any], *, proof: bytes, session_hash: str
    ) -> HolderKey:
        """Make a device's public key the holder's key; the old key is retired. ``proof``
        is the device's signature over the registration message of the session whose
        token hashes to ``session_hash`` (:mod:`wallet.holders.device_proof`)."""
        if PRIVATE_JWK_MEMBERS & set(public_jwk):
            raise InvalidInput(
                "send the public key only: the private half never leaves the device",
                field="public_jwk",
            )
        public = VerifyingKey.from_jwk(public_jwk)
        check_registration(public, proof, session_hash, holder_code)
        device = NewKey(public.kid, public.alg, "device", public.to_jwk(), None)
        return self._replace(holder_code, device)

    def reset_to_custodial(self, holder_code: str) -> HolderKey:
        """A lost or replaced device: retire the active key and make a custodial one."""
        return self._replace(holder_code, self._new_custodial())

    def _replace(self, holder_code: str, key: NewKey) -> HolderKey:
        change = self._store.replace_key(holder_code, key, self._clock())
        self._forget(change.retired)
        return change.active

    # -- signing --------------------------------------------------------------------

    def signing_key(self, key: HolderKey, conn: Connection | None = None) -> SigningKey:
        """The opened private half of a custodial key (kept in a bounded cache). Pass the
        transaction ``conn`` whose :meth:`ensure` may have just made the key: another
        connection would not see that uncommitted row yet."""
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
        sealed = (
            self._store.sealed_private_key(key.kid)
            if conn is None
            else self._store.sealed_private_key_in(conn, key.kid)
        )
        if sealed is None:
            raise KeyUnavailable("the holder key was retired; show the certificate again")
        opened = SigningKey.from_pkcs8(
            unseal(self._master_key, sealed, associated=key.kid.encode(), purpose=SEALING_PURPOSE)
        )
        with self._lock:
            self._opened[key.kid] = opened
            while len(self._opened) > self._cache_size:
                self._opened.popitem(last=False)
        return opened

    def _new_custodial(self) -> NewKey:
        """A fresh key of the configured algorithm, its private half sealed to its kid
        under the master key."""
        key = SigningKey.generate(self._alg)
        kid = key.public.kid
        sealed = seal(
            self._master_key, key.to_pkcs8(), associated=kid.encode(), purpose=SEALING_PURPOSE
        )
        return NewKey(kid, key.public.alg, "custodial", key.public.to_jwk(), sealed)

    def _forget(self, kid: str | None) -> None:
        if kid is not None:
            with self._lock:
                self._opened.pop(kid, None)
