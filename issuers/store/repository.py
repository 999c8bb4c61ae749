"""Repository functions over a SQLAlchemy ``Connection`` (Core: these are hot paths).

Callers own the transaction: every function here takes the connection it runs in, so
a mint (serial, certificate row, holder rows) commits or rolls back as one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from issuers.crypto.keys import Algorithm, VerifyingKey
from issuers.errors import NotFound
from issuers.minting import CertificateRecord
from issuers.registry import IssuerInfo, TrustedKey
from issuers.store.tables import (
    certificate_holders,
    certificates,
    issuer_keys,
    issuers,
    serial_counters,
)


def upsert_issuer(conn: Connection, info: IssuerInfo, now: datetime) -> None:
    values = {
        "name_zh": info.name_zh,
        "name_en": info.name_en,
        "region_code": info.region_code,
        "allowed_types": sorted(info.allowed_types),
    }
    changed = conn.execute(update(issuers).where(issuers.c.uscc == info.uscc).values(**values))
    if changed.rowcount == 0:
        conn.execute(insert(issuers).values(uscc=info.uscc, created_at=now, **values))


def _issuer_from_row(row: Row[Any]) -> IssuerInfo:
    return IssuerInfo(
        uscc=row.uscc,
        name_zh=row.name_zh,
        name_en=row.name_en,
        region_code=row.region_code,
        allowed_types=frozenset(row.allowed_types),
    )


def get_issuer(conn: Connection, uscc: str) -> IssuerInfo | None:
    row = conn.execute(select(issuers).where(issuers.c.uscc == uscc)).first()
    return None if row is None else _issuer_from_row(row)


def list_issuers(conn: Connection) -> list[IssuerInfo]:
    return [_issuer_from_row(r) for r in conn.execute(select(issuers).order_by(issuers.c.uscc))]


def add_key(
    conn: Connection, issuer_uscc: str, public: VerifyingKey, sealed: bytes, now: datetime
) -> str:
    """Store a new active key and retire the issuer's previous active keys."""
    conn.execute(
        update(issuer_keys)
        .where(issuer_keys.c.issuer_uscc == issuer_uscc, issuer_keys.c.state == "active")
        .values(state="retired", not_after=now)
    )
    conn.execute(
        insert(issuer_keys).values(
            kid=public.kid,
            issuer_uscc=issuer_uscc,
            alg=public.alg.value,
            public_jwk=public.to_jwk(),
            sealed_private_key=sealed,
            state="active",
            created_at=now,
        )
    )
    return public.kid


def active_key_select(issuer_uscc: Any, *columns: Any) -> Select[Any]:
    """The issuer's active key first: the newest key in state active. ``issuer_uscc`` is
    a value or a column (for a correlated subquery); ``columns`` default to the row."""
    return (
        select(*(columns or (issuer_keys,)))
        .where(issuer_keys.c.issuer_uscc == issuer_uscc, issuer_keys.c.state == "active")
        .order_by(issuer_keys.c.created_at.desc())
    )


def active_key_row(conn: Connection, issuer_uscc: str) -> Row[Any] | None:
    return conn.execute(active_key_select(issuer_uscc)).first()


def public_key_rows(conn: Connection, issuer_uscc: str | None = None) -> Sequence[Row[Any]]:
    query = select(issuer_keys).order_by(issuer_keys.c.created_at)
    if issuer_uscc is not None:
        query = query.where(issuer_keys.c.issuer_uscc == issuer_uscc)
    return conn.execute(query).all()


def trusted_key(conn: Connection, kid: str) -> TrustedKey | None:
    row = conn.execute(
        select(issuer_keys, issuers)
        .join(issuers, issuers.c.uscc == issuer_keys.c.issuer_uscc)
        .where(issuer_keys.c.kid == kid)
    ).first()
    if row is None:
        return None
    return TrustedKey(
        key=VerifyingKey.from_jwk(row.public_jwk),
        issuer=_issuer_from_row(row),
        not_after=row.not_after,
        state=row.state,
    )


def mark_compromised(conn: Connection, kid: str, since: datetime) -> tuple[str, Algorithm]:
    """Set a key's state to compromised from ``since``; return its issuer and algorithm."""
    row = conn.execute(
        select(issuer_keys.c.issuer_uscc, issuer_keys.c.alg).where(issuer_keys.c.kid == kid)
    ).first()
    if row is None:
        raise NotFound(f"no issuer key {kid}", field="kid")
    conn.execute(
        update(issuer_keys)
        .where(issuer_keys.c.kid == kid)
        .values(state="compromised", compromised_at=since)
    )
    return str(row.issuer_uscc), Algorithm(row.alg)


def allocate_serials(conn: Connection, issuer_uscc: str, type_slug: str, count: int = 1) -> int:
    """Reserve ``count`` consecutive serials and return the first.

    One ``UPDATE ... RETURNING`` on the counter row: PostgreSQL row-locks it and SQLite
    takes the write lock, so concurrent minters never see the same number.
    """
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(
        dialect_insert(serial_counters)
        .values(issuer_uscc=issuer_uscc, type_slug=type_slug, next_serial=1)
        .on_conflict_do_nothing()
    )
    next_serial = conn.execute(
        update(serial_counters)
        .where(
            serial_counters.c.issuer_uscc == issuer_uscc,
            serial_counters.c.type_slug == type_slug,
        )
        .values(next_serial=serial_counters.c.next_serial + count)
        .returning(serial_counters.c.next_serial)
    ).scalar_one()
    return int(next_serial) - count


def certificate_values(record: CertificateRecord, kid: str, qr: str) -> dict[str, Any]:
    """The certificates row of a freshly minted record (status 01 有效)."""
    return {
        "identifier": record.identifier,
        "type_slug": record.type.slug,
        "issuer_uscc": record.issuer.uscc,
        "serial": record.serial,
        "version": record.version,
        "primary_holder": record.holder_codes[0],
        "issued_at": record.issued_at,
        "valid_from": record.valid_from,
        "valid_until": record.valid_until,
        "status": "01",
        "fields": record.type.public_fields(record.fields),
        "kid": kid,
        "qr": qr,
    }


def insert_certificate(conn: Connection, row: dict[str, Any], holder_codes: Iterable[str]) -> int:
    certificate_id = conn.execute(
        insert(certificates).values(**row).returning(certificates.c.id)
    ).scalar_one()
    conn.execute(
        insert(certificate_holders),
        [
            {"certificate_id": certificate_id, "holder_code": code, "position": i}
            for i, code in enumerate(holder_codes)
        ],
    )
    return int(certificate_id)


def get_certificate(conn: Connection, identifier: str) -> Row[Any] | None:
    return conn.execute(select(certificates).where(certificates.c.identifier == identifier)).first()


def certificates_for_holder(conn: Connection, holder_code: str) -> Sequence[Row[Any]]:
    return conn.execute(
        select(certificates)
        .join(certificate_holders, certificate_holders.c.certificate_id == certificates.c.id)
        .where(certificate_holders.c.holder_code == holder_code)
        .order_by(certificates.c.id)
    ).all()


def count_certificates(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(certificates)).scalar_one())
