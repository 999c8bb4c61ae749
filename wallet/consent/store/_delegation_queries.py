"""The consent store's SQL for delegations (委托), one function a statement, each in the
caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, or_, select, text, update

from wallet.consent.records import Delegation
from wallet.consent.store.tables import delegations

_DELEGATION_LOCK = text("SELECT pg_advisory_xact_lock(hashtext(:key))")


def lock_delegations_of(conn: Connection, owner: str) -> None:
    """Serialise an owner's new delegations, so two identical grants at once cannot both
    find none standing. SQLite's write transaction already holds the whole database; on
    PostgreSQL a transaction-scoped advisory lock keyed by the owner (released at
    commit or rollback)."""
    if conn.dialect.name == "postgresql":
        conn.execute(_DELEGATION_LOCK, {"key": f"delegations:{owner}"})


def insert_delegation(conn: Connection, delegation: Delegation) -> None:
    conn.execute(
        delegations.insert().values(
            id=delegation.id,
            owner_code=delegation.owner_code,
            delegate_code=delegation.delegate_code,
            type_slug=delegation.type_slug,
            bundle_item=delegation.bundle_item,
            expires_at=delegation.expires_at,
            created_at=delegation.created_at,
        )
    )


def delegations_of(conn: Connection, citizen: str) -> list[Delegation]:
    """Every delegation ``citizen`` gave or received, newest first."""
    query = (
        select(delegations)
        .where(or_(delegations.c.owner_code == citizen, delegations.c.delegate_code == citizen))
        .order_by(delegations.c.created_at.desc(), delegations.c.id)
    )
    return [_delegation(row) for row in conn.execute(query)]


def revoke_delegation(conn: Connection, delegation_id: str, owner: str, now: datetime) -> bool:
    """Revoke one of ``owner``'s delegations; False when there is none to revoke."""
    result = conn.execute(
        update(delegations)
        .where(
            delegations.c.id == delegation_id,
            delegations.c.owner_code == owner,
            delegations.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    return result.rowcount == 1


def _delegation(row: Row[Any]) -> Delegation:
    return Delegation(
        id=row.id,
        owner_code=row.owner_code,
        delegate_code=row.delegate_code,
        type_slug=row.type_slug,
        bundle_item=row.bundle_item,
        expires_at=row.expires_at,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )
