"""A throwaway PostgreSQL database for a benchmark, or the reason there is none.

The server is ``ELICENSE_BENCH_DATABASE_URL``, else the CI one
(``scripts/ci_postgres.sh``); its role needs CREATEDB. Each use gets a database of its
own (``elicense_bench_<name>_<pid>``), dropped afterwards, so a benchmark never touches
the tests' databases nor another benchmark's.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

CI_POSTGRES = "postgresql+psycopg://elicense:elicense@127.0.0.1:5432/elicense_test"


@contextmanager
def bench_database(name: str) -> Iterator[tuple[str | None, str]]:
    """``(url, "")`` of a fresh database, or ``(None, why not)``."""
    server = os.environ.get("ELICENSE_BENCH_DATABASE_URL", CI_POSTGRES)
    database = f"elicense_bench_{name}_{os.getpid()}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}"'))
            conn.execute(text(f'CREATE DATABASE "{database}"'))
    except Exception as exc:  # noqa: BLE001 - any failure: say why, measure without it
        admin.dispose()
        yield None, f"no PostgreSQL at {make_url(server).host}: {type(exc).__name__}"
        return
    try:
        yield make_url(server).set(database=database).render_as_string(False), ""
    finally:
        _drop(admin, database)
        admin.dispose()


def _drop(admin: Engine, database: str) -> None:
    """Drop the database; a failure is printed, never raised over the figures. A plain
    DROP first: it stops an autovacuum worker busy with the fresh rows itself, which
    WITH (FORCE) may not (terminating it needs a privilege the role may lack)."""
    for attempt in range(10):
        force = " WITH (FORCE)" if attempt % 2 else ""
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{database}"{force}'))
            return
        except Exception as exc:  # noqa: BLE001 - reported below, figures kept
            error = exc
            time.sleep(1)
    print(f"could not drop {database}: {type(error).__name__}", file=sys.stderr)
