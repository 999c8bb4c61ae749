"""The Alembic migrations build exactly the schema the code declares, on each backend."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from issuers.store.database import make_engine
from issuers.store.metadata import metadata
from wallet.server.schema import alembic_config, ensure_schema


def test_upgrade_head_matches_the_declared_tables(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        ensure_schema(engine)
        ensure_schema(engine)  # idempotent: a second start changes nothing
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), metadata)
            tables = set(inspect(conn).get_table_names())
        assert differences == []
        assert set(metadata.tables) <= tables
        assert "alembic_version" in tables
    finally:
        engine.dispose()


_ROWS_AT_0007 = [
    "INSERT INTO issuers VALUES ('11330000000000003M', '浙江省公安厅', 'ZJ PSB', '330000',"
    " '[]', :now)",
    "INSERT INTO issuer_keys VALUES ('k1', '11330000000000003M', 'EdDSA', '{}', NULL,"
    " 'active', :now, NULL, NULL)",
    "INSERT INTO certificates VALUES (1, 'ID-1', 'resident_id', '11330000000000003M', 1, 1,"
    " '330102197801305178', :now, '2026-11-01', NULL, '01', NULL, '{}', 'k1', 'EL1:X')",
    "INSERT INTO status_lists VALUES (1, '11330000000000003M', 1, 16, 2, 1, 0, :now)",
    "INSERT INTO status_entries VALUES (1, 7, 'ID-1', 0)",
    "INSERT INTO holder_keys VALUES ('h1', '330102197801305178', '330102197801305178',"
    " 'device', 'EdDSA', '{}', NULL, :now, NULL)",
    "INSERT INTO holder_credentials VALUES (1, '330102197801305178', 'h1', 'EL1:Y', :now)",
]


def test_0008_drops_copies_that_share_their_certificates_status_entry(database_url: str) -> None:
    """Before 0008 a holder's copy shared its certificate's status entry, so a lost
    phone's copy could not be invalidated alone: the upgrade drops those copies (the
    wallet makes them again, each with an entry of its own) and keeps the rest."""
    engine = make_engine(database_url)
    try:
        config = alembic_config(engine)
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "0007")
            for statement in _ROWS_AT_0007:
                conn.execute(text(statement), {"now": datetime(2026, 11, 1, tzinfo=UTC)})
        ensure_schema(engine)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM holder_credentials")).scalar() == 0
            entry = conn.execute(text("SELECT identifier, holder_kid, value FROM status_entries"))
            assert [tuple(row) for row in entry] == [("ID-1", "", 0)]
            assert conn.execute(text("SELECT count(*) FROM certificates")).scalar() == 1
    finally:
        engine.dispose()
