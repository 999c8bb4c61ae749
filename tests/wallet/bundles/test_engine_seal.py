"""A sealed engine (the bundle runtime's, after DBOS.destroy) opens nothing and keeps
nothing open, even a connection a workflow thread held while it was sealed."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from issuers.errors import RuntimeDestroyed
from wallet.bundles.engine.shutdown import close_returned, seal


def test_a_connection_held_while_sealing_is_closed_when_handed_back(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        held = engine.connect()
        held.execute(text("SELECT 1"))
        raw = held.connection.dbapi_connection
        assert raw is not None

        seal(engine)
        held.execute(text("SELECT 1"))  # the thread finishes what it was doing
        held.close()

        with pytest.raises(Exception, match=r"(?i)closed"):  # psycopg's and sqlite3's words
            raw.cursor()
        with pytest.raises(RuntimeDestroyed):
            engine.connect()
    finally:
        engine.dispose()


def test_sealing_twice_adds_no_second_listener(database_url: str) -> None:
    engine = create_engine(database_url)
    seal(engine)
    seal(engine)
    with pytest.raises(RuntimeDestroyed):
        engine.connect()


def test_a_connection_held_across_an_earlier_dispose_is_closed_when_handed_back(
    database_url: str,
) -> None:
    """DBOS.destroy disposes its engine before the runtime seals it: a connection a
    step holds then goes back to the replaced pool, which close_returned reaches."""
    engine = create_engine(database_url)
    try:
        held = engine.connect()
        raw = held.connection.dbapi_connection
        assert raw is not None
        close_returned(engine)
        engine.dispose()  # DBOS's, inside its destroy
        seal(engine)
        held.execute(text("SELECT 1"))
        held.close()
        with pytest.raises(Exception, match=r"(?i)closed"):
            raw.cursor()
    finally:
        engine.dispose()
