"""The workflow engine's own cost per step, against a bare function call.

Run: ``.venv/bin/python benchmarks/bundle_step_overhead.py [--database-url URL]``

One DBOS Transact workflow runs ``--steps`` steps that each do nothing but add one
(the instant department handler); the same loop of bare calls is the floor. DBOS
checkpoints every step's output in its system database before the next starts, so
the difference is what durability costs a bundle item: one write per step (and one
for the workflow's start and end). SQLite by default (a file in a temporary
directory), PostgreSQL with ``--database-url postgresql+psycopg://...`` (the system
tables go to a schema of their own, dropped afterwards). Prints the medians over
``--rounds`` rounds and the ratio; ``--json`` adds one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from dbos import DBOS

from wallet.bundles.engine.sqlite_system import sqlite_system_engine


def _add_one(value: int) -> int:
    return value + 1


@DBOS.step()
def _durable_add_one(value: int) -> int:
    return value + 1


@DBOS.workflow()
def _steps_workflow(steps: int) -> int:
    total = 0
    for _ in range(steps):
        total = _durable_add_one(total)
    return total


def _bare(steps: int) -> float:
    started = time.perf_counter()
    total = 0
    for _ in range(steps):
        total = _add_one(total)
    assert total == steps
    return time.perf_counter() - started


def _durable(steps: int) -> float:
    started = time.perf_counter()
    assert _steps_workflow(steps) == steps
    return time.perf_counter() - started


def measure(
    database_url: str | None, steps: int, rounds: int, engine: str = "elicense"
) -> dict[str, float | str]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as scratch:
        url = database_url or f"sqlite:///{Path(scratch) / 'dbos.sqlite'}"
        backend = "postgresql" if url.startswith("postgresql") else "sqlite"
        config = {"name": "elicense-bench", "system_database_url": url, "log_level": "WARNING"}
        if backend == "postgresql":
            config["dbos_system_schema"] = schema
        system_engine = None
        if backend == "sqlite" and engine == "elicense":
            system_engine = sqlite_system_engine(url)  # as the bundle runtime opens it
            config["system_database_engine"] = system_engine
        DBOS(config=config)  # type: ignore[arg-type]
        DBOS.launch()
        try:
            _durable(10)  # warm-up: the first workflow pays for connections and caches
            durable = [_durable(steps) / steps for _ in range(rounds)]
            bare = [_bare(steps) / steps for _ in range(rounds)]
        finally:
            DBOS.destroy()
            if system_engine is not None:
                system_engine.dispose()
            if backend == "postgresql":
                _drop_schema(url, schema)
    durable_us = statistics.median(durable) * 1e6
    bare_us = statistics.median(bare) * 1e6
    return {
        "backend": backend,
        "engine": engine if backend == "sqlite" else "dbos",
        "step_us": round(durable_us, 1),
        "bare_call_us": round(bare_us, 3),
        "overhead_us": round(durable_us - bare_us, 1),
        "ratio": round(durable_us / bare_us, 1),
    }


def _drop_schema(url: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--engine", choices=("elicense", "dbos"), default="elicense",
        help="SQLite: the bundle runtime's system engine (WAL, queued writers) or DBOS's own",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = measure(args.database_url, args.steps, args.rounds, args.engine)
    print(
        f"{result['backend']}: a durable step {result['step_us']} µs, a bare call "
        f"{result['bare_call_us']} µs: the engine costs {result['overhead_us']} µs a step "
        f"({result['ratio']}× the bare call)"
    )
    if args.json:
        print(json.dumps({"bundle_step_overhead": result}))


if __name__ == "__main__":
    main()
