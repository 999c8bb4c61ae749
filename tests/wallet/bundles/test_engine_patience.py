"""A bundle step waits out a database restart (wallet.bundles.engine.patience).

The faults are real driver errors (a PostgreSQL port nobody listens on: connection
refused; a constraint violation on SQLite); the clock and the sleep are injected, so
nothing here waits.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from tests.e2e.demo_server import free_port
from wallet.bundles.engine.patience import patiently


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _refused() -> DBAPIError:
    engine = create_engine(f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none")
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        return exc
    finally:
        engine.dispose()
    raise AssertionError("a port nobody listens on accepted a connection")


def _failing(times: int, error: Exception) -> Callable[[], str]:
    calls = {"n": 0}

    def work() -> str:
        calls["n"] += 1
        if calls["n"] <= times:
            raise error
        return f"done after {calls['n']}"

    return work


def test_a_step_runs_again_until_the_database_is_back() -> None:
    time = FakeTime()
    outcome = patiently(_failing(3, _refused()), clock=time.clock, sleep=time.sleep)
    assert outcome == "done after 4"
    assert time.slept == [0.25, 0.5, 1.0]


def test_a_step_gives_up_after_its_patience() -> None:
    time = FakeTime()
    refused = _refused()
    with pytest.raises(DBAPIError) as caught:
        patiently(_failing(1000, refused), patience_s=10, clock=time.clock, sleep=time.sleep)
    assert caught.value is refused
    assert time.now <= 10
    assert max(time.slept) == 4.0


def test_any_other_error_is_raised_at_once(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
            conn.execute(text("INSERT INTO t VALUES (1)"))
        with pytest.raises(IntegrityError) as caught, engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
    finally:
        engine.dispose()
    time = FakeTime()
    with pytest.raises(IntegrityError):
        patiently(_failing(1, caught.value), clock=time.clock, sleep=time.sleep)
    with pytest.raises(KeyError):
        patiently(_failing(1, KeyError("x")), clock=time.clock, sleep=time.sleep)
    assert time.slept == []
