"""The database fixture hands out the backend the run asked for, fresh and working.

With ELICENSE_TEST_REQUIRE_POSTGRES=1 (the PostgreSQL run of .ci/run) this proves the
tests really ran on PostgreSQL; without any database settings it proves the SQLite
default. It never skips.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

# Read at import time: while a test runs, the database_url fixture points
# ELICENSE_DATABASE_URL at the test's own database.
_REQUIRE_POSTGRES = os.environ.get("ELICENSE_TEST_REQUIRE_POSTGRES", "").strip() == "1"
_CONFIGURED = os.environ.get("ELICENSE_DATABASE_URL", "").strip()
_EXPECTED_BACKEND = (
    "postgresql"
    if _REQUIRE_POSTGRES or make_url(_CONFIGURED or "sqlite://").get_backend_name() == "postgresql"
    else "sqlite"
)

_TEXT = "居民身份证 11010519491231002X"


# Twice, so that whichever runs second would see the first one's table if the
# fixture did not hand out an empty database.
@pytest.mark.parametrize("run", [1, 2])
def test_database_url_is_the_expected_backend_and_empty(
    database_url: str, tmp_path: Path, run: int
) -> None:
    url = make_url(database_url)
    assert url.get_backend_name() == _EXPECTED_BACKEND
    assert os.environ["ELICENSE_DATABASE_URL"] == database_url

    if _EXPECTED_BACKEND == "sqlite":
        assert url.database is not None
        assert Path(url.database).parent == tmp_path
        assert not Path(url.database).exists()
    else:
        assert url.database is not None
        assert url.database.startswith("elicense_t_")

    engine = create_engine(url)
    try:
        assert inspect(engine).get_table_names() == []
        with engine.begin() as conn:
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
            conn.execute(text("CREATE TABLE probe (id INTEGER PRIMARY KEY, name TEXT)"))
            conn.execute(text("INSERT INTO probe VALUES (:id, :name)"), {"id": run, "name": _TEXT})
        with engine.connect() as conn:
            # Chinese text survives the round trip (a SQL_ASCII database would not do).
            assert conn.execute(text("SELECT name FROM probe")).scalar_one() == _TEXT
            if _EXPECTED_BACKEND == "postgresql":
                assert conn.execute(text("SELECT current_database()")).scalar_one() == url.database
                assert conn.execute(text("SHOW server_encoding")).scalar_one() == "UTF8"
                assert conn.dialect.server_version_info is not None
                assert conn.dialect.server_version_info >= (13,)
    finally:
        engine.dispose()

    if _EXPECTED_BACKEND == "sqlite":
        assert Path(url.database).is_file()
