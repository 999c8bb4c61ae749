"""Bring a database to the current schema with Alembic (``upgrade head``).

The migration scripts live in ``wallet/server/migrations``, beside the app shell,
because that is the level that sees every feature's tables (see its ``env.py``). A test
checks that they produce exactly what the tables declare
(``tests/wallet/server/test_migrations.py``), and another that a database made before
the history moved here upgrades with nothing lost (``test_upgrade_from_main.py``).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from issuers.store.database import write_transaction

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def ensure_schema(engine: Engine) -> None:
    with write_transaction(engine) as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def schema_is_current(engine: Engine) -> bool:
    """True when the database is at the newest migration (read only: nothing is made,
    nothing migrated). A database with no schema at all is not current."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current == heads
