"""The bundle store's state changes under concurrent writers (two workers, or a worker
and the citizen's cancel). On PostgreSQL (READ COMMITTED) a transaction reads rows
another has changed but not yet committed as they were; on SQLite the writers take
turns, so the same tests simply pass there.

* stopping the waiting items names only those its UPDATE stopped, never one another
  worker started meanwhile (it used to read the waiting items first, then update);
* a guarded state change (``only_from``) loses to a cancel committed first.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import Connection, Engine

from tests.app_fixtures import FIXED_NOW
from tests.wallet.bundles.engine_setup import FATHER, MOTHER
from wallet.bundles.records import NewApplication
from wallet.bundles.store import BundleStore

HOLD_S = 0.5


def _filed(store: BundleStore) -> str:
    new = NewApplication(
        id="race-application", bundle="tiny_bundle", bundle_version=1,
        applicant_code=MOTHER, holders={"mother": MOTHER, "father": FATHER}, presented=(),
        created_at=FIXED_NOW, items=("one", "two", "three"),
    )  # fmt: skip
    with store.writing() as conn:
        store.insert_application(conn, new)
        store.set_state(conn, new.id, "processing")
    return new.id


def _while_held(
    engine: Engine, hold: Callable[[Connection], object], then: Callable[[], object]
) -> object:
    """Run ``hold(conn)`` in a transaction kept open HOLD_S seconds, and ``then()`` in
    another thread meanwhile; what ``then()`` returned."""
    store = BundleStore(engine)
    result: list[object] = []
    started = threading.Event()

    def other() -> None:
        started.wait(5)
        result.append(then())

    thread = threading.Thread(target=other)
    thread.start()
    with store.writing() as conn:
        hold(conn)
        started.set()
        time.sleep(HOLD_S)  # the other transaction reads now, then waits on the row
    thread.join(10)
    assert result, "the other transaction never finished"
    return result[0]


def test_stop_waiting_names_only_the_items_it_stopped(engine: Engine) -> None:
    store = BundleStore(engine)
    application_id = _filed(store)

    def stop() -> list[str]:
        with store.writing() as conn:
            return store.stop_waiting(conn, application_id, FIXED_NOW)

    stopped = _while_held(
        engine, lambda conn: store.start_item(conn, application_id, "one", FIXED_NOW), stop
    )
    with store.reading() as conn:
        states = {i.code: i.state for i in store.items(conn, application_id)}
    assert states == {"one": "running", "two": "stopped", "three": "stopped"}
    assert stopped == ["three", "two"]


def test_a_guarded_change_loses_to_a_cancel_committed_first(engine: Engine) -> None:
    store = BundleStore(engine)
    application_id = _filed(store)

    def complete() -> bool:
        with store.writing() as conn:
            return store.set_state(conn, application_id, "completed", only_from=("processing",))

    moved = _while_held(
        engine, lambda conn: store.set_state(conn, application_id, "cancelled"), complete
    )
    with store.reading() as conn:
        application = store.application(conn, application_id)
    assert moved is False
    assert application is not None
    assert application.state == "cancelled"
