"""A benchmark-only bundle worker: ``elicense worker`` with other department handlers.

Run by benchmarks/bundle_bench.py as its own process, with the same ``ELICENSE_*``
settings as ``elicense worker`` (database, master key, ``ELICENSE_WORKER_ID``,
``ELICENSE_BUNDLE_ITEM_CONCURRENCY``). It builds the services and the workflow runtime
exactly as ``elicense worker`` does (:func:`wallet.server.workflows.workflow_runtime`'s
parts: the sample definitions, :class:`IssuanceMinter`, the consent, pull and verifier
services, the real workflows and queues), except the handlers:

* ``--handlers instant`` (the default): every item's department decides at once and
  mints nothing (an :class:`ItemOutcome` with a note). What is measured is the engine:
  DBOS's queues and checkpoints, the item states and timeline written per step;
* ``--handlers real``: the real department handlers (:data:`HANDLERS`), minting through
  :class:`IssuanceMinter` (signing, status-list entries, the register re-issue).

Prints ``running`` on stderr once DBOS is launched; stops on SIGTERM (DBOS destroyed).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Mapping
from types import FrameType

from wallet.bundles.engine.minting import IssuanceMinter
from wallet.bundles.engine.setup import RuntimeParts, build_runtime
from wallet.bundles.handlers.base import Handler, ItemContext, ItemOutcome, Minter
from wallet.cli.local import local_engine
from wallet.server.settings import get_settings
from wallet.server.wiring import build_services


def instant(context: ItemContext, minter: Minter) -> ItemOutcome:
    """A department that decides at once and mints nothing."""
    return ItemOutcome(note_zh="即时办结（基准测试）")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--handlers", choices=("instant", "real"), default="instant")
    args = parser.parse_args()
    settings = get_settings()
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    with local_engine(settings.resolved_database_url) as engine:
        services = build_services(settings, engine=engine)
        handlers: Mapping[str, Handler]
        if args.handlers == "real":
            from wallet.bundles.handlers import HANDLERS

            handlers = HANDLERS
        else:
            handlers = {
                item.handler: instant
                for definition in services.bundles.definitions.values()
                for item in definition.items
            }
        parts = RuntimeParts(
            settings.resolved_database_url, services.bundles, handlers,
            IssuanceMinter(services.issuance), services.consent, services.pulls,
            services.clients, services.verifier, services.clock,
        )  # fmt: skip
        runtime = build_runtime(
            parts, executor_id=settings.worker_id,
            item_concurrency=settings.bundle_item_concurrency,
        )  # fmt: skip
        runtime.launch()
        try:
            print(f"bundle bench worker {settings.worker_id}: running", file=sys.stderr, flush=True)
            while not stop.wait(0.5):
                pass
        finally:
            runtime.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
