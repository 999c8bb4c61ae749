"""The lockout is no account oracle (issue 8, item 9): an existing account and a number
without one answer every sequence of logins alike, field for field, however the
failures age (decay, lock expiry), with an injected clock, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from issuers.errors import ElicenseError
from tests.app_fixtures import FixedClock
from wallet.accounts.service import AccountService
from wallet.accounts.store import AccountStore
from wallet.server.app import services_of

ZHANG_WEI = "31010419900315123X"
PASSWORD = "zhang-wei-secret"
NOBODY = "330106198511233823"  # a valid 公民身份号码 with no account (王芳)
LOCK = timedelta(minutes=15)
SECOND = timedelta(seconds=1)

# A script: a wrong password ("x"), or a wait.
Step = str | timedelta


def wrong(times: int) -> list[Step]:
    return ["x"] * times


def wait(delta: timedelta) -> list[Step]:
    return [delta]


SCENARIOS: dict[str, list[Step]] = {
    # The issue's case: 4 wrong, 16 minutes, 1 wrong (an account answered 423).
    "decay": wrong(4) + wait(timedelta(minutes=16)) + wrong(5),
    "decay_at_the_boundary": wrong(4) + wait(LOCK) + wrong(2) + wait(SECOND) + wrong(4),
    "no_decay_within_the_period": wrong(4) + wait(LOCK - SECOND) + wrong(2),
    "spread_failures": (wrong(1) + wait(timedelta(minutes=10))) * 8,
    "lock_expiry": wrong(6) + wait(LOCK - SECOND) + wrong(1) + wait(SECOND * 2) + wrong(6),
    "lock_then_long_idle": wrong(5) + wait(timedelta(hours=3)) + wrong(6),
    "failures_after_the_lock_age_too": (
        wrong(5) + wait(LOCK + SECOND) + wrong(3) + wait(timedelta(minutes=16)) + wrong(5)
    ),
}


def _answer(call: Any) -> tuple[int, dict[str, Any]]:
    try:
        call()
    except ElicenseError as exc:
        return exc.status, exc.to_dict()
    return 200, {}


def _run(engine: Engine, id_number: str, script: list[Step]) -> list[tuple[int, dict[str, Any]]]:
    clock = FixedClock()  # each run starts at the same instant: locked_until compares too
    service = AccountService(AccountStore(engine), clock, hasher=_cheap_hasher(), lock_for=LOCK)
    answers = []
    for step in script:
        if isinstance(step, timedelta):
            clock.now += step
        else:
            answers.append(_answer(lambda: service.login(id_number, "wrong-password")))
    return answers


def _cheap_hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def account(engine: Engine) -> str:
    AccountService(AccountStore(engine), FixedClock(), hasher=_cheap_hasher()).register(
        ZHANG_WEI, "张伟", PASSWORD
    )
    return ZHANG_WEI


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_an_account_and_a_number_without_one_answer_alike(
    engine: Engine, account: str, name: str
) -> None:
    known = _run(engine, account, SCENARIOS[name])
    nobody = _run(engine, NOBODY, SCENARIOS[name])
    assert known == nobody
    assert {status for status, _ in known} <= {401, 423}


def test_the_issues_decay_sequence_answers_401_for_both(engine: Engine, account: str) -> None:
    expected = [401] * 4 + [401]  # the old failures aged out: a fresh count
    for id_number in (account, NOBODY):
        answers = _run(engine, id_number, SCENARIOS["decay"])
        assert [status for status, _ in answers][:5] == expected, id_number


def test_after_a_success_an_account_answers_like_a_number_never_tried(
    engine: Engine, account: str
) -> None:
    """A success clears the account's count: what follows is a fresh number's sequence."""
    clock = FixedClock()
    service = AccountService(AccountStore(engine), clock, hasher=_cheap_hasher(), lock_for=LOCK)
    for _ in range(4):
        _answer(lambda: service.login(account, "wrong-password"))
    assert _answer(lambda: service.login(account, PASSWORD))[0] == 200
    after = [_answer(lambda: service.login(account, "wrong-password")) for _ in range(6)]
    fresh = _run(engine, NOBODY, ["x"] * 6)
    assert after == fresh
    assert [status for status, _ in after] == [401] * 4 + [423] * 2


def test_over_http_the_decay_sequence_is_the_same_for_both(
    app: FastAPI, client: TestClient, clock: FixedClock
) -> None:
    services_of(app).accounts.register(ZHANG_WEI, "张伟", PASSWORD)

    def attempt(id_number: str) -> tuple[int, Any]:
        response = client.post(
            "/wallet/login", json={"id_number": id_number, "password": "wrong-password"}
        )
        return response.status_code, response.json()

    start = clock.now
    answers: dict[str, list[tuple[int, Any]]] = {}
    for id_number in (ZHANG_WEI, NOBODY):
        clock.now = start
        out = [attempt(id_number) for _ in range(4)]
        clock.now += timedelta(minutes=16)
        out.append(attempt(id_number))
        answers[id_number] = out
    assert answers[ZHANG_WEI] == answers[NOBODY]
    assert [status for status, _ in answers[ZHANG_WEI]] == [401] * 5
