"""A SQLite database that becomes full or read-only under a running app.

The app is the real one (``create_app`` over ``build_services``) on a real SQLite file,
driven over HTTP in-process. What makes the fault, and why it is honest:

* **Full**: the app's connections get ``PRAGMA max_page_count`` at the file's current
  size, so SQLite's pager refuses the next page exactly as on a full disk: the same
  ``SQLITE_FULL`` result code, rolled back the same way. (Filling a real disk needs a
  small mount, which a CI container running as root may not be allowed to make.)
* **Read-only**: the app's new connections open the file with SQLite's ``mode=ro``.
  That is the very open SQLite falls back to when the file cannot be opened for
  writing (a 0444 file, a read-only mount), giving ``SQLITE_READONLY`` on every
  write. ``chmod`` itself proves nothing here: CI runs as root, which ignores it.

Either way the pool is emptied (``engine.dispose()``) when the fault starts, as a
process whose file changed under it would meet it on its next connection. Then:
writes are refused with a typed error (``507 database_full``, no Retry-After; ``503
database_read_only`` with ``Retry-After``), never a 500; reads still work (a citizen's
certificates, verification); ``PRAGMA integrity_check`` is ``ok`` and every certificate
acknowledged before is there; once the fault is lifted, writes work again without a
restart.
"""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from issuers.store.database import make_engine
from issuers.store.tables import certificates
from tests.app_fixtures import TEST_ADMIN_TOKEN, TEST_MASTER_KEY
from tests.e2e.fault_streams import SH_POLICE, mint_body
from tests.helpers import PASSWORDS, PEOPLE, ZHANG_WEI
from wallet.server import demo
from wallet.server.app import create_app, prepare_database
from wallet.server.settings import Settings
from wallet.server.wiring import build_services

ADMIN = {"Authorization": f"Bearer {TEST_ADMIN_TOKEN}"}
MINT = f"/issuers/{SH_POLICE}/certificates"
ATTEMPTS = 60  # mints tried against the full database (a page's slack takes a few)


@dataclass
class Storage:
    """How the app's next connections open its file: read-write or read-only, and
    with or without a page cap."""

    path: Path
    read_only: bool = False
    max_pages: int | None = None

    def connect(self) -> sqlite3.Connection:
        mode = "ro" if self.read_only else "rw"
        conn = sqlite3.connect(
            f"file:{self.path}?mode={mode}", uri=True, timeout=30, check_same_thread=False
        )
        if self.max_pages is not None:
            conn.execute(f"PRAGMA max_page_count = {self.max_pages}")
        return conn


@dataclass
class World:
    client: TestClient
    engine: Engine
    storage: Storage
    citizen: dict[str, str]
    minted: list[str]
    qr: str  # one certificate minted before the fault, to verify during it

    def fault(self, *, read_only: bool = False, full: bool = False) -> None:
        self.storage.read_only = read_only
        self.storage.max_pages = self._pages() if full else None
        self.engine.dispose()  # the next connection meets the file as it is now

    def _pages(self) -> int:
        with sqlite3.connect(self.storage.path) as conn:
            pages: int = conn.execute("PRAGMA page_count").fetchone()[0]
        return pages

    def stored(self) -> set[str]:
        with self.engine.connect() as conn:
            return set(conn.execute(select(certificates.c.identifier)).scalars())

    def intact(self) -> None:
        with sqlite3.connect(self.storage.path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert set(self.minted) <= self.stored()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    path = tmp_path / "elicense.db"
    sqlite3.connect(path).close()
    storage = Storage(path)
    settings = Settings(
        demo=False, data_dir=tmp_path / "var", database_url=f"sqlite:///{path}",
        master_key=base64.b64encode(TEST_MASTER_KEY).decode(), admin_token=TEST_ADMIN_TOKEN,
        status_cache_seconds=0,
    )  # fmt: skip
    engine = make_engine(settings.resolved_database_url, creator=storage.connect)
    services = build_services(settings, engine=engine)
    prepare_database(services)
    for info in demo.sample_issuers():
        services.issuance.register_issuer(info)
    for id_number, name in PEOPLE.items():
        services.accounts.register(id_number, name, PASSWORDS[id_number])
    # No lifespan (no `with`): the bundle workflow runtime is not started; not needed here.
    client = TestClient(create_app(services=services, prepare=False), raise_server_exceptions=False)
    login = client.post(
        "/wallet/login", json={"id_number": ZHANG_WEI, "password": PASSWORDS[ZHANG_WEI]}
    )
    assert login.status_code == 200, login.text
    citizen = {"Authorization": f"Bearer {login.json()['token']}"}
    answers = [client.post(MINT, json=mint_body(n), headers=ADMIN) for n in range(5)]
    assert [a.status_code for a in answers] == [201] * 5
    minted = [a.json()["identifier"] for a in answers]
    try:
        yield World(client, engine, storage, citizen, minted, answers[0].json()["qr"])
    finally:
        client.close()
        engine.dispose()


def _reads_work(world: World) -> None:
    mine = world.client.get("/wallet/certificates", headers=world.citizen)
    assert mine.status_code == 200, mine.text
    verdict = world.client.post("/verify", json={"qr": world.qr})
    assert verdict.status_code == 200, verdict.text
    assert verdict.json()["valid"] is True, verdict.json()


def test_a_full_database_refuses_writes_507_and_keeps_what_it_had(world: World) -> None:
    world.fault(full=True)
    answers = [
        world.client.post(MINT, json=mint_body(100 + n), headers=ADMIN) for n in range(ATTEMPTS)
    ]
    refused = [a for a in answers if a.status_code != 201]
    assert refused, f"{ATTEMPTS} mints fitted in the pages the file had"
    for answer in refused:
        assert answer.status_code == 507, answer.text
        assert answer.json()["error"]["code"] == "database_full"
        assert "retry-after" not in answer.headers
    world.minted += [a.json()["identifier"] for a in answers if a.status_code == 201]
    _reads_work(world)
    world.intact()

    world.fault()  # room again: no restart needed
    again = world.client.post(MINT, json=mint_body(999), headers=ADMIN)
    assert again.status_code == 201, again.text
    world.minted.append(again.json()["identifier"])
    world.intact()


def test_a_read_only_database_refuses_writes_503_and_still_reads(world: World) -> None:
    before = world.stored()
    world.fault(read_only=True)
    for answer in (
        world.client.post(MINT, json=mint_body(200), headers=ADMIN),
        world.client.post(
            "/wallet/login", json={"id_number": ZHANG_WEI, "password": PASSWORDS[ZHANG_WEI]}
        ),
    ):
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"]["code"] == "database_read_only"
        assert answer.headers["retry-after"] == "30"
    _reads_work(world)
    assert world.stored() == before
    world.intact()

    world.fault()
    again = world.client.post(MINT, json=mint_body(201), headers=ADMIN)
    assert again.status_code == 201, again.text
    world.intact()
