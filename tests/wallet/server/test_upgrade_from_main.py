"""A registry made by main before issue 9 (commit 38ddb3b) opens with today's code, with
nothing lost.

Issue 9 moved every table declaration and the Alembic history (from
``issuers/store/migrations`` to ``wallet/server/migrations``). The fixture
``data/main-38ddb3b.sqlite`` was written by 38ddb3b's own app, holding rows in every
table (``data/make_main_38ddb3b.py`` says how; its keys are TEST KEYS). Each test copies
it, runs :func:`ensure_schema` on the copy and proves nothing was lost: the same rows in
every table, a demo citizen signs in with the demo password and lists their
certificates, a live presentation signs and verifies, every stored certificate verifies
as before, and every issuer's status list publishes and verifies.

On PostgreSQL the same rows are loaded into a database migrated to the fixture's
revision, as a copy of that registry kept on PostgreSQL would be, and checked the same
way.
"""

from __future__ import annotations

import base64
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import Engine, MetaData, func, insert, inspect, select, text

from issuers.formats.status_list_token import verify_jwt
from issuers.store.database import make_engine
from issuers.store.key_resolver import DatabaseKeyResolver
from tests.app_fixtures import TEST_ADMIN_TOKEN, TEST_MASTER_KEY, FixedClock
from tests.helpers import CHEN_QIANG, LI_NA, ZHANG_WEI
from wallet.server.app import create_app
from wallet.server.demo import DEMO_PASSWORD
from wallet.server.schema import alembic_config, ensure_schema, schema_is_current
from wallet.server.settings import Settings
from wallet.server.wiring import build_services

FIXTURE = Path(__file__).resolve().parent / "data" / "main-38ddb3b.sqlite"
FIXTURE_REVISION = "0008"  # main's head at 38ddb3b
SUSPENDED_TYPE = "marriage"  # the generator suspended 张伟 and 李娜's marriage certificate


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.as_posix()}"


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table, Alembic's own bookkeeping left out."""
    with engine.connect() as conn:
        names = [n for n in inspect(conn).get_table_names() if n != "alembic_version"]
        return {
            name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
            for name in names
        }


def fixture_copy(tmp_path: Path, name: str = "main-38ddb3b.sqlite") -> Path:
    """A copy to open: SQLite writes beside a file it opens (WAL), even to read it."""
    copy = tmp_path / name
    shutil.copyfile(FIXTURE, copy)
    return copy


def fixture_facts(source: Engine) -> dict[str, Any]:
    """What the fixture holds, read with plain SQL (no declared table is trusted)."""
    with source.connect() as conn:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        certificates = {
            row.identifier: (row.type_slug, row.qr)
            for row in conn.execute(text("SELECT identifier, type_slug, qr FROM certificates"))
        }
        held = {
            holder: {
                row.identifier
                for row in conn.execute(
                    text(
                        "SELECT c.identifier FROM certificates c JOIN certificate_holders h"
                        " ON h.certificate_id = c.id WHERE h.holder_code = :holder"
                    ),
                    {"holder": holder},
                )
            }
            for holder in (ZHANG_WEI, LI_NA, CHEN_QIANG)
        }
    return {"revision": revision, "certificates": certificates, "held": held}


def test_the_fixture_was_made_by_main_and_holds_rows_in_every_table(tmp_path: Path) -> None:
    source = make_engine(sqlite_url(fixture_copy(tmp_path)))
    try:
        assert fixture_facts(source)["revision"] == FIXTURE_REVISION
        counts = row_counts(source)
    finally:
        source.dispose()
    assert all(counts.values()), counts  # no empty table: each one has something to lose
    assert len(counts) >= 15, counts


def test_a_sqlite_registry_from_main_upgrades_with_nothing_lost(tmp_path: Path) -> None:
    copy = fixture_copy(tmp_path)
    source = make_engine(sqlite_url(fixture_copy(tmp_path, "as-made.sqlite")))
    try:
        before, facts = row_counts(source), fixture_facts(source)
    finally:
        source.dispose()
    check_nothing_lost(sqlite_url(copy), before, facts, tmp_path)


@pytest.mark.postgres
def test_a_postgresql_registry_from_main_upgrades_with_nothing_lost(
    database_url: str, tmp_path: Path
) -> None:
    source = make_engine(sqlite_url(fixture_copy(tmp_path)))
    target = make_engine(database_url)
    try:
        before, facts = row_counts(source), fixture_facts(source)
        load_at_fixture_revision(source, target)
        assert row_counts(target) == before
    finally:
        source.dispose()
        target.dispose()
    check_nothing_lost(database_url, before, facts, tmp_path)


def load_at_fixture_revision(source: Engine, target: Engine) -> None:
    """Migrate ``target`` to the fixture's revision with today's history (the revision
    ids did not change when it moved) and copy every row over, parents first."""
    config = alembic_config(target)
    with target.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, FIXTURE_REVISION)
    read, write = MetaData(), MetaData()
    read.reflect(source)
    write.reflect(target)
    with source.connect() as src, target.begin() as dst:
        for table in write.sorted_tables:
            if table.name == "alembic_version":
                continue
            rows = [
                {key: _utc(value) for key, value in row._mapping.items()}
                for row in src.execute(select(read.tables[table.name]))
            ]
            if rows:
                dst.execute(insert(table), rows)
        _restart_sequences(dst, write)


def _utc(value: Any) -> Any:
    """SQLite keeps the UTC datetimes without their zone; PostgreSQL's columns want one."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _restart_sequences(conn: Any, tables: MetaData) -> None:
    """Rows copied with their ids leave the serial sequences at 1: move each past the
    largest id, so the next insert does not collide."""
    for table in tables.sorted_tables:
        for column in table.primary_key.columns:
            sequence = conn.execute(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": table.name, "column": column.name},
            ).scalar()
            largest = conn.execute(select(func.max(column))).scalar()
            if sequence is not None and largest is not None:
                conn.execute(
                    text("SELECT setval(:sequence, :largest)"),
                    {
                        "sequence": sequence,
                        "largest": largest,
                    },
                )


def check_nothing_lost(
    url: str, before: dict[str, int], facts: dict[str, Any], tmp_path: Path
) -> None:
    engine = make_engine(url)
    try:
        ensure_schema(engine)
        assert schema_is_current(engine)
        after = row_counts(engine)
        assert {name: after.get(name) for name in before} == before
        settings = Settings(
            demo=False,
            data_dir=tmp_path / "var",
            database_url=url,
            master_key=base64.b64encode(TEST_MASTER_KEY).decode(),  # TEST KEY, as at 38ddb3b
            admin_token=TEST_ADMIN_TOKEN,
            status_cache_seconds=0,
        )
        clock = FixedClock()  # the fixture's own day: its certificates and keys are current
        app = create_app(services=build_services(settings, clock, engine=engine), prepare=False)
        with TestClient(app, raise_server_exceptions=False) as client:
            check_the_wallet(client, facts)
            check_stored_certificates(client, facts)
            check_status_lists(client, engine, clock.now)
    finally:
        engine.dispose()


def check_the_wallet(client: TestClient, facts: dict[str, Any]) -> None:
    """Each demo citizen signs in with the demo password (its argon2 hash kept), sees
    the certificates they hold, and shows one live: signed with the custodial key
    sealed under the master key at 38ddb3b, verified by today's verifier."""
    for holder in (ZHANG_WEI, CHEN_QIANG):
        signed_in = client.post(
            "/wallet/login", json={"id_number": holder, "password": DEMO_PASSWORD}
        )
        assert signed_in.status_code == 200, signed_in.text
        headers = {"Authorization": f"Bearer {signed_in.json()['token']}"}
        listed = client.get("/wallet/certificates", headers=headers)
        assert listed.status_code == 200, listed.text
        identifiers = {item["identifier"] for item in listed.json()}
        assert identifiers == facts["held"][holder]
        for identifier in sorted(identifiers):
            if facts["certificates"][identifier][0] == SUSPENDED_TYPE:
                continue
            shown = client.post(f"/wallet/certificates/{identifier}/presentation", headers=headers)
            assert shown.status_code == 200, shown.text
            verdict = client.post("/verify", json={"qr": shown.json()["payload"]}).json()
            assert verdict["valid"] is True, verdict
            assert verdict["kind"] == "dynamic"
            assert verdict["credential"]["identifier"] == identifier


def check_stored_certificates(client: TestClient, facts: dict[str, Any]) -> None:
    """The certificates' own QRs, minted at 38ddb3b (three of them by a key retired
    since), verify; the one suspended there is still suspended."""
    for identifier, (type_slug, qr) in sorted(facts["certificates"].items()):
        verdict = client.post("/verify", json={"qr": qr}).json()
        if type_slug == SUSPENDED_TYPE:
            assert (verdict["valid"], verdict["code"]) == (False, "suspended"), verdict
        else:
            assert verdict["valid"] is True, verdict
            assert verdict["credential"]["identifier"] == identifier, verdict


def check_status_lists(client: TestClient, engine: Engine, now: datetime) -> None:
    """Every issuer's status list is still published, signed by a key the registry
    resolves, at the address the certificates carry."""
    links = client.get("/status/lists")
    assert links.status_code == 200, links.text
    with engine.connect() as conn:
        lists = conn.execute(text("SELECT count(*) FROM status_lists")).scalar_one()
    assert len(links.json()) == lists
    for link in links.json():
        path = link["uri"].split("://", 1)[1].split("/", 1)[1]
        published = client.get(f"/{path}")
        assert published.status_code == 200, published.text
        token = verify_jwt(
            published.text,
            keys=DatabaseKeyResolver(engine),
            now=now,
            expected_uri=link["uri"],
            expected_issuer=link["issuer"],
        )
        assert token.status_list is not None
