"""Database fixtures shared by the whole test suite.

``database_url`` hands every test that asks for it the URL of a fresh, empty
database. Build engines, migrations and apps on top of it; never on a URL of your own.

* Default: a SQLite file in the test's ``tmp_path`` (``sqlite:////tmp/.../test.db``);
  it does not exist until something connects.
* ``ELICENSE_DATABASE_URL=postgresql+psycopg://...``: that URL is used as an admin
  connection (its role needs CREATEDB). Each pytest process (each xdist worker) creates
  one throwaway database, ``elicense_t_<worker>_<uuid>``, and drops it when the session
  ends. Before every test the database is emptied: connections left open by the
  previous test are terminated and ``DROP OWNED BY CURRENT_USER CASCADE`` removes every
  table, sequence, type, function, schema and extension the test role created. That
  costs 1-10 ms a test (10 ms after the full Alembic schema). A new database per test
  cost 210-340 ms a test over a 200-test run (PostgreSQL 15, 2 cores: every
  DROP DATABASE forces a checkpoint), so each worker reuses its database instead.
* ``ELICENSE_TEST_REQUIRE_POSTGRES=1`` (set by ``.ci/run``): the run stops at start-up
  unless ``ELICENSE_DATABASE_URL`` is a PostgreSQL URL, and a PostgreSQL that cannot be
  reached makes the tests ERROR. Without it, an unreachable server makes the database
  tests skip with the reason.

While a test runs, ``ELICENSE_DATABASE_URL`` is set to the test's own database, so code
that reads the settings from the environment lands in the same place as the fixture.
On PostgreSQL, a test that leaves a connection to its database open (an engine nobody
disposed) errors at teardown. Tests marked ``postgres`` are skipped unless the run
targets PostgreSQL.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from issuers.api.rate_limits import GROUPS

pytest_plugins = ["tests.app_fixtures"]

DATABASE_URL_ENV = "ELICENSE_DATABASE_URL"
REQUIRE_POSTGRES_ENV = "ELICENSE_TEST_REQUIRE_POSTGRES"
THROWAWAY_PREFIX = "elicense_t_"
RATE_LIMITS_ENV = "ELICENSE_RATE_LIMITS"
HIGH_RATE_LIMITS = json.dumps(dict.fromkeys(GROUPS, "10000/second"))
LEAK_GRACE_S = 0.5  # a closed connection stays listed for up to ~20 ms
_FIXTURE_APPLICATION_NAME = "elicense-test-fixture"

# Client connections to this database other than the fixture's own (autovacuum
# workers are not clients).
_OTHER_CONNECTIONS = text(
    "SELECT count(*) FROM pg_stat_activity "
    "WHERE datname = current_database() AND backend_type = 'client backend' "
    "AND application_name <> :fixture"
).bindparams(fixture=_FIXTURE_APPLICATION_NAME)

_OTHER_CONNECTION_STATES = text(
    "SELECT coalesce(state, ''), coalesce(query, '') FROM pg_stat_activity "
    "WHERE datname = current_database() AND backend_type = 'client backend' "
    "AND application_name <> :fixture"
).bindparams(fixture=_FIXTURE_APPLICATION_NAME)

# One round trip: throw out connections the previous test left open (they could hold
# locks), drop everything the test role owns in this database, and prove it is empty.
_EMPTY_DATABASE = """
DO $reset$
DECLARE
    leftover text;
BEGIN
    PERFORM pg_terminate_backend(pid)
       FROM pg_stat_activity
      WHERE datname = current_database()
        AND usename = current_user
        AND pid <> pg_backend_pid();
    DROP OWNED BY CURRENT_USER CASCADE;
    SELECT string_agg(format('%I.%I', n.nspname, c.relname), ', ')
      INTO leftover
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema';
    IF leftover IS NOT NULL THEN
        RAISE EXCEPTION 'test database not empty after reset: %', leftover;
    END IF;
END
$reset$
"""


def postgres_required() -> bool:
    """True when the run must use PostgreSQL (``ELICENSE_TEST_REQUIRE_POSTGRES=1``)."""
    return os.environ.get(REQUIRE_POSTGRES_ENV, "").strip().lower() in {"1", "true", "yes"}


def configured_url() -> URL | None:
    """``ELICENSE_DATABASE_URL`` as given to the test run, or None when unset."""
    raw = os.environ.get(DATABASE_URL_ENV, "").strip()
    return make_url(raw) if raw else None


def _targets_postgres(url: URL | None) -> bool:
    return url is not None and url.get_backend_name() == "postgresql"


def pytest_configure(config: pytest.Config) -> None:
    # Tests drive the limited routes far faster than anyone should: high limits, not
    # none, for every app and server of the run (tests/wallet/server/test_rate_limits.py
    # sets its own). Servers started with a cleaned environment carry this one over.
    os.environ.setdefault(RATE_LIMITS_ENV, HIGH_RATE_LIMITS)
    # Fail the whole run up front on a configuration that can only mislead.
    try:
        url = configured_url()
    except ArgumentError as exc:
        raise pytest.UsageError(f"{DATABASE_URL_ENV} is not a database URL: {exc}") from exc
    if url is not None and url.get_backend_name() not in {"postgresql", "sqlite"}:
        raise pytest.UsageError(
            f"{DATABASE_URL_ENV}: the tests support sqlite and postgresql, "
            f"not {url.get_backend_name()!r}"
        )
    if postgres_required() and not _targets_postgres(url):
        raise pytest.UsageError(
            f"{REQUIRE_POSTGRES_ENV}=1 but {DATABASE_URL_ENV} is "
            f"{'unset' if url is None else repr(url)}: "
            "set it to postgresql+psycopg://user:password@host:port/database"
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _targets_postgres(configured_url()):
        return
    skip = pytest.mark.skip(reason=f"needs {DATABASE_URL_ENV} pointing at PostgreSQL")
    for item in items:
        if item.get_closest_marker("postgres") is not None:
            item.add_marker(skip)


def _worker_id() -> str:
    # PYTEST_XDIST_WORKER is gw0, gw1, ... in xdist workers and unset otherwise.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return re.sub(r"[^a-z0-9]", "", worker.lower())[:16] or "main"


def _unavailable(message: str) -> NoReturn:
    """A PostgreSQL problem: an error when PostgreSQL is required, else a skip."""
    if postgres_required():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def _postgres_database() -> Iterator[URL | None]:
    """This process's throwaway PostgreSQL database, or None when running on SQLite."""
    admin_url = configured_url()
    if not _targets_postgres(admin_url):
        yield None
        return
    assert admin_url is not None

    name = f"{THROWAWAY_PREFIX}{_worker_id()}_{uuid.uuid4().hex[:12]}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    except ImportError as exc:  # the psycopg driver is not installed
        _unavailable(f"cannot use {admin_url!r}: {exc}")
    try:
        with admin.connect() as conn:
            # TEMPLATE template0: nobody is ever connected to it (template1 may be
            # busy with another worker's copy), and it allows choosing the encoding.
            conn.execute(text(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'"))
    except SQLAlchemyError as exc:
        admin.dispose()
        _unavailable(f"cannot create a test database through {admin_url!r}: {exc}")
    try:
        yield admin_url.set(database=name)
    finally:
        _drop_database(admin, name)
        admin.dispose()


def _drop_database(admin: Engine, name: str) -> None:
    # Not DROP DATABASE ... WITH (FORCE): it refuses (for a non-superuser) when an
    # autovacuum worker happens to be in the database ("must be a member of the role
    # whose process is being terminated"). Terminate our own leftover connections,
    # then a plain DROP, which stops autovacuum itself and waits up to 5 s for
    # terminated backends to exit.
    with admin.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND usename = current_user "
                "AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))


@pytest.fixture(scope="session")
def _postgres_resetter(_postgres_database: URL | None) -> Iterator[Engine | None]:
    """A connection pool on the throwaway database, used to empty it between tests."""
    if _postgres_database is None:
        yield None
        return
    engine = create_engine(
        _postgres_database,
        isolation_level="AUTOCOMMIT",
        pool_pre_ping=True,
        connect_args={"application_name": _FIXTURE_APPLICATION_NAME},
    )
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def database_url(
    _postgres_database: URL | None,
    _postgres_resetter: Engine | None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[str]:
    """The URL of a fresh, empty database for this test (see the module docstring)."""
    if _postgres_database is None or _postgres_resetter is None:
        monkeypatch.setenv(DATABASE_URL_ENV, f"sqlite:///{(tmp_path / 'test.db').as_posix()}")
        yield os.environ[DATABASE_URL_ENV]
        return

    try:
        with _postgres_resetter.connect() as conn:
            conn.execute(text(_EMPTY_DATABASE))
    except SQLAlchemyError as exc:
        _unavailable(f"cannot empty the test database {_postgres_database!r}: {exc}")
    monkeypatch.setenv(DATABASE_URL_ENV, _postgres_database.render_as_string(hide_password=False))
    yield os.environ[DATABASE_URL_ENV]
    _fail_on_leaked_connections(_postgres_resetter)


def _fail_on_leaked_connections(resetter: Engine) -> None:
    """Fail the test if it left connections to its database open.

    Every fixture built on database_url has been torn down by now, so an open
    connection means an engine nobody disposed. psycopg warns when such a connection
    is garbage-collected and warnings are errors, but the collection (and so the
    error) lands on whichever test runs next; this names the test that leaked.
    A connection that was just closed can stay listed for a moment, hence the wait.
    """
    deadline = time.monotonic() + LEAK_GRACE_S
    while True:
        with resetter.connect() as conn:
            leaked = conn.execute(_OTHER_CONNECTIONS).scalar_one()
        if leaked == 0:
            return
        if time.monotonic() >= deadline:
            break
        time.sleep(0.02)
    with resetter.connect() as conn:
        seen = conn.execute(_OTHER_CONNECTION_STATES).all()
    states = "; ".join(f"{state} ({query[:120]!r})" for state, query in seen)
    pytest.fail(
        f"the test left {leaked} connection(s) to its database open: dispose every "
        "engine it created (engine.dispose()), including one an app or a CLI call made. "
        f"Their states and last queries: {states}",
        pytrace=False,
    )


@pytest.fixture(autouse=True)
def _no_workflow_runtime_left() -> Iterator[None]:
    """A test that leaves the bundle workflow runtime (DBOS, a process-wide singleton)
    launched fails here, and the runtime is destroyed: otherwise it keeps polling a
    database the next test has emptied, and every later test in this process errors."""
    yield
    from wallet.bundles.engine.binding import is_bound, unbind

    if not is_bound():
        return
    from dbos import DBOS

    DBOS.destroy()
    unbind()
    pytest.fail("the test left the bundle workflow runtime launched: destroy it in teardown")
