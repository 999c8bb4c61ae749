"""Newborn bundles completed per minute, where an item's time goes, and the engine's
own cost per step.

Run (SQLite and PostgreSQL, 1 and 2 workers, 3 rounds; some 6 minutes on 2 cores)::

    .venv/bin/python benchmarks/bundle_bench.py \
        --database-url postgresql+psycopg://elicense:elicense@127.0.0.1:5432/elicense_test

For each round, backend (SQLite always; PostgreSQL with ``--database-url``, whose role
needs CREATEDB: each run gets a throwaway database ``elicense_bench_<hex>``, dropped
after) and worker count (``--workers 1,2``):

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
   completes, by the workers' own ``finished_at``; the workers' CPU time over that
   phase, per item; where an item's time went, from DBOS's own step records
   (benchmarks/bundle_timings.py: queue wait, its step, the parent noticing).

Prints, per backend and worker count, the round of median time (and every round's
figure), the ratio of 2 workers to 1, the timings, and then
benchmarks/bundle_step_overhead.py: a durable DBOS step against a bare call, on
SQLite with the bundle runtime's system engine and with DBOS's own, and on
PostgreSQL. ``--json`` adds one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
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
from bundle_timings import item_timings

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


def cpu_seconds(pid: int) -> float:
    """The process's user + system CPU time (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
            cpu_before = sum(cpu_seconds(p.pid) for p, _ in running)
            started, last = drain(services, ids, families, args.timeout)
            cpu = sum(cpu_seconds(p.pid) for p, _ in running) - cpu_before
        finally:
            stop_workers(running)
            dispatcher.close()
            services.engine.dispose()
        timings = item_timings(url)
    seconds = (last - started).total_seconds()
    items = len(services.bundles.definitions["newborn"].items)
    return {
        "backend": "postgresql" if admin_url else "sqlite", "workers": workers,
        "applications": args.applications, "items_per_application": items,
        "handlers": args.handlers, "item_concurrency": args.item_concurrency,
        "seconds": round(seconds, 2),
        "bundles_per_minute": round(args.applications / seconds * 60, 1),
        "items_per_second": round(args.applications * items / seconds, 1),
        "worker_cpu_ms_per_item": round(cpu * 1000 / (args.applications * items), 1),
        "timings": timings,
    }  # fmt: skip


def step_overhead(database_url: str | None, steps: int, engine: str) -> dict[str, Any]:
    argv = [sys.executable, str(HERE / "bundle_step_overhead.py"), "--json", "--steps", str(steps),
            "--engine", engine]  # fmt: skip
    if database_url:
        argv += ["--database-url", database_url]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=True)
    line = next(x for x in done.stdout.splitlines() if x.startswith("{"))
    result: dict[str, Any] = json.loads(line)["bundle_step_overhead"]
    return result


def summarise(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per backend and worker count: the round of median time (its figures and
    timings), every round's bundles per minute, the median CPU per item."""
    rows = []
    for key in dict.fromkeys((r["backend"], r["workers"]) for r in runs):
        rounds = [r for r in runs if (r["backend"], r["workers"]) == key]
        middle = sorted(rounds, key=lambda r: r["seconds"])[(len(rounds) - 1) // 2]
        cpu = statistics.median(r["worker_cpu_ms_per_item"] for r in rounds)
        rows.append(middle | {"worker_cpu_ms_per_item": round(cpu, 1), "rounds": len(rounds),
                              "each_round": [r["bundles_per_minute"] for r in rounds]})  # fmt: skip
    return rows


def scaling(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Bundles per minute with 2 workers over 1, per backend (when both ran)."""
    rates = {(r["backend"], r["workers"]): r["bundles_per_minute"] for r in rows}
    return {
        backend: round(rates[(backend, 2)] / rates[(backend, 1)], 2)
        for backend, workers in rates
        if workers == 1 and (backend, 2) in rates
    }


def show(rows: list[dict[str, Any]], overhead: list[dict[str, Any]], args: Any) -> None:
    print(
        f"newborn bundles ({rows[0]['items_per_application']} items each), {args.handlers} "
        f"department handlers, item concurrency {args.item_concurrency}, "
        f"median of {args.rounds} round(s)"
    )
    columns = ("backend", "workers", "applications", "seconds", "bundles_per_minute",
               "items_per_second", "worker_cpu_ms_per_item", "each_round")  # fmt: skip
    widths = (10, 7, 12, 7, 18, 16, 22, 0)
    print(" ".join(f"{c:>{w}}" for c, w in zip(columns, widths, strict=True)))
    for row in rows:
        print(" ".join(f"{row[c]!s:>{w}}" for c, w in zip(columns, widths, strict=True)))
    for backend, ratio in scaling(rows).items():
        print(f"{backend}: 2 workers / 1 worker = {ratio}× the bundles per minute")
    print("where an item's time goes (ms, median / p90, the median round):")
    for row in rows:
        t = row["timings"]
        print(
            f"  {row['backend']:>10} {row['workers']}w: queue wait {_mp(t['queue_wait_ms'])}, "
            f"its step {_mp(t['step_ms'])}, the parent noticing {_mp(t['notice_ms'])}; "
            f"an application's items {_mp(t['application_span_ms'])}"
        )
    print("the engine's own cost per step (a DBOS step doing nothing against a bare call):")
    for result in overhead:
        print(
            f"  {result['backend']:>10} ({result['engine']} system engine): a durable step "
            f"{result['step_us']} µs, a bare call {result['bare_call_us']} µs: "
            f"{result['overhead_us']} µs a step ({result['ratio']}×)"
        )


def _mp(summary: dict[str, float]) -> str:
    return f"{summary['median']:.0f}/{summary['p90']:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None, help="PostgreSQL (adds its rows)")
    parser.add_argument("--applications", type=int, default=40)
    parser.add_argument("--workers", default="1,2", help="worker counts, comma-separated")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each; medians")
    parser.add_argument("--handlers", choices=("instant", "real"), default="instant")
    parser.add_argument("--item-concurrency", type=int, default=8)
    parser.add_argument("--steps", type=int, default=200, help="steps per overhead round")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per phase")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    backends: list[str | None] = [None] + ([args.database_url] if args.database_url else [])
    counts = [int(c) for c in args.workers.split(",") if c.strip()]
    runs = [
        run_one(url, count, args)
        for _ in range(args.rounds) for url in backends for count in counts
    ]  # fmt: skip
    rows = summarise(runs)
    overhead = [
        step_overhead(None, args.steps, "elicense"),
        step_overhead(None, args.steps, "dbos"),
    ]
    overhead += [step_overhead(url, args.steps, "dbos") for url in backends if url]

    show(rows, overhead, args)
    if args.json:
        print(json.dumps({"bundle_bench": {
            "runs": rows, "scaling_2_over_1": scaling(rows), "step_overhead": overhead,
        }}))  # fmt: skip


if __name__ == "__main__":
    main()
