"""Shared test helpers for the audit log: a service over a migrated engine, events."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from issuers.store.database import write_transaction
from tests.app_fixtures import TEST_MASTER_KEY, FixedClock
from tests.helpers import LI_NA, ZHANG_WEI
from wallet.audit.records import AuditEvent
from wallet.audit.service import AuditService
from wallet.audit.store import AuditStore


def audit_service(engine: Engine, clock: FixedClock) -> AuditService:
    return AuditService(AuditStore(engine), clock, TEST_MASTER_KEY)


def pull_event(n: int, holders: tuple[str, ...] = (ZHANG_WEI, LI_NA)) -> AuditEvent:
    return AuditEvent(
        kind="pull",
        actor="service:hospital",
        holders=holders,
        summary={"service": "市医保中心", "purpose": f"新生儿参保 {n}", "outcome": "ok"},
        grant_id=f"grant-{n}",
    )


def append_many(service: AuditService, engine: Engine, clock: FixedClock, count: int) -> list[str]:
    """``count`` pulls, each in a transaction of its own, one second apart."""
    receipts = []
    for n in range(count):
        clock.now += timedelta(seconds=1)
        with write_transaction(engine) as conn:
            receipts.append(service.append(conn, pull_event(n), clock.now))
    return receipts
