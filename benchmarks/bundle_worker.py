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
With ``BUNDLE_BENCH_PROFILE=<path>`` it profiles every thread's CPU time (cProfile) and
dumps the merged stats to ``<path>.<pid>`` at exit (``python -m pstats``).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import signal
import sys
import threading
import time
from collections.abc import Mapping
from types import FrameType

from wallet.bundles.engine.minting import IssuanceMinter
from wallet.bundles.engine.setup import WAIT_POLL_SECONDS, RuntimeParts, build_runtime
from wallet.bundles.handlers.base import Handler, ItemContext, ItemOutcome, Minter
from wallet.cli.local import local_engine
from wallet.server.settings import get_settings
from wallet.server.wiring import build_services


def instant(context: ItemContext, minter: Minter) -> ItemOutcome:
    """A department that decides at once and mints nothing."""
    return ItemOutcome(note_zh="即时办结（基准测试）")


class _Profiles:
    """cProfile in every thread (DBOS runs workflows and steps on its own threads), on
    when ``BUNDLE_BENCH_PROFILE`` names a file: the merged stats are dumped there at exit."""

    def __init__(self, path: str | None) -> None:
        self._path = path
        self._profiles: list[cProfile.Profile] = []
        self._guard = threading.Lock()
        if path:
            threading.setprofile(self._start)
            self._start_here()

    def _start_here(self) -> None:
        profile = cProfile.Profile(time.thread_time)  # CPU time: waits cost nothing
        with self._guard:
            self._profiles.append(profile)
        profile.enable()

    def _start(self, frame: FrameType, event: str, arg: object) -> None:
        sys.setprofile(None)
        self._start_here()

    def dump(self) -> None:
        if not self._path:
            return
        threading.setprofile(None)  # type: ignore[arg-type]
        with self._guard:
            profiles = list(self._profiles)
        merged = pstats.Stats(profiles[0])
        for profile in profiles[1:]:
            merged.add(profile)
        merged.dump_stats(f"{self._path}.{os.getpid()}")


def main() -> int:
    profiles = _Profiles(os.environ.get("BUNDLE_BENCH_PROFILE"))
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
            item_concurrency=settings.bundle_item_concurrency, wait_seconds=WAIT_POLL_SECONDS,
        )  # fmt: skip
        runtime.launch()
        try:
            print(f"bundle bench worker {settings.worker_id}: running", file=sys.stderr, flush=True)
            while not stop.wait(0.5):
                pass
        finally:
            runtime.destroy()
            profiles.dump()
    return 0


if __name__ == "__main__":
    sys.exit(main())
