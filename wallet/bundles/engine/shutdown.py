"""After ``DBOS.destroy()``, nothing of the runtime may reach a database again.

``DBOS.destroy()`` stops DBOS's background threads but not the workflow threads it
started: a workflow waiting in ``DBOS.recv`` or ``DBOS.wait_first`` keeps polling the
system database until its wait ends (DBOS 3.4: ``SystemDatabase.recv_check``, and
``wait_first``'s loop), through the disposed engine, which SQLAlchemy reopens on
demand. In a worker that exits, the process ends them; in a process that goes on (the
test suite, a server whose lifespan stopped the runtime), they would open connections
to a database that may be gone or emptied, long after.

:func:`system_engine` takes DBOS's engine before the destroy and :func:`seal` makes it
refuse every new connection afterwards: such a thread fails at its next database
access (DBOS logs the failed poll, or the workflow's step raises and its thread ends)
and its workflow stays as recorded, to be recovered by the next launch.

A thread that was in the middle of a query when the engine was disposed still holds
its connection; ``dispose`` leaves checked-out connections alone, and when the thread
returns it the old pool would keep it open until the pool is garbage-collected. A
sealed engine closes every connection handed back to it instead. DBOS disposes its
engine inside the destroy, so :func:`close_returned` goes on before it: a listener
added later would reach only the pool that replaced the one the thread's connection
came from.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import Engine, event

from issuers.errors import RuntimeDestroyed

__all__ = ["close_returned", "finish", "seal", "system_engine", "workflow_threads"]

THREAD_WAIT_S = 10.0


def system_engine() -> Engine | None:
    """The launched DBOS's system database engine, or None (not launched)."""
    from dbos import _dbos  # its internals: DBOS exposes no public handle on the engine

    instance = _dbos._dbos_global_instance
    sys_db = getattr(instance, "_sys_db_field", None) if instance is not None else None
    engine = getattr(sys_db, "engine", None)
    return engine if isinstance(engine, Engine) else None


def workflow_threads() -> list[threading.Thread]:
    """The threads of the launched DBOS's workflow executor (none when not launched)."""
    from dbos import _dbos

    instance = _dbos._dbos_global_instance
    executor = getattr(instance, "_executor_field", None) if instance is not None else None
    threads = getattr(executor, "_threads", ())
    return [t for t in threads if isinstance(t, threading.Thread)]


def finish(threads: list[threading.Thread], timeout: float = THREAD_WAIT_S) -> None:
    """Wait, up to ``timeout`` in all, for workflow threads to end after the seal.

    A sealed runtime's threads end at their next database access, handing back any
    connection they held (closed then: see :func:`seal`). A process that exits waits
    for them anyway (Python joins executor threads at exit); one that goes on (a test,
    an app whose lifespan ended) would otherwise find their connections still open for
    as long as a step's Python work takes. Threads still running at the deadline are
    left to end on their own.
    """
    deadline = time.monotonic() + timeout
    for thread in threads:
        if thread is not threading.current_thread():
            thread.join(max(0.0, deadline - time.monotonic()))


def _refuse(*_: Any, **__: Any) -> None:
    raise RuntimeDestroyed("the bundle workflow runtime was destroyed")


def _close_on_return(dbapi_connection: Any, _record: Any) -> None:
    if dbapi_connection is not None:
        dbapi_connection.close()


def close_returned(engine: Engine) -> None:
    """From now on every connection handed back to ``engine``'s pool is closed, in
    this pool and in those a later dispose replaces it with (they copy its listeners).
    """
    if not event.contains(engine, "checkin", _close_on_return):
        event.listen(engine, "checkin", _close_on_return)


def seal(engine: Engine) -> None:
    """From now on ``engine`` opens no connection, and closes each one handed back."""
    if not event.contains(engine, "do_connect", _refuse):
        event.listen(engine, "do_connect", _refuse)
    close_returned(engine)  # before the dispose: the old pool is where held ones return
    engine.dispose()
