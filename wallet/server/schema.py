"""Bring a database to the current schema with Alembic (``upgrade head``), and say
where a database stands against it.

The migration scripts live in ``wallet/server/migrations``, beside the app shell,
because that is the level that sees every feature's tables (see its ``env.py``). A test
checks that they produce exactly what the tables declare
(``tests/wallet/server/test_migrations.py``), and another that a database made before
the history moved here upgrades with nothing lost (``test_upgrade_from_main.py``).

Who migrates: ``elicense db upgrade`` (an operator's deliberate step, before the new
version's processes start), demo mode by itself, and the CLI's local verbs. Outside
demo mode ``elicense serve`` and ``elicense worker`` only read :func:`schema_state` and
refuse to start on a schema that is not at the head; ``GET /readyz`` reads it too.

A database at a revision these scripts do not know (a newer release migrated it) is
its own case everywhere (:attr:`SchemaState.unknown`): it cannot be upgraded, and
:func:`upgrade_schema` refuses it (:class:`~issuers.errors.SchemaUnknown`, nothing
changed) instead of Alembic's "Can't locate revision".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from issuers.errors import SchemaUnknown
from issuers.store.database import write_transaction

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
UPGRADE_COMMAND = "elicense db upgrade"


@dataclass(frozen=True)
class SchemaState:
    """The revisions a database is at (none: no schema at all) and the head of the
    migrations this code carries. Revision ids are not personal data."""

    current: tuple[str, ...]
    heads: tuple[str, ...]

    @property
    def at_head(self) -> bool:
        return set(self.current) == set(self.heads)

    @property
    def unknown(self) -> tuple[str, ...]:
        """The current revisions the migrations this code carries do not know."""
        return tuple(r for r in self.current if r not in known_revisions())

    @property
    def current_text(self) -> str:
        return ", ".join(self.current) or "none (no schema)"

    @property
    def head_text(self) -> str:
        return ", ".join(self.heads)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


@lru_cache(maxsize=1)
def _scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


@lru_cache(maxsize=1)
def head_revisions() -> tuple[str, ...]:
    """The head of the migrations shipped with this code (read from the scripts once)."""
    return tuple(sorted(_scripts().get_heads()))


@lru_cache(maxsize=1)
def known_revisions() -> frozenset[str]:
    """Every revision of the migrations shipped with this code."""
    return frozenset(script.revision for script in _scripts().walk_revisions())


def current_revisions(connection: Connection) -> tuple[str, ...]:
    return tuple(sorted(MigrationContext.configure(connection).get_current_heads()))


def ensure_schema(engine: Engine) -> None:
    upgrade_schema(engine)


def upgrade_schema(engine: Engine) -> tuple[SchemaState, SchemaState]:
    """Migrate to the head (nothing to do at the head); the state before and after,
    read in the migration's own transaction. Raises :class:`SchemaUnknown` (nothing
    changed) on a revision these migrations do not know."""
    with write_transaction(engine) as connection:
        before = SchemaState(current_revisions(connection), head_revisions())
        if before.unknown:
            raise SchemaUnknown(
                unknown_message(before, engine.url.render_as_string(hide_password=True)),
                details={"current": list(before.current), "head": list(before.heads)},
            )
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        after = SchemaState(current_revisions(connection), head_revisions())
    return before, after


def schema_state(engine: Engine) -> SchemaState:
    """Where the database stands (read only: nothing is made, nothing migrated)."""
    with engine.connect() as connection:
        return SchemaState(current_revisions(connection), head_revisions())


def schema_is_current(engine: Engine) -> bool:
    """True when the database is at the newest migration (read only: nothing is made,
    nothing migrated). A database with no schema at all is not current."""
    return schema_state(engine).at_head


def unknown_message(state: SchemaState, shown_url: str) -> str:
    """One line for an operator: a revision from a newer release, and the way out."""
    return (
        f"the database {shown_url} is at schema revision {state.current_text}, which this"
        " release does not know (a newer release migrated it): run that release, or restore"
    )


def behind_message(state: SchemaState, shown_url: str) -> str:
    """One line for an operator: where the database is, and the command that fixes it
    (or, on a revision from a newer release, :func:`unknown_message`)."""
    if state.unknown:
        return unknown_message(state, shown_url)
    return (
        f"the database {shown_url} is at schema revision {state.current_text}, not at the"
        f" head {state.head_text}: run `{UPGRADE_COMMAND}` first"
    )
