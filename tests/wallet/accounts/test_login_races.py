"""Concurrent logins cannot beat the lockout (issue 8, item 3).

A guess is claimed (counted, and refused when the number is locked) in one write
transaction before its password hash is checked, so however many requests arrive at
once, at most ``max_failures`` hashes are evaluated in a lock period, and a locked
account refuses the right password too. Real threads, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any, Literal

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select

from issuers.codes.gb11643 import make_resident_id
from issuers.errors import AccountLocked, ElicenseError
from tests.app_fixtures import FixedClock
from wallet.accounts.service import AccountService
from wallet.accounts.store import AccountStore
from wallet.accounts.store.tables import login_throttle
from wallet.server.app import create_app
from wallet.server.wiring import Services

ZHANG_WEI = "31010419900315123X"
PASSWORD = "zhang-wei-secret"
NOBODY = "330106198511233823"  # a valid 公民身份号码 with no account (王芳)
PARALLEL = 30
MAX_FAILURES = 5
HASH_SECONDS = 0.05  # a real argon2id verify costs tens of milliseconds


class CountingHasher(PasswordHasher):
    """argon2id with cheap parameters that counts every password check, and makes each
    check take as long as a real one, so racing requests overlap as they do in service."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self._lock = threading.Lock()
        self.verified = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        with self._lock:
            self.verified += 1
        time.sleep(HASH_SECONDS)
        return super().verify(hash, password)


def _outcome(call: Callable[[], object]) -> str:
    try:
        call()
    except ElicenseError as exc:
        return exc.code
    return "ok"


def _in_parallel(call: Callable[[int], str], count: int) -> Counter[str]:
    barrier = threading.Barrier(count)

    def one(i: int) -> str:
        barrier.wait()
        return call(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return Counter(pool.map(one, range(count)))


@pytest.fixture
def hasher() -> CountingHasher:
    return CountingHasher()


@pytest.fixture
def accounts(engine: Engine, clock: FixedClock, hasher: CountingHasher) -> AccountService:
    accounts = AccountService(AccountStore(engine), clock, hasher=hasher, max_failures=MAX_FAILURES)
    accounts.register(ZHANG_WEI, "张伟", PASSWORD)
    _ = accounts._dummy_hash  # made before the race: it is a hash, not a check
    hasher.verified = 0
    return accounts


@pytest.mark.parametrize("id_number", [ZHANG_WEI, NOBODY], ids=["account", "no_account"])
def test_parallel_wrong_passwords_evaluate_at_most_max_failures(
    accounts: AccountService, hasher: CountingHasher, id_number: str
) -> None:
    answers = _in_parallel(
        lambda i: _outcome(lambda: accounts.login(id_number, f"wrong-{i}")), PARALLEL
    )
    # Exactly max_failures guesses are checked: four 401s, and the fifth locks (423).
    assert answers == {
        "unauthorized": MAX_FAILURES - 1,
        "account_locked": PARALLEL - MAX_FAILURES + 1,
    }
    assert hasher.verified == MAX_FAILURES, (hasher.verified, answers)

    with pytest.raises(AccountLocked):  # the right password does not open it now
        accounts.login(id_number, PASSWORD)
    assert hasher.verified == MAX_FAILURES  # refused before its hash was checked


def test_http_burst_then_the_right_password_is_locked(
    services: Services, clock: FixedClock, hasher: CountingHasher
) -> None:
    accounts = AccountService(AccountStore(services.engine), clock, hasher=hasher)
    app = create_app(services=dataclasses.replace(services, accounts=accounts), prepare=False)
    accounts.register(ZHANG_WEI, "张伟", PASSWORD)
    with TestClient(app, raise_server_exceptions=False) as client:

        def post(password: str) -> Any:
            return client.post("/wallet/login", json={"id_number": ZHANG_WEI, "password": password})

        hasher.verified = 0
        answers = _in_parallel(lambda i: str(post(f"wrong-{i}").status_code), PARALLEL)
        assert answers == {"401": MAX_FAILURES - 1, "423": PARALLEL - MAX_FAILURES + 1}, answers
        assert hasher.verified == MAX_FAILURES, (hasher.verified, answers)

        right = post(PASSWORD)
        assert right.status_code == 423, right.text
        assert right.json()["error"]["code"] == "account_locked"


def test_claims_on_many_numbers_while_idle_rows_are_pruned(
    engine: Engine, clock: FixedClock, accounts: AccountService
) -> None:
    """Every claim also prunes idle rows, while other claims hold theirs: all are
    answered (no lock error, no deadlock), idle counts do not count, idle rows go."""
    numbers = [make_resident_id("110105", date(1980, 1, 1), n) for n in range(1, 2 * PARALLEL)]
    idle, tried = numbers[:PARALLEL], numbers[PARALLEL:] + numbers[: PARALLEL // 3]
    with engine.begin() as conn:
        conn.execute(
            insert(login_throttle),
            [
                {"id_number": n, "failures": 3, "locked_until": None, "last_failure_at": clock.now}
                for n in idle
            ],
        )
    clock.now += timedelta(minutes=16)  # every seeded row is now idle
    answers = _in_parallel(
        lambda i: _outcome(lambda: accounts.login(tried[i], "wrong")), len(tried)
    )
    assert answers == {"unauthorized": len(tried)}  # the idle counts no longer count
    with engine.connect() as conn:
        left = set(conn.execute(select(login_throttle.c.id_number)).scalars())
    assert left == set(tried)
