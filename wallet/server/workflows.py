"""Where this process's bundle workflows run: in it, or in ``elicense worker`` processes.

* :func:`workflow_runtime`: the DBOS runtime over the process's services (the real
  department handlers, :class:`~wallet.bundles.engine.minting.IssuanceMinter` on the issuer
  store, the executor id and the item queue's global limit from the settings). The
  bundle service then dispatches through it. ``elicense worker`` launches one; so does
  ``elicense serve`` with in-process workers (the demo's default).
* :func:`dispatch_to_workers`: the bundle service dispatches through a
  :class:`~wallet.bundles.engine.ClientDispatcher` (DBOSClient) instead, and the
  ``elicense worker`` processes sharing the database run the workflows.

DBOS is a process-wide singleton, so one runtime per process: with ``uvicorn
--workers N`` (N > 1) in-process workers are refused and the operator is told to run
``elicense worker`` (:func:`check_in_process`).
"""

from __future__ import annotations

from dataclasses import dataclass

from wallet.bundles.engine import ClientDispatcher, WorkflowRuntime
from wallet.bundles.engine.minting import IssuanceMinter
from wallet.bundles.engine.setup import WAIT_POLL_SECONDS, RuntimeParts, build_runtime
from wallet.server.settings import Settings
from wallet.server.wiring import Services

__all__ = [
    "AppWorkflows",
    "bundle_workflows",
    "check_in_process",
    "dispatch_to_workers",
    "workflow_runtime",
]


def workflow_runtime(
    services: Services, *, log_items: bool = False, poll_seconds: float = 0.2
) -> WorkflowRuntime:
    """The runtime (not launched yet) running this process's bundle workflows."""
    from wallet.bundles.handlers import HANDLERS

    settings = services.settings
    parts = RuntimeParts(
        database_url=settings.resolved_database_url,
        bundles=services.bundles,
        handlers=HANDLERS,
        minter=IssuanceMinter(services.issuance),
        consent=services.consent,
        pulls=services.pulls,
        clients=services.clients,
        verifier=services.verifier,
        clock=services.clock,
        metrics=services.metrics,
    )
    return build_runtime(
        parts,
        executor_id=settings.worker_id,
        item_concurrency=settings.bundle_item_concurrency,
        poll_seconds=poll_seconds,
        wait_seconds=max(poll_seconds, WAIT_POLL_SECONDS),
        log_items=log_items,
    )


def dispatch_to_workers(services: Services) -> ClientDispatcher:
    """The bundle service enqueues, wakes and cancels for ``elicense worker`` processes."""
    dispatcher = ClientDispatcher(services.settings.resolved_database_url)
    services.bundles.use_dispatcher(dispatcher)
    return dispatcher


def check_in_process(settings: Settings, http_workers: int) -> str | None:
    """Why in-process workflows cannot run with these settings, or None if they can."""
    if not settings.runs_workflows_in_process or http_workers == 1:
        return None
    return (
        f"in-process bundle workers run in one process only, not under --workers "
        f"{http_workers}: set ELICENSE_INPROCESS_WORKERS=false and run `elicense worker` "
        f"processes (each with its own ELICENSE_WORKER_ID), or serve with --workers 1"
    )


@dataclass
class AppWorkflows:
    """What an app's lifespan starts and stops: the in-process runtime, or the client
    that dispatches to ``elicense worker`` processes (closed at shutdown)."""

    runtime: WorkflowRuntime | None = None
    client: ClientDispatcher | None = None

    def start(self) -> None:
        if self.runtime is not None and not self.runtime.launched:
            self.runtime.launch()

    def stop(self) -> None:
        if self.runtime is not None and self.runtime.launched:
            self.runtime.destroy()
        if self.client is not None:
            self.client.close()


def bundle_workflows(services: Services) -> AppWorkflows:
    """In-process workflows when the settings say so (``ELICENSE_INPROCESS_WORKERS``,
    on in demo mode), else dispatch to workers. Nothing connects before start. Services
    that already dispatch somewhere (a runtime a test or tool launched) keep it."""
    if services.bundles.dispatcher is not None:
        return AppWorkflows()
    if services.settings.runs_workflows_in_process:
        return AppWorkflows(runtime=workflow_runtime(services))
    return AppWorkflows(client=dispatch_to_workers(services))
