"""Repository functions for holder keys and holder-bound credentials.

Callers own the transaction. Private key material arrives here already sealed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from issuers.store.tables import certificate_holders, certificates
from wallet.accounts.store.tables import citizens
from wallet.holders.store.tables import holder_credentials, holder_keys


def certificate_with_binding(
    conn: Connection, identifier: str, holder_code: str
) -> Row[Any] | None:
    """One query for the hot path of a presentation: the certificate if it names the
    holder (else None), with the holder's active key (``key_*`` columns) and their copy
    of the credential (``copy_*`` columns), each NULL when there is none yet."""
    active = holder_keys.c.active_for == holder_code
    copy = (holder_credentials.c.certificate_id == certificates.c.id) & (
        holder_credentials.c.holder_code == holder_code
    )
    query = (
        select(
            certificates,
            holder_keys.c.kid.label("key_kid"),
            holder_keys.c.alg.label("key_alg"),
            holder_keys.c.custody.label("key_custody"),
            holder_keys.c.public_jwk.label("key_public_jwk"),
            holder_keys.c.created_at.label("key_created_at"),
            holder_credentials.c.holder_kid.label("copy_kid"),
            holder_credentials.c.qr.label("copy_qr"),
        )
        .join(certificate_holders, certificate_holders.c.certificate_id == certificates.c.id)
        .outerjoin(holder_keys, active)
        .outerjoin(holder_credentials, copy)
        .where(
            certificates.c.identifier == identifier,
            certificate_holders.c.holder_code == holder_code,
        )
    )
    return conn.execute(query).first()


def lock_holder(conn: Connection, holder_code: str) -> None:
    """Serialise key changes for one citizen: lock their account row until commit
    (``SELECT ... FOR UPDATE``; SQLite's BEGIN IMMEDIATE already serialises writers)."""
    conn.execute(
        select(citizens.c.id).where(citizens.c.id_number == holder_code).with_for_update()
    ).first()


def active_key(conn: Connection, holder_code: str) -> Row[Any] | None:
    return conn.execute(select(holder_keys).where(holder_keys.c.active_for == holder_code)).first()


def is_retired(conn: Connection, kid: str) -> bool:
    """True when ``kid`` is a holder key that was retired here."""
    found = conn.execute(
        select(holder_keys.c.kid).where(
            holder_keys.c.kid == kid, holder_keys.c.retired_at.is_not(None)
        )
    ).first()
    return found is not None


def key_by_kid(conn: Connection, kid: str) -> Row[Any] | None:
    return conn.execute(select(holder_keys).where(holder_keys.c.kid == kid)).first()


def insert_key(
    conn: Connection,
    *,
    kid: str,
    holder_code: str,
    custody: str,
    alg: str,
    public_jwk: dict[str, str],
    sealed_private_key: bytes | None,
    now: datetime,
) -> None:
    conn.execute(
        insert(holder_keys).values(
            kid=kid,
            holder_code=holder_code,
            active_for=holder_code,
            custody=custody,
            alg=alg,
            public_jwk=public_jwk,
            sealed_private_key=sealed_private_key,
            created_at=now,
            retired_at=None,
        )
    )


def retire_key(conn: Connection, kid: str, now: datetime) -> None:
    """Retire a key for good: no longer active, and its sealed private half destroyed."""
    conn.execute(
        update(holder_keys)
        .where(holder_keys.c.kid == kid)
        .values(active_for=None, retired_at=now, sealed_private_key=None)
    )


def credential(conn: Connection, certificate_id: int, holder_code: str) -> Row[Any] | None:
    return conn.execute(
        select(holder_credentials).where(
            holder_credentials.c.certificate_id == certificate_id,
            holder_credentials.c.holder_code == holder_code,
        )
    ).first()


def save_credential(
    conn: Connection,
    *,
    certificate_id: int,
    holder_code: str,
    holder_kid: str,
    qr: str,
    now: datetime,
) -> None:
    """Insert or replace the holder's copy (a new key replaces the old copy)."""
    values = {"holder_kid": holder_kid, "qr": qr, "created_at": now}
    replaced = conn.execute(
        update(holder_credentials)
        .where(
            holder_credentials.c.certificate_id == certificate_id,
            holder_credentials.c.holder_code == holder_code,
        )
        .values(**values)
    ).rowcount
    if not replaced:
        conn.execute(
            insert(holder_credentials).values(
                certificate_id=certificate_id, holder_code=holder_code, **values
            )
        )
