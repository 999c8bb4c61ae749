"""SQLite writers queue before they ask SQLite for its write lock: the threads of one
process on a lock, the processes sharing the file on an flock of
``<database>.writer-lock``. Always SQLite (the queue is SQLite's only)."""

from __future__ import annotations

import fcntl
import threading
from pathlib import Path

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, Table, select, update

from issuers.errors import Busy
from issuers.store import database
from issuers.store.database import make_engine, write_transaction

_counter_metadata = MetaData()
counter = Table("counter", _counter_metadata, Column("id", Integer, primary_key=True),
                Column("n", Integer, nullable=False))  # fmt: skip


def _engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'queue.db'}")
    _counter_metadata.create_all(engine)
    with write_transaction(engine) as conn:
        conn.execute(counter.insert().values(id=1, n=0))
    return engine


def _increment(engine: Engine) -> None:
    with write_transaction(engine) as conn:
        conn.execute(update(counter).values(n=counter.c.n + 1))


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(counter.c.n)).scalar_one())


def test_threads_take_turns_and_every_write_lands(tmp_path: Path) -> None:
    engine = _engine(tmp_path)

    def write_25() -> None:
        for _ in range(25):
            _increment(engine)

    workers = [threading.Thread(target=write_25) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert _count(engine) == 8 * 25
    engine.dispose()


def test_a_writer_waits_while_another_process_holds_the_file_lock(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    lock_file = tmp_path / "queue.db.writer-lock"
    assert lock_file.exists()  # made by the first write
    entered = threading.Event()

    def write() -> None:
        _increment(engine)
        entered.set()

    with lock_file.open("ab") as other_process:  # another open file: another flock owner
        fcntl.flock(other_process, fcntl.LOCK_EX)
        worker = threading.Thread(target=write)
        worker.start()
        assert not entered.wait(0.5)  # SQLite itself is free: only the queue holds it
        fcntl.flock(other_process, fcntl.LOCK_UN)
    assert entered.wait(10)
    worker.join(timeout=10)
    assert _count(engine) == 1
    engine.dispose()


def test_a_writer_stuck_in_its_turn_makes_the_next_one_busy_not_wait_for_good(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The queue's wait is bounded like SQLite's busy timeout: 503 busy, nothing written."""
    engine = _engine(tmp_path)
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_S", 0.2)
    inside, release = threading.Event(), threading.Event()

    def stuck() -> None:
        with write_transaction(engine):
            inside.set()
            release.wait(10)

    holder = threading.Thread(target=stuck)
    holder.start()
    try:
        assert inside.wait(10)
        with pytest.raises(Busy):
            _increment(engine)
    finally:
        release.set()
        holder.join(10)
    assert _count(engine) == 0
    _increment(engine)  # the turn is free again
    assert _count(engine) == 1
