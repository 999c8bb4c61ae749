"""The DBOS Transact runtime of this process, and how other processes reach it.

DBOS is a process-wide singleton. :class:`WorkflowRuntime` owns it: :meth:`launch`
binds the services the steps use (:mod:`.binding`), constructs and launches DBOS and
registers the two queues; :meth:`destroy` shuts DBOS down (its connections closed)
and clears the binding. A process that only enqueues, wakes and cancels (an API
process without in-process workers) uses :class:`ClientDispatcher`, a ``DBOSClient``
on the same system database, which runs no workflow code.

System database (DBOS's own tables: workflows, steps, queues, messages):

* SQLite: a separate file beside the app's, ``<db file>.dbos.sqlite``, so DBOS never
  needs our writer lock (``<db>.writer-lock``) and our writers never wait for it;
* PostgreSQL: the app's database, schema ``dbos``.

Recovery after a crash: each worker has an executor id (``ELICENSE_WORKER_ID``,
default ``local``). DBOS records which executor runs each workflow; a worker
restarted with the same executor id recovers its PENDING workflows on launch and
re-runs each from its last recorded step (a step cut short runs again: ours are
idempotent, minting by key). Workflows still ENQUEUED are picked up by whichever
worker dequeues first. The application version is fixed
(:data:`APPLICATION_VERSION`), so a worker restarted from the same release recovers
what its predecessor left.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from dbos import DBOS, DBOSClient, DBOSConfig, EnqueueOptions, SetWorkflowID
from dbos._error import DBOSException
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from issuers.errors import EngineUnavailable
from wallet.bundles.engine.binding import Bound, bind, unbind
from wallet.bundles.engine.shutdown import (
    close_returned,
    finish,
    seal,
    system_engine,
    workflow_threads,
)
from wallet.bundles.engine.sqlite_system import sqlite_system_engine, use_write_ahead_log
from wallet.bundles.engine.workflows import (
    APPLICATION_QUEUE,
    ITEM_QUEUE,
    application_workflow,
)

__all__ = [
    "APPLICATION_VERSION",
    "ClientDispatcher",
    "WorkflowRuntime",
    "migrate_system_database",
    "system_database",
]

APPLICATION_NAME = "elicense"
# Bumped whenever the workflows' steps change: a worker recovers only the workflows of
# its own version, never replaying an old workflow's history against new code.
APPLICATION_VERSION = "elicense-bundles-2"
SYSTEM_SCHEMA = "dbos"
_log = logging.getLogger("elicense.bundles")


def system_database(database_url: str) -> tuple[str, str | None]:
    """(DBOS system database URL, schema): a file beside SQLite's, PostgreSQL's own."""
    parsed = make_url(database_url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise ValueError("the bundle workflows need a SQLite file, not :memory:")
        return f"sqlite:///{parsed.database}.dbos.sqlite", None
    return parsed.render_as_string(hide_password=False), SYSTEM_SCHEMA


def migrate_system_database(database_url: str) -> None:
    """Create or upgrade DBOS's system database (what a worker's launch also does), so
    that a process dispatching through :class:`ClientDispatcher` finds it before any
    worker has started. Run it once, before the processes start (``elicense serve``)."""
    url, schema = system_database(database_url)
    if schema is None:
        use_write_ahead_log(make_url(url).database or "")
    DBOS.migrate(url, schema=schema or SYSTEM_SCHEMA)


def _system_engine(url: str, schema: str | None) -> Engine | None:
    """Our engine for DBOS's SQLite system database (:mod:`.sqlite_system`: WAL,
    queued writers); None on PostgreSQL, where DBOS opens its own."""
    if schema is not None:
        return None
    return sqlite_system_engine(url)


@contextmanager
def _reachable() -> Iterator[None]:
    """DBOS's own failures (its system database unreachable, missing or impossible, as
    SQLite in memory; the runtime not launched) as the typed
    :class:`~issuers.errors.EngineUnavailable`."""
    try:
        yield
    except (DBOSException, SQLAlchemyError, OSError, ValueError) as exc:
        _log.warning("bundle workflow engine unavailable: %s", type(exc).__name__)
        raise EngineUnavailable("the bundle workflow engine is not reachable") from exc


class WorkflowRuntime:
    """DBOS launched in this process: it runs workflows (a worker) and dispatches."""

    def __init__(
        self,
        database_url: str,
        services: Bound,
        *,
        executor_id: str = "local",
        item_concurrency: int = 8,
        queue_poll_seconds: float = 0.2,
    ) -> None:
        self._url, self._schema = system_database(database_url)
        self._services = services
        self._executor_id = executor_id
        self._item_concurrency = item_concurrency
        self._queue_poll = queue_poll_seconds
        self._engine: Engine | None = None
        self.launched = False

    def launch(self) -> None:
        config: DBOSConfig = {
            "name": APPLICATION_NAME,
            "system_database_url": self._url,
            "executor_id": self._executor_id,
            "application_version": APPLICATION_VERSION,
            "notification_listener_polling_interval_sec": min(self._queue_poll, 1.0),
            "log_level": "WARNING",
        }
        if self._schema is not None:
            config["dbos_system_schema"] = self._schema
            # Polling, not LISTEN/NOTIFY: DBOS's listener holds a detached connection
            # that outlived DBOS.destroy() (psycopg ResourceWarnings, connections left
            # to emptied test databases); wake-ups then take up to the polling
            # interval (1 s), which a bundle's waits do not notice.
            config["use_listen_notify"] = False
        bind(self._services)
        try:
            self._engine = _system_engine(self._url, self._schema)
            if self._engine is not None:
                config["system_database_engine"] = self._engine
            DBOS(config=config)
            DBOS.launch()
            DBOS.register_queue(
                APPLICATION_QUEUE,
                polling_interval_sec=self._queue_poll,
                on_conflict="always_update",
            )
            DBOS.register_queue(
                ITEM_QUEUE,
                global_concurrency=self._item_concurrency,
                polling_interval_sec=self._queue_poll,
                on_conflict="always_update",
            )
        except BaseException:
            self.destroy()
            raise
        self.launched = True

    def destroy(self) -> None:
        system = system_engine()  # DBOS's own; sealed below (see .shutdown)
        threads = workflow_threads()
        if system is not None:
            close_returned(system)  # a step's connection, in use while DBOS disposes
        DBOS.destroy()
        if system is not None:
            seal(system)
        finish(threads)
        if self._engine is not None:
            self._engine.dispose()  # DBOS leaves an engine it was given open
            self._engine = None
        unbind()
        self.launched = False

    def start(self, application_id: str) -> None:
        with _reachable():
            queue = DBOS.retrieve_queue(APPLICATION_QUEUE)
            if queue is None:
                raise DBOSException("the runtime is not launched")
            with SetWorkflowID(application_id):
                queue.enqueue(application_workflow, application_id)

    def wake(self, application_id: str, topic: str) -> None:
        with _reachable():
            DBOS.send(application_id, None, topic=topic)

    def cancel(self, application_id: str) -> None:
        """Cancel the application's workflow and its items' (cancel_children): an item
        still in the queue never starts; one running finishes its step."""
        with _reachable():
            DBOS.cancel_workflow(application_id, cancel_children=True)


class ClientDispatcher:
    """Enqueue, wake and cancel from a process that runs no workflows (DBOSClient).
    Connects on first use; the system database is made by the first worker's launch."""

    def __init__(self, database_url: str) -> None:
        self._database_url = database_url
        self._client: DBOSClient | None = None
        self._engine: Engine | None = None

    def _connected(self) -> DBOSClient:
        if self._client is None:
            url, schema = system_database(self._database_url)
            self._engine = _system_engine(url, schema)
            self._client = DBOSClient(
                system_database_url=url,
                system_database_engine=self._engine,
                dbos_system_schema=schema or SYSTEM_SCHEMA,
                application_name=APPLICATION_NAME,
            )
        return self._client

    def start(self, application_id: str) -> None:
        options: EnqueueOptions = {
            "workflow_name": "bundle_application",
            "queue_name": APPLICATION_QUEUE,
            "workflow_id": application_id,
            "app_version": APPLICATION_VERSION,
        }
        with _reachable():
            self._connected().enqueue(options, application_id)

    def wake(self, application_id: str, topic: str) -> None:
        with _reachable():
            self._connected().send(application_id, None, topic=topic)

    def cancel(self, application_id: str) -> None:
        with _reachable():
            self._connected().cancel_workflow(application_id, cancel_children=True)

    def close(self) -> None:
        if self._client is not None:
            self._client.destroy()
            self._client = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
