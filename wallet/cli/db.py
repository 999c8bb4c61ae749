"""``elicense db upgrade`` and ``elicense db current``: the database's schema.

``upgrade`` migrates the configured database (``ELICENSE_DATABASE_URL``, or the SQLite
file under ``ELICENSE_DATA_DIR``) to the head of the migrations this version carries
and prints the revision it found and the one it left; at the head it changes nothing
(run it as often as you like, e.g. before every deploy). ``current`` only reads: the
revision and whether it is the head; exit 0 at the head, 1 behind (or no schema in a
database that exists), 2 when there is nothing to read (a SQLite file that does not
exist, a database that does not answer).

A database at a revision this version does not know (a newer release migrated it) is
neither: ``current`` and ``upgrade`` say so in one line and exit 2, changing nothing;
run that release, or restore.

Outside demo mode ``elicense serve`` and ``elicense worker`` refuse to start on a
schema that is not at the head and name ``elicense db upgrade``; demo mode migrates
by itself. Neither verb needs the master key: a schema holds no secret.
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_db_verbs"]


def add_db_verbs(verbs: Any, common: argparse.ArgumentParser) -> None:
    db = verbs.add_parser(
        "db",
        help="the database schema: upgrade, current",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = db.add_subparsers(dest="db_verb", required=True)
    upgrade = actions.add_parser(
        "upgrade", parents=[common], help="migrate the database to the head (idempotent)"
    )
    upgrade.set_defaults(handler=_upgrade)
    current = actions.add_parser(
        "current", parents=[common], help="print the schema revision and whether it is the head"
    )
    current.set_defaults(handler=_current)


def _upgrade(args: argparse.Namespace) -> int:
    from wallet.bundles.engine import migrate_system_database
    from wallet.cli.local import database_engine
    from wallet.server.schema import upgrade_schema

    with database_engine() as (engine, shown):
        before, after = upgrade_schema(engine)
        # DBOS's own tables (the bundle workflows), which its launch would also make.
        migrate_system_database(str(engine.url.render_as_string(hide_password=False)))
    if before.current == after.current:
        print(f"{shown}: already at the head {after.head_text}; nothing to do")
    else:
        print(f"{shown}: upgraded from {before.current_text} to {after.current_text}")
    return 0


def _current(args: argparse.Namespace) -> int:
    from wallet.cli.fields import UsageError
    from wallet.cli.local import database_engine
    from wallet.server.schema import UPGRADE_COMMAND, schema_state, unknown_message

    with database_engine(create=False) as (engine, shown):
        state = schema_state(engine)
    if state.unknown:
        raise UsageError(unknown_message(state, shown))
    if state.at_head:
        print(f"{shown}: {state.current_text} (the head)")
        return 0
    print(f"{shown}: {state.current_text}; the head is {state.head_text}: run `{UPGRADE_COMMAND}`")
    return 1
