"""The database replay guard: one table of seen live presentations shared by every
worker process, on SQLite and PostgreSQL (issue 8, item 7).

Each "worker" here is an engine of its own, as each uvicorn worker process has one.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, insert, select

from issuers.store.database import make_engine
from issuers.store.replay_guard import DatabaseReplayGuard
from issuers.store.tables import presentation_replays
from tests.app_fixtures import FIXED_NOW, FixedClock
from verifiers.presentation import ReplayGuard

THREADS = 16
WINDOW = timedelta(seconds=91)  # a 60 s presentation, 30 s skew, 1 s margin


@pytest.fixture
def second_engine(database_url: str, engine: Engine) -> Iterator[Engine]:
    """Another worker's engine on the same (already migrated) database."""
    other = make_engine(database_url)
    yield other
    other.dispose()


def _rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(presentation_replays)).scalar_one()


def test_it_is_a_core_replay_guard(engine: Engine, clock: FixedClock) -> None:
    guard: ReplayGuard = DatabaseReplayGuard(engine, clock=clock)
    assert guard.seen(b"token", clock.now + WINDOW) is False
    assert guard.seen(b"token", clock.now + WINDOW) is True
    assert guard.seen(b"another", clock.now + WINDOW) is False


def test_exactly_one_concurrent_scan_wins_across_workers(
    engine: Engine, second_engine: Engine, clock: FixedClock
) -> None:
    workers = [
        DatabaseReplayGuard(engine, clock=clock),
        DatabaseReplayGuard(second_engine, clock=clock),
    ]
    token = hashlib.sha256(b"one live code").digest()
    outcomes: list[bool] = []
    lock = threading.Lock()
    start_line = threading.Barrier(THREADS)

    def scan(number: int) -> None:
        start_line.wait()
        replayed = workers[number % 2].seen(token, clock.now + WINDOW)
        with lock:
            outcomes.append(replayed)

    threads = [threading.Thread(target=scan, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False] + [True] * (THREADS - 1)
    assert _rows(engine) == 1


def test_an_entry_past_its_expiry_is_forgotten(engine: Engine, clock: FixedClock) -> None:
    """As in the in-memory guard: by then the window check refuses the code anyway."""
    guard = DatabaseReplayGuard(engine, clock=clock)
    assert guard.seen(b"token", clock.now + WINDOW) is False
    clock.now += WINDOW - timedelta(seconds=1)
    assert guard.seen(b"token", clock.now + WINDOW) is True
    clock.now += timedelta(seconds=2)
    assert guard.seen(b"token", clock.now + WINDOW) is False
    assert guard.seen(b"token", clock.now + WINDOW) is True


def test_pruning_is_bounded_per_scan_and_keeps_live_entries(
    engine: Engine, clock: FixedClock
) -> None:
    expired = [
        {"digest": f"{n:064x}", "expires_at": FIXED_NOW - timedelta(seconds=n + 1)}
        for n in range(25)
    ]
    live = [{"digest": f"{n:064x}", "expires_at": FIXED_NOW + WINDOW} for n in range(1000, 1005)]
    with engine.begin() as conn:
        conn.execute(insert(presentation_replays), expired + live)
    guard = DatabaseReplayGuard(engine, clock=clock, prune_batch=10)

    assert guard.seen(b"first", clock.now + WINDOW) is False
    assert _rows(engine) == 25 - 10 + 5 + 1  # ten expired rows gone, one added
    assert guard.seen(b"second", clock.now + WINDOW) is False
    assert guard.seen(b"third", clock.now + WINDOW) is False
    assert _rows(engine) == 5 + 3  # every expired row gone, every live one kept
    for row in live:  # the live entries still count as seen
        with engine.connect() as conn:
            still = conn.execute(
                select(presentation_replays.c.digest).where(
                    presentation_replays.c.digest == row["digest"]
                )
            ).scalar()
        assert still == row["digest"]


def test_prune_batch_must_be_positive(engine: Engine, clock: FixedClock) -> None:
    with pytest.raises(ValueError, match="prune_batch"):
        DatabaseReplayGuard(engine, clock=clock, prune_batch=0)
