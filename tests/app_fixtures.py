"""Shared fixtures: a fixed clock, a seeded issuance service, the app and a client, and
the environment the CLI reads its settings from (``cli_env``).

Loaded from the root conftest (``pytest_plugins``). Every database here comes from the
``database_url`` fixture, so the same tests run on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, event

from issuers.store.database import make_engine
from issuers.store.issuance import IssuanceService
from issuers.store.key_resolver import DatabaseKeyResolver
from tests.helpers import PASSWORDS, PEOPLE
from wallet.accounts.service import AccountService
from wallet.server import demo
from wallet.server.app import create_app, prepare_database, services_of
from wallet.server.schema import ensure_schema
from wallet.server.settings import Settings, get_settings
from wallet.server.wiring import Services, build_services

TEST_MASTER_KEY = bytes(range(32))  # TEST KEY: labelled, never used outside tests
TEST_ADMIN_TOKEN = "test-admin-token-0123456789abcdef"  # TEST TOKEN
FIXED_NOW = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)


class FixedClock:
    """A clock tests can move; passed in, never monkeypatched."""

    def __init__(self, now: datetime = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    ensure_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def service(engine: Engine, settings: Settings, clock: FixedClock) -> IssuanceService:
    """An issuance service with the sample issuers registered (no certificates yet).
    As in the app, a person's certificate is bound to their custodial holder key."""
    service = build_services(settings, clock, engine=engine).issuance
    for info in demo.sample_issuers():
        service.register_issuer(info)
    return service


@pytest.fixture
def key_resolver(engine: Engine) -> DatabaseKeyResolver:
    return DatabaseKeyResolver(engine)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        demo=False,
        data_dir=tmp_path / "var",
        database_url=database_url,
        master_key=base64.b64encode(TEST_MASTER_KEY).decode(),
        admin_token=TEST_ADMIN_TOKEN,
        status_cache_seconds=0,  # tests read status changes at once
    )


@pytest.fixture
def services(settings: Settings, clock: FixedClock) -> Iterator[Services]:
    """The app's services (:func:`wallet.server.wiring.build_services`), migrated, with
    the sample issuers registered."""
    services = build_services(settings, clock)
    prepare_database(services)
    for info in demo.sample_issuers():
        services.issuance.register_issuer(info)
    yield services
    services.engine.dispose()


@pytest.fixture
def app(services: Services) -> FastAPI:
    return create_app(services=services, prepare=False)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {TEST_ADMIN_TOKEN}"}


@pytest.fixture
def accounts(app: FastAPI) -> AccountService:
    """张伟, 李娜 and 陈强 with their own passwords."""
    service = services_of(app).accounts
    for id_number, name in PEOPLE.items():
        service.register(id_number, name, PASSWORDS[id_number])
    return service


@pytest.fixture
def cli_env(
    service: IssuanceService, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """The environment the CLI reads its settings from, also usable for subprocesses."""
    env = {
        "ELICENSE_DATABASE_URL": database_url,
        "ELICENSE_MASTER_KEY": base64.b64encode(TEST_MASTER_KEY).decode(),
        "ELICENSE_DATA_DIR": str(tmp_path / "var"),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name in ("ELICENSE_DEMO", "ELICENSE_ADMIN_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()  # settings are read once per process: re-read them here
    # Each in-process CLI call builds its own Engine and leaves it to the process exit
    # to close; here the "process" is pytest, so dispose of every engine that connected
    # during the test (a class-level SQLAlchemy event, not a patch of the CLI).
    engines: list[Engine] = []

    def track(connection: Connection) -> None:
        if connection.engine not in engines:
            engines.append(connection.engine)

    event.listen(Engine, "engine_connect", track)
    try:
        yield env
    finally:
        event.remove(Engine, "engine_connect", track)
        for engine in engines:
            engine.dispose()
        get_settings.cache_clear()
