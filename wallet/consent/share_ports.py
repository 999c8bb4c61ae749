"""What the shares feature needs of others, as protocols, so its rules import no
database library: the issuer's SD-JWT VC signing, the holders' keyring, its own store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from issuers.crypto.keys import SigningKey, VerifyingKey
from issuers.formats import sd_jwt
from issuers.status_codes import CertificateStatus
from wallet.consent.share_records import StoredShare
from wallet.holders.records import HolderKey

if TYPE_CHECKING:
    from sqlalchemy import Connection

__all__ = ["CertificateStatuses", "HolderKeys", "SdJwtIssuing", "ShareRecords"]


class SdJwtIssuing(Protocol):
    """The issuer side (:class:`issuers.store.sd_jwt_issuer.SdJwtIssuer`)."""

    def issue(
        self, conn: Connection, identifier: str, holder_key: VerifyingKey
    ) -> sd_jwt.IssuedSdJwt: ...


class HolderKeys(Protocol):
    """The holders' keyring (:class:`wallet.holders.keyring.HolderKeyring`)."""

    def ensure(self, conn: Connection, holder_code: str, now: datetime) -> HolderKey: ...
    def signing_key(self, key: HolderKey, conn: Connection | None = None) -> SigningKey: ...


class ShareRecords(Protocol):
    """The shares' store (:class:`wallet.consent.store.ShareStore`)."""

    def put(self, conn: Connection, share: StoredShare) -> None: ...
    def of_party(
        self, conn: Connection, request_id: str, holder_code: str
    ) -> list[StoredShare]: ...
    def of_request(self, conn: Connection, request_id: str) -> list[StoredShare]: ...


class CertificateStatuses(Protocol):
    """Certificates' statuses now (:class:`issuers.store.sd_jwt_issuer.SdJwtIssuer`)."""

    def statuses_of(
        self, conn: Connection, identifiers: Sequence[str]
    ) -> dict[str, CertificateStatus]: ...
