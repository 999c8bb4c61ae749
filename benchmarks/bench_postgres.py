"""A throwaway PostgreSQL database for a benchmark, or the reason there is none.

The server is ``ELICENSE_BENCH_DATABASE_URL``, else the CI one
(``scripts/ci_postgres.sh``); its role needs CREATEDB. Each use gets a database of its
own (``elicense_bench_<name>_<pid>``), dropped afterwards, so a benchmark never touches
the tests' databases nor another benchmark's.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
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
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()
