"""How much work waits in the bundle queues, read from DBOS's own tables when asked.

DBOS Transact records every workflow in its system database's ``workflow_status``
table (https://docs.dbos.dev/explanations/system-tables), with the queue it was
enqueued on and its status: ``ENQUEUED`` (waiting for a worker to dequeue it) and
``PENDING`` (dequeued and running, or an application waiting for consent or its
submission). One grouped count over those two statuses, which DBOS indexes
(``workflow_status_status_index``), so the read touches live work only, never the
finished history; on PostgreSQL it may take at most :data:`STATEMENT_TIMEOUT_MS`.

Read at scrape time by the API process (``/metrics``), whichever processes run the
workflows: any process sharing the database sees the same queues.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from wallet.bundles.engine.runtime import system_database
from wallet.bundles.engine.workflows import APPLICATION_QUEUE, ITEM_QUEUE

__all__ = ["QUEUES", "STATUSES", "QueueCount", "QueueDepth"]

QUEUES = (APPLICATION_QUEUE, ITEM_QUEUE)
STATUSES = ("ENQUEUED", "PENDING")
STATEMENT_TIMEOUT_MS = 2000
_QUEUE_NAMES = {"applications": APPLICATION_QUEUE, "items": ITEM_QUEUE}
_COUNT = (
    "SELECT queue_name, status, COUNT(*) FROM {table}"
    " WHERE status IN ('ENQUEUED', 'PENDING')"
    " AND queue_name IN (:applications, :items)"
    " GROUP BY queue_name, status"
)


@dataclass(frozen=True, slots=True)
class QueueCount:
    queue: str
    status: str
    count: int


class QueueDepth:
    """Counts the queues' ENQUEUED and PENDING workflows. SQLite: DBOS's file beside
    the app's, opened read-only (absent: every count 0); PostgreSQL: schema ``dbos`` of
    the app's database, through ``engine``."""

    def __init__(self, database_url: str, engine: Engine) -> None:
        url, schema = system_database(database_url)
        self._sqlite_file: Path | None = None
        self._engine = engine
        self._table = f"{schema}.workflow_status"
        if schema is None:
            self._sqlite_file = Path(make_url(url).database or "")
            self._table = "workflow_status"
            self._engine = create_engine(
                f"sqlite:///file:{self._sqlite_file}?mode=ro&uri=true",
                poolclass=NullPool,  # a scrape every few seconds: no idle handle kept
                connect_args={"timeout": 1.0},
            )
        self._owns_engine = schema is None

    def counts(self) -> list[QueueCount]:
        """Every (queue, status) pair, 0 where nothing is; raises SQLAlchemyError when
        the database cannot be read."""
        found: dict[tuple[str, str], int] = {(q, s): 0 for q in QUEUES for s in STATUSES}
        if self._sqlite_file is not None and not self._sqlite_file.exists():
            return _listed(found)  # no worker or server has created it yet
        with self._engine.connect() as conn:
            if self._sqlite_file is None:
                conn.execute(text(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}"))
            for queue, status, count in conn.execute(
                text(_COUNT.format(table=self._table)), _QUEUE_NAMES
            ):
                found[(str(queue), str(status))] = int(count)
        return _listed(found)

    def close(self) -> None:
        if self._owns_engine:
            self._engine.dispose()


def _listed(found: dict[tuple[str, str], int]) -> list[QueueCount]:
    return [QueueCount(queue, status, count) for (queue, status), count in found.items()]
