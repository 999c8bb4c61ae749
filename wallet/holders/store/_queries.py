"""The holders' queries, one statement each. The caller owns the transaction; every
answer is a record of :mod:`wallet.holders.records`, never a ``Row``. Private key
material arrives here already sealed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection, RowMapping, String, bindparam, insert, select, update

from issuers.crypto.keys import Algorithm
from issuers.store.tables import certificate_holders, certificates
from wallet.accounts.store.tables import citizens
from wallet.holders.records import HeldCertificate, HolderKey, Holding, NewKey
from wallet.holders.store.tables import holder_credentials, holder_keys

_KEY_COLUMNS = ("kid", "alg", "custody", "public_jwk", "created_at")
_CERTIFICATE_COLUMNS = (
    certificates.c.id,
    certificates.c.identifier,
    certificates.c.issuer_uscc,
    certificates.c.qr,
)


# Built once (the presentation's hot path): constructing it per call cost more than
# SQLite running it. The same holder_code parameter is used three times.
_HOLDER = bindparam("holder_code", type_=String)
_HOLDING = (
    select(
        *_CERTIFICATE_COLUMNS,
        *(holder_keys.c[name].label("key_" + name) for name in _KEY_COLUMNS),
        holder_credentials.c.holder_kid.label("copy_kid"),
        holder_credentials.c.qr.label("copy_qr"),
    )
    .join(certificate_holders, certificate_holders.c.certificate_id == certificates.c.id)
    .outerjoin(holder_keys, holder_keys.c.active_for == _HOLDER)
    .outerjoin(
        holder_credentials,
        (holder_credentials.c.certificate_id == certificates.c.id)
        & (holder_credentials.c.holder_code == _HOLDER),
    )
    .where(
        certificates.c.identifier == bindparam("identifier", type_=String),
        certificate_holders.c.holder_code == _HOLDER,
    )
)


def holding(conn: Connection, identifier: str, holder_code: str) -> Holding | None:
    """One query for the hot path of a presentation: the certificate if it names the
    holder (else None), with the holder's active key and their copy, if any yet."""
    query = _HOLDING
    parameters = {"identifier": identifier, "holder_code": holder_code}
    row = conn.execute(query, parameters).first()
    if row is None:
        return None
    column = row._mapping
    return Holding(
        certificate=_certificate(column),
        key=None if column["key_kid"] is None else _key(column, prefix="key_"),
        copy_kid=column["copy_kid"],
        copy_qr=column["copy_qr"],
    )


def held_certificate(conn: Connection, identifier: str, holder_code: str) -> HeldCertificate | None:
    """The certificate ``identifier`` if ``holder_code`` is one of its holders, else
    None: "does not exist" and "is someone else's" look the same."""
    row = conn.execute(
        select(*_CERTIFICATE_COLUMNS)
        .join(certificate_holders, certificate_holders.c.certificate_id == certificates.c.id)
        .where(
            certificates.c.identifier == identifier,
            certificate_holders.c.holder_code == holder_code,
        )
    ).first()
    return None if row is None else _certificate(row._mapping)


def lock_holder(conn: Connection, holder_code: str) -> None:
    """Serialise key changes for one citizen: lock their account row until commit
    (``SELECT ... FOR UPDATE``; SQLite's BEGIN IMMEDIATE already serialises writers)."""
    conn.execute(
        select(citizens.c.id).where(citizens.c.id_number == holder_code).with_for_update()
    ).first()


def active_key(conn: Connection, holder_code: str) -> HolderKey | None:
    row = conn.execute(select(holder_keys).where(holder_keys.c.active_for == holder_code)).first()
    return None if row is None else _key(row._mapping)


def is_retired(conn: Connection, kid: str) -> bool:
    """True when ``kid`` is a holder key that was retired here."""
    found = conn.execute(
        select(holder_keys.c.kid).where(
            holder_keys.c.kid == kid, holder_keys.c.retired_at.is_not(None)
        )
    ).first()
    return found is not None


def is_known(conn: Connection, kid: str) -> bool:
    """True when ``kid`` is a holder key here, anyone's, active or retired."""
    found = conn.execute(select(holder_keys.c.kid).where(holder_keys.c.kid == kid)).first()
    return found is not None


def sealed_private_key(conn: Connection, kid: str) -> bytes | None:
    """The sealed private half of ``kid`` while it is active (None once retired, and
    always for a device key)."""
    sealed = conn.execute(
        select(holder_keys.c.sealed_private_key).where(
            holder_keys.c.kid == kid, holder_keys.c.active_for.is_not(None)
        )
    ).scalar()
    return None if sealed is None else bytes(sealed)


def insert_key(conn: Connection, holder_code: str, key: NewKey, now: datetime) -> None:
    conn.execute(
        insert(holder_keys).values(
            kid=key.kid,
            holder_code=holder_code,
            active_for=holder_code,
            custody=key.custody,
            alg=key.alg.value,
            public_jwk=key.public_jwk,
            sealed_private_key=key.sealed_private_key,
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


def held_copy(conn: Connection, certificate_id: int, holder_code: str) -> tuple[str, str] | None:
    """The holder's copy of a certificate as (the kid it is bound to, its QR text)."""
    row = conn.execute(
        select(holder_credentials.c.holder_kid, holder_credentials.c.qr).where(
            holder_credentials.c.certificate_id == certificate_id,
            holder_credentials.c.holder_code == holder_code,
        )
    ).first()
    return None if row is None else (str(row.holder_kid), str(row.qr))


def save_copy(
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


def _key(column: RowMapping, prefix: str = "") -> HolderKey:
    return HolderKey(
        kid=column[prefix + "kid"],
        alg=Algorithm(column[prefix + "alg"]),
        custody=column[prefix + "custody"],
        public_jwk=dict(column[prefix + "public_jwk"]),
        created_at=column[prefix + "created_at"],
    )


def _certificate(column: RowMapping) -> HeldCertificate:
    return HeldCertificate(
        id=column["id"],
        identifier=column["identifier"],
        issuer_uscc=column["issuer_uscc"],
        qr=column["qr"],
    )


def resign_copies(conn: Connection, resign: Callable[[str], str | None]) -> int:
    """Replace every holder's copy by ``resign(qr)`` (``None`` leaves it as it is), in
    the caller's transaction; return how many changed. For the demo's re-pointing
    (:func:`wallet.server.demo.repoint`), which re-signs the certificates alongside."""
    copies = select(
        holder_credentials.c.certificate_id,
        holder_credentials.c.holder_code,
        holder_credentials.c.qr,
    )
    moved = 0
    for row in conn.execute(copies).all():
        qr = resign(str(row.qr))
        if qr is None:
            continue
        conn.execute(
            update(holder_credentials)
            .where(
                holder_credentials.c.certificate_id == row.certificate_id,
                holder_credentials.c.holder_code == row.holder_code,
            )
            .values(qr=qr)
        )
        moved += 1
    return moved
