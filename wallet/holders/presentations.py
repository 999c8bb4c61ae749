"""The citizen's side of 亮证: the credential bound to their key, and live presentations.

Every holder named on a certificate (both spouses, each household member) presents a
credential whose ``cnf`` is their own active key. The primary holder's copy is made at
mint; any other copy is made here the first time it is needed, and again after the
holder's key changes (a device registered, a device lost). A copy keeps every claim of
the certificate but the status reference: each copy has a status entry of its own that
follows the certificate's status (suspending or revoking the certificate reaches every
copy) and is invalidated alone when its holder key is retired (a lost phone).

The common path (a copy exists for the active key) only reads; the write transaction
runs once per holder, certificate and key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Row

from issuers.errors import NotFound
from issuers.formats import presentation
from issuers.store.database import write_transaction
from issuers.store.issuance import IssuanceService
from wallet.accounts import store as account_store
from wallet.holders import store as store
from wallet.holders.keyring import HolderKey, HolderKeyring, key_view

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class BoundCredential:
    certificate: Row[Any]
    holder_key: HolderKey
    qr: str


@dataclass(frozen=True, slots=True)
class LivePresentation:
    payload: str
    issued_at: datetime
    expires_at: datetime


class PresentationService:
    def __init__(
        self,
        engine: Engine,
        issuance: IssuanceService,
        keyring: HolderKeyring,
        clock: Clock,
        *,
        lifetime: timedelta = presentation.DEFAULT_LIFETIME,
    ) -> None:
        self._engine = engine
        self._issuance = issuance
        self._keyring = keyring
        self._clock = clock
        self.lifetime = lifetime

    def bound_credential(self, holder_code: str, identifier: str) -> BoundCredential:
        """The holder's copy of certificate ``identifier``, bound to their active key.

        A certificate that does not name the holder is :class:`NotFound`, exactly like
        one that does not exist.
        """
        with self._engine.connect() as conn:
            found = self._read(conn, holder_code, identifier)
        if found is not None:
            return found
        with write_transaction(self._engine) as conn:
            certificate = self._certificate(conn, holder_code, identifier)
            key = self._keyring.ensure(conn, holder_code, self._clock())
            copy = store.credential(conn, certificate.id, holder_code)
            if copy is not None and copy.holder_kid == key.kid:
                return BoundCredential(certificate, key, copy.qr)
            qr = self._issuance.bound_copy(
                conn,
                certificate.identifier,
                certificate.issuer_uscc,
                certificate.qr,
                key.verifying_key,
            )
            store.save_credential(
                conn,
                certificate_id=certificate.id,
                holder_code=holder_code,
                holder_kid=key.kid,
                qr=qr,
                now=self._clock(),
            )
            return BoundCredential(certificate, key, qr)

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

    def _read(self, conn: Connection, holder_code: str, identifier: str) -> BoundCredential | None:
        row = store.certificate_with_binding(conn, identifier, holder_code)
        if row is None:
            raise NotFound("no such certificate in this wallet", field="identifier")
        if row.key_kid is None or row.copy_kid != row.key_kid:
            return None
        return BoundCredential(row, key_view(row, prefix="key_"), row.copy_qr)

    @staticmethod
    def _certificate(conn: Connection, holder_code: str, identifier: str) -> Row[Any]:
        row = account_store.holder_certificate(conn, identifier, holder_code)
        if row is None:
            raise NotFound("no such certificate in this wallet", field="identifier")
        return row
