"""Build a process's workflow runtime from the services it already has: the gathering
and processing steps bound to DBOS, and the bundle service dispatching through it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from issuers.clock import Clock
from issuers.metrics import NOTHING, Recorder
from verifiers.verdict import VerifierContext
from wallet.bundles.engine import Bound, WorkflowRuntime, failpoints_from
from wallet.bundles.engine.failpoints import FAILPOINTS_ENV
from wallet.bundles.gathering import ClientLookup, Gathering, GatheringServices
from wallet.bundles.handlers.base import Handler, Minter
from wallet.bundles.processing import Processing, ProcessingServices
from wallet.bundles.service import BundleService
from wallet.consent.pull import PullService
from wallet.consent.service import ConsentService

__all__ = ["WAIT_POLL_SECONDS", "RuntimeParts", "build_runtime"]

# How often a workflow waiting for its items (DBOS.wait_first) polls for them, in the
# processes that run for real (``elicense worker``, ``serve``). Every waiting
# application polls on its own, which was a quarter of a worker's CPU at 0.2 s (the
# bundle benchmark, profiled); at 0.5 s an item is noticed some 0.15 s later on
# average, and a worker spends 11-17% less CPU per item.
WAIT_POLL_SECONDS = 0.5


@dataclass(frozen=True)
class RuntimeParts:
    database_url: str
    bundles: BundleService
    handlers: Mapping[str, Handler]
    minter: Minter
    consent: ConsentService
    pulls: PullService
    clients: ClientLookup
    verifier: VerifierContext
    clock: Clock
    metrics: Recorder = NOTHING  # the items' steps count here


def build_runtime(
    parts: RuntimeParts,
    *,
    executor_id: str = "local",
    item_concurrency: int = 8,
    poll_seconds: float = 0.2,
    wait_seconds: float | None = None,
    log_items: bool = False,
    failpoints: str | None = None,
) -> WorkflowRuntime:
    """The runtime (not launched); the bundle service dispatches through it.
    ``poll_seconds``: the queues' polling (and DBOS's notification listener's);
    ``wait_seconds`` (default ``poll_seconds``): an application waiting for its items.
    ``failpoints`` defaults to ``ELICENSE_FAILPOINTS`` (test only, see
    :mod:`wallet.bundles.engine.failpoints`)."""
    store, definitions = parts.bundles.store, parts.bundles.definitions
    armed = failpoints if failpoints is not None else os.environ.get(FAILPOINTS_ENV)
    gathering = Gathering(
        GatheringServices(
            store, definitions, parts.consent, parts.pulls, parts.clients, parts.verifier,
            parts.clock, failpoints_from(armed),
        )
    )  # fmt: skip
    processing = Processing(
        ProcessingServices(
            store, definitions, parts.handlers, parts.minter, parts.clock,
            failpoints_from(armed), parts.metrics,
        )
    )  # fmt: skip
    runtime = WorkflowRuntime(
        parts.database_url,
        Bound(gathering, processing, wait_seconds or poll_seconds, log_items),
        executor_id=executor_id,
        item_concurrency=item_concurrency,
        queue_poll_seconds=poll_seconds,
    )
    parts.bundles.use_dispatcher(runtime)
    return runtime
