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
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event

from issuers.errors import RuntimeDestroyed

__all__ = ["seal", "system_engine"]


def system_engine() -> Engine | None:
    """The launched DBOS's system database engine, or None (not launched)."""
    from dbos import _dbos  # its internals: DBOS exposes no public handle on the engine

    instance = _dbos._dbos_global_instance
    sys_db = getattr(instance, "_sys_db_field", None) if instance is not None else None
    engine = getattr(sys_db, "engine", None)
    return engine if isinstance(engine, Engine) else None


def _refuse(*_: Any, **__: Any) -> None:
    raise RuntimeDestroyed("the bundle workflow runtime was destroyed")


def seal(engine: Engine) -> None:
    """From now on ``engine`` opens no connection (its pool was disposed by DBOS)."""
    if not event.contains(engine, "do_connect", _refuse):
        event.listen(engine, "do_connect", _refuse)
    engine.dispose()
