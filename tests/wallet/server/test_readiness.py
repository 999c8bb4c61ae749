"""``GET /readyz`` (issue 12, Serving): ready when the database answers at the schema
head; 503 ``schema_behind``, ``schema_unknown`` or ``database_unavailable`` with
Retry-After otherwise,
bounded by a short timeout however the database misbehaves."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
from alembic import command
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text

from issuers.errors import DatabaseUnavailable, SchemaBehind
from issuers.store.database import make_engine, write_transaction
from wallet.server.error_handlers import install_error_handlers
from wallet.server.readiness import Readiness, install
from wallet.server.schema import alembic_config, head_revisions, upgrade_schema

HEAD = head_revisions()[0]


def _migrated_to(engine: Engine, revision: str) -> Engine:
    with write_transaction(engine) as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return engine


def _app(engine: Engine) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    install(app, engine)
    return app


def test_ready_at_the_head(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "schema": HEAD}


def test_a_schema_behind_is_503_naming_the_command(database_url: str) -> None:
    engine = _migrated_to(make_engine(database_url), "0012")
    try:
        with TestClient(_app(engine)) as client:
            response = client.get("/readyz")
    finally:
        engine.dispose()
    assert response.status_code == 503
    assert response.headers["retry-after"] == "10"
    error = response.json()["error"]
    assert error["code"] == "schema_behind"
    assert "elicense db upgrade" in error["message"]
    assert error["details"] == {"current": ["0012"], "head": [HEAD]}


def test_a_schema_from_a_newer_release_is_503_schema_unknown(database_url: str) -> None:
    engine = _migrated_to(make_engine(database_url), HEAD)
    try:
        with write_transaction(engine) as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        with TestClient(_app(engine)) as client:
            response = client.get("/readyz")
    finally:
        engine.dispose()
    assert response.status_code == 503
    assert response.headers["retry-after"] == "10"
    error = response.json()["error"]
    assert error["code"] == "schema_unknown"
    assert "which this release does not know (a newer release migrated it)" in error["message"]
    assert "elicense db upgrade" not in error["message"]
    assert error["details"] == {"current": ["9999"], "head": [HEAD]}


def test_ready_once_upgraded_without_a_restart(database_url: str) -> None:
    now = [0.0]
    engine = _migrated_to(make_engine(database_url), "0012")
    readiness = Readiness(engine, monotonic=lambda: now[0])
    try:
        with pytest.raises(SchemaBehind):
            asyncio.run(readiness.check())
        upgrade_schema(engine)
        with pytest.raises(SchemaBehind):  # the answer is held a moment
            asyncio.run(readiness.check())
        now[0] += 1.0
        assert asyncio.run(readiness.check()).current == (HEAD,)
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://nobody:nothing@127.0.0.1:1/none",  # nothing listens
        "sqlite:///{tmp}",  # a directory, not a database file
    ],
    ids=["postgresql-refused", "sqlite-cantopen"],
)
def test_a_database_that_does_not_answer_is_503(url: str, tmp_path: Path) -> None:
    engine = make_engine(url.format(tmp=tmp_path))
    try:
        with TestClient(_app(engine)) as client:
            response = client.get("/readyz")
    finally:
        engine.dispose()
    assert response.status_code == 503
    assert response.headers["retry-after"] == "2"
    assert response.json()["error"]["code"] == "database_unavailable"


def test_a_hung_database_is_bounded_one_probe_at_a_time() -> None:
    """A database that never answers: each check gives up after the timeout, and no
    second probe thread starts while the first is still out."""
    release = threading.Event()
    opened: list[int] = []

    def hang() -> sqlite3.Connection:
        opened.append(1)
        release.wait(30)
        return sqlite3.connect(":memory:", check_same_thread=False)

    engine = create_engine("sqlite://", creator=hang)
    now = [0.0]
    readiness = Readiness(engine, timeout=0.05, hold=1.0, monotonic=lambda: now[0])

    async def three_checks() -> list[str]:
        codes = []
        for _ in range(3):
            now[0] += 1.0  # past the hold: each check would probe
            try:
                await readiness.check()
                codes.append("ready")
            except DatabaseUnavailable as exc:
                codes.append(exc.code)
        release.set()  # before asyncio.run waits for its threads
        return codes

    try:
        assert asyncio.run(three_checks()) == ["database_unavailable"] * 3
        assert opened == [1]  # one probe out, never a pile of them
    finally:
        release.set()
        engine.dispose()
