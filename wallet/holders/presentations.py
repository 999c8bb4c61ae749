"""The citizen's side of 亮证: the credential bound to their key, and live presentations.

Every holder named on a certificate (both spouses, each household member) presents a
credential whose ``cnf`` is their own active key. The primary holder's copy is made at
mint; any other copy is made here the first time it is needed, and again after the
holder's key changes (a device registered, a device lost). A copy keeps every claim of
the certificate but the status reference: each copy has a status entry of its own that
follows the certificate's status (suspending or revoking the certificate reaches every
copy) and is invalidated alone when its holder key is retired (a lost phone).

The common path (a copy exists for the active key) only reads; the write transaction
runs once per holder, certificate and key (:meth:`wallet.holders.store.HolderStore.
bind_copy`). Framework-free: the store, the issuer and the keyring are handed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from issuers.clock import Clock
from issuers.errors import NotFound
from issuers.formats import presentation
from wallet.holders.keyring import HolderKeyring
from wallet.holders.records import BoundCredential

if TYPE_CHECKING:
    from issuers.store.issuance import IssuanceService
    from wallet.holders.store import HolderStore

__all__ = ["BoundCredential", "LivePresentation", "PresentationService"]


@dataclass(frozen=True, slots=True)
class LivePresentation:
    payload: str
    issued_at: datetime
    expires_at: datetime


class PresentationService:
    def __init__(
        self,
        store: HolderStore,
        issuance: IssuanceService,
        keyring: HolderKeyring,
        clock: Clock,
        *,
        lifetime: timedelta = presentation.DEFAULT_LIFETIME,
    ) -> None:
        self._store = store
        self._issuance = issuance
        self._keyring = keyring
        self._clock = clock
        self.lifetime = lifetime

    def bound_credential(self, holder_code: str, identifier: str) -> BoundCredential:
        """The holder's copy of certificate ``identifier``, bound to their active key.

        A certificate that does not name the holder is :class:`NotFound`, exactly like
        one that does not exist.
        """
        holding = self._store.holding(identifier, holder_code)
        if holding is None:
            raise _not_in_wallet()
        found = holding.bound()
        if found is not None:
            return found
        made = self._store.bind_copy(
            identifier,
            holder_code,
            key_for=lambda conn: self._keyring.ensure(conn, holder_code, self._clock()),
            issuance=self._issuance,
            clock=self._clock,
        )
        if made is None:
            raise _not_in_wallet()
        return made

    def present(
        self, holder_code: str, identifier: str, *, nonce: bytes | None = None
    ) -> LivePresentation:
        """A live presentation signed with the holder's custodial key (a device-held key
        signs on the device: :class:`~issuers.errors.Conflict`)."""
        bound = self.bound_credential(holder_code, identifier)
        signing_key = self._keyring.signing_key(bound.holder_key)
        now = self._clock()
        payload = presentation.present(
            bound.qr, signing_key, now=now, lifetime=self.lifetime, nonce=nonce
        )
        issued_at = datetime.fromtimestamp(int(now.timestamp()), now.tzinfo)
        return LivePresentation(payload, issued_at, issued_at + self.lifetime)


def _not_in_wallet() -> NotFound:
    return NotFound("no such certificate in this wallet", field="identifier")
