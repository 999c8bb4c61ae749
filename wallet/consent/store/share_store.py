"""The shares' SQL (:data:`~wallet.consent.store.share_tables.consent_shares`), each
statement in the caller's transaction, answering in records, never rows.

The sealed column is opened and closed by the shares service
(:mod:`wallet.consent.shares`), which owns the master key; the store moves bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager

from sqlalchemy import ColumnElement, Connection, Engine, Row, bindparam, delete, select

from issuers.store.database import write_transaction
from wallet.consent.share_records import StoredShare
from wallet.consent.store.share_tables import consent_shares

__all__ = ["ShareStore"]

# Every pull reads its shares: built once (building costs more than running it on SQLite).
_OF_REQUEST = (
    select(consent_shares)
    .where(consent_shares.c.request_id == bindparam("request_id"))
    .order_by(consent_shares.c.holder_code, consent_shares.c.type_slug)
)


class ShareStore:
    """The prepared shares (the shares service's ``ShareRecords``)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def writing(self) -> AbstractContextManager[Connection]:
        """A write transaction: a pull, its use, its audit entry commit together."""
        return write_transaction(self._engine)

    def put(self, conn: Connection, share: StoredShare) -> None:
        """Insert or replace the share of (request, holder, type): approving again after
        a revocation, or preparing twice, keeps one row, the newest."""
        key = (share.request_id, share.holder_code, share.type_slug)
        conn.execute(delete(consent_shares).where(_is(key)))
        conn.execute(
            consent_shares.insert().values(
                request_id=share.request_id,
                holder_code=share.holder_code,
                type_slug=share.type_slug,
                identifier=share.identifier,
                holder_kid=share.holder_kid,
                claims=list(share.claims),
                state=share.state,
                sealed=share.sealed,
                prepared_at=share.prepared_at,
            )
        )

    def of_party(self, conn: Connection, request_id: str, holder_code: str) -> list[StoredShare]:
        query = select(consent_shares).where(
            consent_shares.c.request_id == request_id,
            consent_shares.c.holder_code == holder_code,
        )
        return [_share(row) for row in conn.execute(query)]

    def of_request(self, conn: Connection, request_id: str) -> list[StoredShare]:
        return [_share(row) for row in conn.execute(_OF_REQUEST, {"request_id": request_id})]


def _is(key: tuple[str, str, str]) -> ColumnElement[bool]:
    request_id, holder_code, type_slug = key
    return (
        (consent_shares.c.request_id == request_id)
        & (consent_shares.c.holder_code == holder_code)
        & (consent_shares.c.type_slug == type_slug)
    )


def _share(row: Row[tuple[object, ...]]) -> StoredShare:
    claims: Sequence[str] = row.claims
    return StoredShare(
        request_id=row.request_id,
        holder_code=row.holder_code,
        type_slug=row.type_slug,
        identifier=row.identifier,
        holder_kid=row.holder_kid,
        claims=tuple(claims),
        state=row.state,
        sealed=bytes(row.sealed),
        prepared_at=row.prepared_at,
    )
