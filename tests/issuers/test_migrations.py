"""The Alembic migrations build exactly the schema the code declares, on each backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from issuers.store.database import make_engine
from issuers.store.schema import ensure_schema
from issuers.store.tables import metadata


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
