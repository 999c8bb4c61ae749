"""Citizen accounts over HTTP and in the service: login, sessions, lockout, CSRF.
Which certificates a citizen may see: tests/wallet/certificates/."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from issuers.errors import CheckDigitMismatch, Conflict, Forbidden, InvalidInput, Unauthorized
from tests.app_fixtures import FixedClock
from tests.helpers import LI_NA, PASSWORDS, ZHANG_WEI
from tests.wallet.citizens import (
    SAMPLES,
    login,
)
from wallet.accounts.service import AccountService, check_csrf
from wallet.accounts.store.tables import citizens, login_throttle, sessions
from wallet.server import demo
from wallet.server.app import services_of

# --- login, me, logout -----------------------------------------------------------------


def test_login_me_logout(client: TestClient, accounts: AccountService) -> None:
    headers = login(client, ZHANG_WEI)
    me = client.get("/wallet/me", headers=headers)
    assert me.status_code == 200, me.text
    assert me.json()["id_number"] == ZHANG_WEI
    assert me.json()["name"] == "张伟"
    assert set(me.json()) == {"id_number", "name", "created_at"}  # no hash, no counters

    assert client.post("/wallet/logout", headers=headers).status_code == 204
    after = client.get("/wallet/me", headers=headers)
    assert after.status_code == 401
    assert after.json()["error"]["code"] == "unauthorized"
    assert after.headers["www-authenticate"].lower().startswith("bearer")


def test_login_answers_with_a_token_and_its_expiry(
    client: TestClient, accounts: AccountService, clock: FixedClock
) -> None:
    response = client.post("/wallet/login", json={"id_number": LI_NA, "password": PASSWORDS[LI_NA]})
    body = response.json()
    assert set(body) == {"token", "token_type", "expires_at"}
    assert body["token_type"] == "bearer"
    assert len(body["token"]) >= 43  # 32 random bytes, base64url


def test_wrong_password_and_unknown_citizen_get_the_same_401(
    client: TestClient, accounts: AccountService
) -> None:
    wrong = client.post("/wallet/login", json={"id_number": ZHANG_WEI, "password": "nope-nope"})
    unknown_id = "330106198511233823"  # a valid number with no account (王芳)
    unknown = client.post("/wallet/login", json={"id_number": unknown_id, "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "unauthorized"


def test_a_malformed_id_number_is_a_typed_422(client: TestClient, accounts: AccountService) -> None:
    response = client.post(
        "/wallet/login", json={"id_number": ZHANG_WEI[:-1] + "0", "password": "whatever1"}
    )
    assert response.status_code == 422
    assert response.json()["error"] == {
        **response.json()["error"],
        "code": "check_digit_mismatch",
        "field": "id_number",
    }


def test_the_admin_token_is_not_a_citizen_session(
    client: TestClient, accounts: AccountService, admin_headers: dict[str, str]
) -> None:
    for path in ("/wallet/me", "/wallet/certificates"):
        response = client.get(path, headers=admin_headers)
        assert response.status_code == 401, path
    assert client.get("/wallet/me").status_code == 401
    assert client.post("/wallet/logout").status_code == 401


def test_accounts_lock_after_repeated_failures(
    client: TestClient, accounts: AccountService, clock: FixedClock
) -> None:
    def attempt(password: str) -> Any:
        return client.post("/wallet/login", json={"id_number": ZHANG_WEI, "password": password})

    codes = [attempt(f"wrong-{i}").status_code for i in range(5)]
    assert codes == [401, 401, 401, 401, 423]
    locked = attempt(PASSWORDS[ZHANG_WEI])  # the right password does not open it now
    assert locked.status_code == 423
    assert locked.json()["error"]["code"] == "account_locked"
    assert "locked_until" in locked.json()["error"]["details"]

    clock.now += timedelta(minutes=15, seconds=1)
    assert attempt(PASSWORDS[ZHANG_WEI]).status_code == 200
    # A success resets the count: four more failures do not lock.
    assert [attempt("wrong").status_code for _ in range(4)] == [401] * 4


def test_a_number_without_an_account_locks_exactly_like_one_with_an_account(
    app: FastAPI, client: TestClient, accounts: AccountService, clock: FixedClock
) -> None:
    """A 423 must not tell an account exists: the same sequence, the same answers."""
    unknown = "330106198511233823"  # a valid number with no account (王芳)

    def answers(id_number: str) -> list[tuple[int, dict[str, Any]]]:
        out = []
        for i in range(6):
            response = client.post(
                "/wallet/login", json={"id_number": id_number, "password": f"wrong-{i}"}
            )
            out.append((response.status_code, response.json()))
        return out

    known, nobody = answers(ZHANG_WEI), answers(unknown)
    assert [status for status, _ in known] == [401, 401, 401, 401, 423, 423]
    assert known == nobody  # status, code, message and locked_until alike

    clock.now += timedelta(minutes=15, seconds=1)  # the lock ends for both
    again = client.post("/wallet/login", json={"id_number": unknown, "password": "wrong"})
    assert again.status_code == 401
    with services_of(app).engine.connect() as conn:
        rows = conn.execute(select(login_throttle)).all()
    assert [row.id_number for row in rows] == [unknown]  # the lapsed lock was forgotten

    clock.now += timedelta(minutes=16)  # idle past the lock period: forgotten
    client.post("/wallet/login", json={"id_number": LI_NA, "password": "wrong-again"})
    other = "11010519491231002X"  # another number with no account, to trigger pruning
    client.post("/wallet/login", json={"id_number": other, "password": "wrong"})
    with services_of(app).engine.connect() as conn:
        ids = {row.id_number for row in conn.execute(select(login_throttle)).all()}
    assert ids == {LI_NA, other}  # one table counts accounts and numbers without one


def test_a_success_resets_the_failure_count(client: TestClient, accounts: AccountService) -> None:
    for _ in range(4):
        client.post("/wallet/login", json={"id_number": LI_NA, "password": "wrong-pass"})
    login(client, LI_NA)
    for _ in range(4):
        response = client.post("/wallet/login", json={"id_number": LI_NA, "password": "wrong"})
        assert response.status_code == 401


# --- what is stored --------------------------------------------------------------------


def test_only_an_argon2id_hash_of_the_password_is_stored(
    app: FastAPI, accounts: AccountService
) -> None:
    with services_of(app).engine.connect() as conn:
        rows = conn.execute(select(citizens)).all()
    assert len(rows) == 3
    for row in rows:
        password = PASSWORDS[row.id_number]
        assert row.password_hash.startswith("$argon2id$")
        assert password not in row.password_hash
        assert PasswordHasher().verify(row.password_hash, password)


def test_only_the_sha256_of_a_session_token_is_stored(
    client: TestClient, app: FastAPI, accounts: AccountService
) -> None:
    token = login(client, ZHANG_WEI)["Authorization"].removeprefix("Bearer ")
    with services_of(app).engine.connect() as conn:
        rows = conn.execute(select(sessions)).all()
    assert len(rows) == 1
    assert rows[0].token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(tuple(rows[0]))
    assert rows[0].kind == "api"
    assert rows[0].csrf_token_hash is None


def test_an_expired_session_is_refused(
    client: TestClient, accounts: AccountService, clock: FixedClock
) -> None:
    headers = login(client, ZHANG_WEI)
    clock.now += timedelta(hours=12)
    response = client.get("/wallet/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


# --- service: registration and CSRF ------------------------------------------------------


def test_registration_validates_the_id_number_and_refuses_duplicates(
    accounts: AccountService,
) -> None:
    with pytest.raises(CheckDigitMismatch):
        accounts.register(ZHANG_WEI[:-1] + "0", "张伟", "long-enough-1")
    with pytest.raises(Conflict):
        accounts.register(ZHANG_WEI.lower(), "张伟", "long-enough-1")
    with pytest.raises(InvalidInput) as short:
        accounts.register("330106198511233823", "王芳", "short")
    assert short.value.field == "password"


def test_csrf_helper_accepts_only_the_sessions_token(accounts: AccountService) -> None:
    web = accounts.login(ZHANG_WEI, PASSWORDS[ZHANG_WEI], kind="web")
    assert web.csrf_token is not None
    session = accounts.resolve(web.token)
    assert session.kind == "web"
    check_csrf(session, web.csrf_token)  # no error
    other = accounts.login(ZHANG_WEI, PASSWORDS[ZHANG_WEI], kind="web")
    for wrong in (None, "", web.csrf_token[:-1], other.csrf_token, web.token):
        with pytest.raises(Forbidden):
            check_csrf(session, wrong)
    api = accounts.resolve(accounts.login(LI_NA, PASSWORDS[LI_NA]).token)
    with pytest.raises(Forbidden):
        check_csrf(api, web.csrf_token)  # API sessions have no CSRF token at all


def test_a_revoked_session_does_not_resolve(accounts: AccountService) -> None:
    issued = accounts.login(ZHANG_WEI, PASSWORDS[ZHANG_WEI])
    accounts.logout(accounts.resolve(issued.token))
    with pytest.raises(Unauthorized):
        accounts.resolve(issued.token)


def test_demo_citizens_get_accounts_with_the_demo_password(app: FastAPI) -> None:
    service: AccountService = services_of(app).accounts
    people = json.loads((SAMPLES / "citizens.json").read_text("utf-8"))["people"]
    assert demo.seed_citizens(service) == len(people)
    assert demo.seed_citizens(service) == 0  # idempotent
    issued = service.login(people[0]["id_number"], demo.DEMO_PASSWORD)
    assert service.resolve(issued.token).citizen.name == people[0]["name"]
