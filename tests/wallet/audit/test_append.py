"""Appending: a gap-free hash chain, a signed head, checkpoints every minute of
activity, entries that commit or roll back with the caller, keyed holder refs."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select, text

from issuers.crypto.platform_key import platform_signing_key
from issuers.errors import InvalidInput
from issuers.store.database import write_transaction
from tests.app_fixtures import TEST_MASTER_KEY, FixedClock
from tests.helpers import CHEN_QIANG, LI_NA, ZHANG_WEI
from tests.wallet.audit.audit_world import append_many, audit_service, pull_event
from wallet.audit import chain
from wallet.audit.records import AuditEvent
from wallet.audit.store.tables import audit_entries, audit_entry_holders


def test_platform_key_is_derived_not_stored() -> None:
    one = platform_signing_key(TEST_MASTER_KEY).public.kid
    assert one == platform_signing_key(TEST_MASTER_KEY).public.kid
    assert one != platform_signing_key(bytes(32)).public.kid


def test_entries_chain_from_genesis_and_the_head_is_signed(
    engine: Engine, clock: FixedClock
) -> None:
    service = audit_service(engine, clock)
    receipts = append_many(service, engine, clock, 3)
    entries = [c.entry for c in service._store.entries_after(0, 10)]
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == chain.GENESIS_HASH
    assert [e.prev_hash for e in entries[1:]] == receipts[:2]
    assert [e.entry_hash for e in entries] == receipts
    head = service.head()
    assert head is not None
    assert (head.count, head.head_hash) == (3, receipts[-1])
    chain.verify_statement(service.verifying_key, 3, receipts[-1], head.at, head.signature)
    assert service.verify().intact


def test_a_checkpoint_at_least_every_minute_of_activity(engine: Engine, clock: FixedClock) -> None:
    service = audit_service(engine, clock)
    append_many(service, engine, clock, 3)  # 1 s apart: only the first publishes
    assert [cp.count for cp in service.checkpoints()] == [1]
    clock.now += timedelta(seconds=60)
    append_many(service, engine, clock, 1)
    checkpoints = service.checkpoints()
    assert [cp.count for cp in checkpoints] == [4, 1]
    stated = chain.read_checkpoint(checkpoints[0].jws, service.verifying_key)
    assert stated == {"count": 4, "hash": checkpoints[0].head_hash, "at": chain.iso_utc(clock.now)}
    assert [cp.count for cp in service.checkpoints(before=4)] == [1]


def test_an_entry_rolls_back_with_the_change_it_records(engine: Engine, clock: FixedClock) -> None:
    service = audit_service(engine, clock)
    append_many(service, engine, clock, 1)

    def record_then_fail() -> None:
        with write_transaction(engine) as conn:
            service.append(conn, pull_event(9), clock.now)
            raise RuntimeError("the consent change failed")

    with pytest.raises(RuntimeError):
        record_then_fail()
    head = service.head()
    assert head is not None
    assert head.count == 1
    append_many(service, engine, clock, 1)
    assert service.verify().rows == 2


def test_no_id_number_is_stored_and_each_citizen_reads_only_their_own(
    engine: Engine, clock: FixedClock
) -> None:
    service = audit_service(engine, clock)
    with write_transaction(engine) as conn:
        service.append(conn, pull_event(1, (ZHANG_WEI,)), clock.now)
        service.append(conn, pull_event(2, (ZHANG_WEI, LI_NA)), clock.now)
    with engine.connect() as conn:
        stored = " ".join(
            str(row)
            for t in (audit_entries, audit_entry_holders)
            for row in conn.execute(select(t))
        )
    assert ZHANG_WEI not in stored
    assert LI_NA not in stored
    assert [e.grant_id for e in service.entries_for(ZHANG_WEI)] == ["grant-2", "grant-1"]
    assert [e.grant_id for e in service.entries_for(LI_NA)] == ["grant-2"]
    assert service.entries_for(CHEN_QIANG) == []
    assert [e.grant_id for e in service.entries_for(ZHANG_WEI, before=2)] == ["grant-1"]


@pytest.mark.parametrize(
    "event",
    [
        AuditEvent("looked", "citizen", (ZHANG_WEI,), {}),
        AuditEvent("pull", "someone", (ZHANG_WEI,), {}),
        AuditEvent("pull", "service:", (ZHANG_WEI,), {}),
    ],
    ids=["kind", "actor", "empty-client"],
)
def test_an_unknown_kind_or_actor_is_refused(
    engine: Engine, clock: FixedClock, event: AuditEvent
) -> None:
    service = audit_service(engine, clock)
    with pytest.raises(InvalidInput), write_transaction(engine) as conn:
        service.append(conn, event, clock.now)


def test_parallel_appends_make_one_gap_free_chain(engine: Engine, clock: FixedClock) -> None:
    service = audit_service(engine, clock)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for k in range(5):
                with write_transaction(engine) as conn:
                    service.append(conn, pull_event(n * 10 + k), clock.now)
        except Exception as exc:  # noqa: BLE001  the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = service.verify()
    assert report.intact, report.damage
    assert report.rows == 30
    with engine.connect() as conn:
        seqs = conn.execute(text("SELECT seq FROM audit_entries ORDER BY seq")).scalars().all()
    assert seqs == list(range(1, 31))
