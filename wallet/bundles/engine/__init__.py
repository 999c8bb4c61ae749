"""The bundle workflow engine on DBOS Transact: the runtime that owns DBOS in a
process (:class:`WorkflowRuntime`), the client for processes that only dispatch
(:class:`ClientDispatcher`), the workflows (:mod:`.workflows`) and the test-only
failpoints (:mod:`.failpoints`). See :mod:`.runtime` for the system database and how
recovery works after a crash."""

from __future__ import annotations

from wallet.bundles.dispatch import CONSENT_TOPIC, SUBMIT_TOPIC, Dispatcher
from wallet.bundles.engine.binding import Bound
from wallet.bundles.engine.failpoints import FAILPOINTS_ENV, failpoints_from
from wallet.bundles.engine.runtime import (
    ClientDispatcher,
    WorkflowRuntime,
    migrate_system_database,
    system_database,
)

__all__ = [
    "CONSENT_TOPIC",
    "FAILPOINTS_ENV",
    "SUBMIT_TOPIC",
    "Bound",
    "ClientDispatcher",
    "Dispatcher",
    "WorkflowRuntime",
    "failpoints_from",
    "migrate_system_database",
    "system_database",
]
