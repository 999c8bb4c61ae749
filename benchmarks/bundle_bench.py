"""Newborn bundles completed per minute, and the engine's own cost per step.

Run: ``.venv/bin/python benchmarks/bundle_bench.py [--database-url URL] [--json]``

For each backend (SQLite always; PostgreSQL with ``--database-url``, whose role needs
CREATEDB: each run gets a throwaway database ``elicense_bench_<hex>``, dropped after)
and each worker count (``--workers 1,2``):

1. a fresh database, the sample issuers and clients, ``--applications`` synthetic
   families with their five certificates (benchmarks/bundle_seed.py);
2. W worker processes (benchmarks/bundle_worker.py: ``elicense worker``'s runtime with
   INSTANT department handlers by default, which decide at once and mint nothing, so
   the figure is the engine's; ``--handlers real`` runs the real ones, minting through
   IssuanceMinter), each with its own ``ELICENSE_WORKER_ID``;
3. NOT timed: one newborn application per family, filed through the bundle service
   (a DBOSClient dispatcher, as an API process without in-process workers), consent
   approved by both parents, every certificate pulled and verified and the form
   prefilled by the workers: each application waits for its submit;
4. timed: every application submitted (dispatch: 7 items each, in dependency order,
   on the item queue's global limit ``--item-concurrency``) until the last one
   completes, by the workers' own ``finished_at``.

Then benchmarks/bundle_step_overhead.py for each backend: a durable DBOS step against
a bare function call. Prints a table and, with ``--json``, one JSON line.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bundle_seed import bench_settings, drain, family, prepared, seed_applications

from issuers.clock import utc_now
from wallet.bundles.engine import ClientDispatcher

HERE = Path(__file__).resolve().parent
START_TIMEOUT_S = 60.0


@contextmanager
def fresh_database(admin_url: str | None, scratch: Path) -> Iterator[str]:
    """A SQLite file in ``scratch``, or a throwaway PostgreSQL database."""
    if admin_url is None:
        yield f"sqlite:///{scratch / 'bench.db'}"
        return
    name = f"elicense_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'"))
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name},
            )  # fmt: skip
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def start_workers(
    count: int, env: dict[str, str], handlers: str, scratch: Path
) -> list[tuple[subprocess.Popen[bytes], Path]]:
    """Start them one by one (each launch migrates DBOS's tables), each when the one
    before runs."""
    workers: list[tuple[subprocess.Popen[bytes], Path]] = []
    for index in range(count):
        log = scratch / f"worker-{index}.log"
        with log.open("wb") as handle:
            process = subprocess.Popen(
                [sys.executable, str(HERE / "bundle_worker.py"), "--handlers", handlers],
                env={**env, "ELICENSE_WORKER_ID": f"bench-{index}"},
                stdout=handle, stderr=subprocess.STDOUT,
            )  # fmt: skip
        workers.append((process, log))
        deadline = time.monotonic() + START_TIMEOUT_S
        while ": running" not in log.read_text("utf-8", "replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"worker {index} did not start:\n{log.read_text()}")
            time.sleep(0.1)
    return workers


def stop_workers(workers: list[tuple[subprocess.Popen[bytes], Path]]) -> None:
    for process, _ in workers:
        if process.poll() is None:
            process.terminate()
    for process, _ in workers:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def run_one(
    admin_url: str | None, workers: int, args: argparse.Namespace
) -> dict[str, Any]:  # fmt: skip
    import os

    with tempfile.TemporaryDirectory() as tmp, fresh_database(admin_url, Path(tmp)) as url:
        scratch = Path(tmp)
        settings, env = bench_settings(url, str(scratch / "var"))
        env = {k: v for k, v in os.environ.items() if not k.startswith("ELICENSE_")} | env
        env["ELICENSE_BUNDLE_ITEM_CONCURRENCY"] = str(args.item_concurrency)
        services = prepared(settings)
        dispatcher = ClientDispatcher(url)
        running: list[tuple[subprocess.Popen[bytes], Path]] = []
        try:
            now = utc_now()
            families = [family(services, k, now) for k in range(args.applications)]
            running = start_workers(workers, env, args.handlers, scratch)
            services.bundles.use_dispatcher(dispatcher)
            ids = seed_applications(services, families, args.timeout)
            started, last = drain(services, ids, families, args.timeout)
        finally:
            stop_workers(running)
            dispatcher.close()
            services.engine.dispose()
    seconds = (last - started).total_seconds()
    items = len(services.bundles.definitions["newborn"].items)
    return {
        "backend": "postgresql" if admin_url else "sqlite", "workers": workers,
        "applications": args.applications, "items_per_application": items,
        "handlers": args.handlers, "item_concurrency": args.item_concurrency,
        "seconds": round(seconds, 2),
        "bundles_per_minute": round(args.applications / seconds * 60, 1),
        "items_per_second": round(args.applications * items / seconds, 1),
    }  # fmt: skip


def step_overhead(database_url: str | None, steps: int) -> dict[str, Any]:
    argv = [sys.executable, str(HERE / "bundle_step_overhead.py"), "--json", "--steps", str(steps)]
    if database_url:
        argv += ["--database-url", database_url]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=True)
    line = next(x for x in done.stdout.splitlines() if x.startswith("{"))
    result: dict[str, Any] = json.loads(line)["bundle_step_overhead"]
    return result


def show(rows: list[dict[str, Any]], overhead: list[dict[str, Any]], args: Any) -> None:
    print(
        f"newborn bundles ({rows[0]['items_per_application']} items each), {args.handlers} "
        f"department handlers, item concurrency {args.item_concurrency}"
    )
    columns = ("backend", "workers", "applications", "seconds", "bundles_per_minute",
               "items_per_second")  # fmt: skip
    widths = (10, 7, 12, 8, 18, 16)
    print(" ".join(f"{c:>{w}}" for c, w in zip(columns, widths, strict=True)))
    for row in rows:
        print(" ".join(f"{row[c]!s:>{w}}" for c, w in zip(columns, widths, strict=True)))
    for result in overhead:
        print(
            f"{result['backend']}: a durable step {result['step_us']} µs, a bare call "
            f"{result['bare_call_us']} µs: the engine costs {result['overhead_us']} µs a "
            f"step ({result['ratio']}× the bare call)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None, help="PostgreSQL (adds its rows)")
    parser.add_argument("--applications", type=int, default=40)
    parser.add_argument("--workers", default="1,2", help="worker counts, comma-separated")
    parser.add_argument("--handlers", choices=("instant", "real"), default="instant")
    parser.add_argument("--item-concurrency", type=int, default=8)
    parser.add_argument("--steps", type=int, default=200, help="steps per overhead round")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per phase")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    backends: list[str | None] = [None] + ([args.database_url] if args.database_url else [])
    counts = [int(c) for c in args.workers.split(",") if c.strip()]
    rows = [run_one(url, count, args) for url in backends for count in counts]
    overhead = [step_overhead(url, args.steps) for url in backends]

    show(rows, overhead, args)
    if args.json:
        print(json.dumps({"bundle_bench": {"runs": rows, "step_overhead": overhead}}))


if __name__ == "__main__":
    main()
