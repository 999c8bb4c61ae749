"""``verify`` names the first edited, deleted or inserted row, wherever it is.

Each test damages a five-row log (checkpoints at rows 1 and 4) with raw SQL on the
engine, as someone with database access would, at the first, a middle and the last row.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, text

from issuers.store.database import write_transaction
from tests.app_fixtures import FixedClock
from tests.wallet.audit.audit_world import append_many, audit_service
from wallet.audit import chain
from wallet.audit.service import AuditService

ROWS = 5
POSITIONS = [1, 3, 5]


@pytest.fixture
def service(engine: Engine, clock: FixedClock) -> AuditService:
    service = audit_service(engine, clock)
    append_many(service, engine, clock, 3)
    clock.now += timedelta(minutes=2)
    append_many(service, engine, clock, 2)
    assert [cp.count for cp in service.checkpoints()] == [4, 1]
    return service


def run(engine: Engine, sql: str, **params: object) -> None:
    with write_transaction(engine) as conn:
        conn.execute(text(sql), params)


def damage_of(service: AuditService) -> tuple[int | None, str]:
    report = service.verify(batch_size=2)  # small batches: the walk crosses batch edges
    assert report.damage is not None, "the damage went unnoticed"
    return report.damage.row, report.damage.damage


def rehash(engine: Engine, service: AuditService, seq: int) -> None:
    """Recompute row ``seq``'s own hash after its content changed (links left alone)."""
    chained = next(c for c in service._store.entries_after(seq - 1, 1))
    e = chained.entry
    digest = chain.entry_hash(
        e.prev_hash,
        seq=e.seq,
        at=e.at,
        kind=e.kind,
        actor=e.actor,
        summary=e.summary,
        grant_id=e.grant_id,
        holder_refs=chained.holder_refs,
    )
    run(engine, "UPDATE audit_entries SET entry_hash = :h WHERE seq = :s", h=digest, s=seq)


def test_an_intact_log_verifies(service: AuditService) -> None:
    report = service.verify(batch_size=2)
    assert report.intact
    assert report.as_json() == {
        "intact": True,
        "rows": ROWS,
        "head_hash": report.head_hash,
        "checkpoints": 2,
    }


@pytest.mark.parametrize("seq", POSITIONS)
def test_an_edited_row_is_named(engine: Engine, service: AuditService, seq: int) -> None:
    run(engine, "UPDATE audit_entries SET actor = 'service:other' WHERE seq = :s", s=seq)
    assert damage_of(service) == (seq, "edited")


@pytest.mark.parametrize("seq", POSITIONS)
def test_an_edited_kind_is_named(engine: Engine, service: AuditService, seq: int) -> None:
    run(engine, "UPDATE audit_entries SET kind = 'request_denied' WHERE seq = :s", s=seq)
    assert damage_of(service) == (seq, "edited")


@pytest.mark.parametrize("seq", POSITIONS)
def test_a_row_edited_with_its_hash_recomputed_is_named(
    engine: Engine, service: AuditService, seq: int
) -> None:
    run(engine, "UPDATE audit_entries SET grant_id = 'forged' WHERE seq = :s", s=seq)
    rehash(engine, service, seq)
    assert damage_of(service) == (seq, "edited")


@pytest.mark.parametrize("seq", POSITIONS)
def test_a_reader_added_to_a_row_is_named(engine: Engine, service: AuditService, seq: int) -> None:
    ref = service.holder_ref("330102197801305178")
    run(engine, "INSERT INTO audit_entry_holders (seq, holder_ref) VALUES (:s, :r)", s=seq, r=ref)
    assert damage_of(service) == (seq, "edited")


@pytest.mark.parametrize("seq", POSITIONS)
def test_a_deleted_row_is_named(engine: Engine, service: AuditService, seq: int) -> None:
    run(engine, "DELETE FROM audit_entry_holders WHERE seq = :s", s=seq)
    run(engine, "DELETE FROM audit_entries WHERE seq = :s", s=seq)
    assert damage_of(service) == (seq, "deleted")


def test_the_last_rows_deleted_past_a_checkpoint_are_named(
    engine: Engine, service: AuditService
) -> None:
    run(engine, "DELETE FROM audit_entry_holders WHERE seq >= 4")
    run(engine, "DELETE FROM audit_entries WHERE seq >= 4")
    assert damage_of(service) == (4, "deleted")


def copy_row_as(engine: Engine, source: int, seq: int, prev_hash: str) -> None:
    run(
        engine,
        "INSERT INTO audit_entries (seq, at, kind, actor, summary, grant_id, prev_hash,"
        " entry_hash) SELECT :seq, at, kind, actor, summary, grant_id, :prev, entry_hash"
        " FROM audit_entries WHERE seq = :src",
        seq=seq,
        prev=prev_hash,
        src=source,
    )


def test_a_row_inserted_at_the_end_is_named(engine: Engine, service: AuditService) -> None:
    head = service.head()
    assert head is not None
    copy_row_as(engine, 2, ROWS + 1, head.head_hash)
    rehash(engine, service, ROWS + 1)  # a well-formed row: only the signed head knows
    assert damage_of(service) == (ROWS + 1, "inserted")


def test_a_forged_row_in_place_of_a_deleted_one_is_named(
    engine: Engine, service: AuditService
) -> None:
    run(engine, "DELETE FROM audit_entry_holders WHERE seq = 3")
    run(engine, "DELETE FROM audit_entries WHERE seq = 3")
    copy_row_as(engine, 2, 3, "0" * 64)
    assert damage_of(service) == (3, "edited")


def test_a_forged_head_is_refused(engine: Engine, service: AuditService) -> None:
    run(engine, "UPDATE audit_head SET count = 4")
    assert damage_of(service) == (None, "head_invalid")


def test_an_edited_checkpoint_is_refused(engine: Engine, service: AuditService) -> None:
    run(engine, "UPDATE audit_checkpoints SET head_hash = :h WHERE count = 4", h="f" * 64)
    assert damage_of(service) == (None, "checkpoint_invalid")
