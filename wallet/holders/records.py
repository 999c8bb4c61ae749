"""The holders' records: what the store hands the services, never a database row.

Frozen, so a service cannot change what it read and hope the change is kept; plain, so
the services that use them import no database library. The store
(:mod:`wallet.holders.store`) builds them from its rows; nothing else does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from issuers.crypto.keys import Algorithm, VerifyingKey

__all__ = [
    "BoundCredential",
    "Custody",
    "HeldCertificate",
    "HolderKey",
    "Holding",
    "KeyChange",
    "NewKey",
]

Custody = Literal["custodial", "device"]


@dataclass(frozen=True, slots=True)
class HolderKey:
    """The public view of a holder's active key (RFC 8747 ``cnf``)."""

    kid: str
    alg: Algorithm
    custody: Custody
    public_jwk: dict[str, str]
    created_at: datetime

    @property
    def verifying_key(self) -> VerifyingKey:
        return VerifyingKey.from_jwk(self.public_jwk)


@dataclass(frozen=True, slots=True)
class NewKey:
    """A key about to become a holder's active key. A custodial key's private half
    arrives already sealed (the store never sees it in the clear); a device key has
    none here."""

    kid: str
    alg: Algorithm
    custody: Custody
    public_jwk: dict[str, str]
    sealed_private_key: bytes | None

    def stored_at(self, now: datetime) -> HolderKey:
        return HolderKey(self.kid, self.alg, self.custody, self.public_jwk, now)


@dataclass(frozen=True, slots=True)
class KeyChange:
    """The outcome of a key change: the active key now, and the kid retired for it
    (``None`` when nothing was retired: the first key, or the same device again)."""

    active: HolderKey
    retired: str | None


@dataclass(frozen=True, slots=True)
class HeldCertificate:
    """What the holders need of a certificate naming the holder: which it is, its
    issuer, and its credential (the issuer's QR text, which a copy re-binds). What the
    citizen is shown of it is the certificates feature's (:mod:`wallet.certificates`)."""

    id: int
    identifier: str
    issuer_uscc: str
    qr: str


@dataclass(frozen=True, slots=True)
class BoundCredential:
    """The holder's copy of a certificate, bound to their active key."""

    certificate: HeldCertificate
    holder_key: HolderKey
    qr: str


@dataclass(frozen=True, slots=True)
class Holding:
    """What a presentation's hot path reads in one query: a certificate naming the
    holder, their active key and the key their copy is bound to (``None`` when there
    is none yet)."""

    certificate: HeldCertificate
    key: HolderKey | None
    copy_kid: str | None
    copy_qr: str | None

    def bound(self) -> BoundCredential | None:
        """The copy, when it is bound to the active key; else ``None`` (make one)."""
        if self.key is None or self.copy_qr is None or self.copy_kid != self.key.kid:
            return None
        return BoundCredential(self.certificate, self.key, self.copy_qr)
