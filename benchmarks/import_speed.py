"""Bulk import, as a user runs it: ``elicense import FILE`` into SQLite and PostgreSQL
(suite ``import``).

Run alone: ``.venv/bin/python benchmarks/import_speed.py [--quick] [--count N]
[--workers N] [--no-sqlite] [--no-postgres]``

A JSON Lines file of ``count`` resident ID cards of distinct synthetic people is
written first (not timed); a fresh database gets the schema and the sample issuers;
then the installed ``elicense import`` runs in a subprocess and its own summary gives
the time, certificates/s and the database's size. The floor, measured in the same
run: build + sign alone, in this process (``benchmarks/mint_speed.py``). The issue's
target is 1,000,000 into PostgreSQL in <= 6 minutes (2,778 certificates/s), and the
whole ``python -m benchmarks`` should fit in 10 minutes: so the suite imports the full
1,000,000 into PostgreSQL, which carries the target, and 100,000 into SQLite (20,000
each with ``--quick``), and reports what it measured at that size: nothing is
extrapolated. ``--count N`` imports N into each (``--count 1000000 --no-postgres``: the
million into SQLite).
PostgreSQL: a throwaway database (:mod:`benchmarks.bench_postgres`), skipped with the
reason when none is reachable. Files and databases are deleted afterwards.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_postgres import bench_database
from benchmarks.harness import Figure, Run, Target
from benchmarks.mint_speed import ISSUER, build_and_sign, person
from issuers.clock import utc_now
from issuers.store.database import make_engine
from issuers.store.issuance import IssuanceService
from wallet.server import demo
from wallet.server.schema import ensure_schema

ELICENSE = Path(sys.executable).with_name("elicense")
MASTER_KEY = bytes(range(32))  # a benchmark's throwaway database only
TARGET_PER_SECOND = 1_000_000 / 360  # 1M in 6 minutes
QUICK_COUNT, SQLITE_COUNT, POSTGRES_COUNT = 20_000, 100_000, 1_000_000


def write_lines(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            item = {"type": "resident_id", "issuer": ISSUER, "fields": person(n)}
            out.write(json.dumps(item, ensure_ascii=False) + "\n")


def prepare_database(url: str) -> None:
    engine = make_engine(url)
    try:
        ensure_schema(engine)
        service = IssuanceService(engine, MASTER_KEY, utc_now)
        for info in demo.sample_issuers():
            service.register_issuer(info)
    finally:
        engine.dispose()


def run_import(url: str, source: Path, workers: int, tmp: Path) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ELICENSE_")}
    env |= {
        "ELICENSE_DATABASE_URL": url,
        "ELICENSE_MASTER_KEY": base64.b64encode(MASTER_KEY).decode(),
        "ELICENSE_DATA_DIR": str(tmp / "var"),
    }
    argv = [str(ELICENSE), "import", str(source), "--json", "--workers", str(workers)]
    # Its progress lines go to our stderr as they come; its summary (stdout) is read.
    done = subprocess.run(argv, env=env, stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"elicense import failed with exit code {done.returncode}")
    summary: dict[str, Any] = json.loads(done.stdout)
    return summary


def figure(label: str, summary: dict[str, Any], floor: float, workers: int) -> Figure:
    count, secs = summary["minted"], summary["seconds"]
    target = Target(TARGET_PER_SECOND, ">=", "ours") if label == "PostgreSQL" else None
    note = (
        f"{count:,} certificates in {secs:.1f} s, database "
        f"{summary['database_bytes'] / 2**20:,.0f} MiB; elicense import --workers {workers}; "
        "target: 1,000,000 in <= 360 s"
    )
    rate = summary["certificates_per_second"]
    return Figure("import", f"bulk import of {count:,} ({label})", rate, floor,
                  "certificates/s", "build + sign alone", target, note)  # fmt: skip


def figures(
    run: Run, *, count: int | None = None, workers: int = 0, sqlite: bool = True,
    postgres: bool = True,
) -> list[Figure]:  # fmt: skip
    quick = QUICK_COUNT if run.quick else None
    sqlite_count = count or quick or SQLITE_COUNT
    postgres_count = count or quick or POSTGRES_COUNT
    out: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="elicense-import-") as name:
        tmp = Path(name)
        source = tmp / "people.jsonl"
        run.progress(f"writing {postgres_count:,} lines")
        write_lines(source, postgres_count)
        run.progress("floor: build + sign alone")
        floor = build_and_sign(5000)
        if sqlite:
            url = f"sqlite:///{tmp}/import.db"
            prepare_database(url)
            head = tmp / "head.jsonl"
            write_lines(head, sqlite_count)
            run.progress(f"SQLite: elicense import of {sqlite_count:,}")
            out.append(figure("SQLite", run_import(url, head, workers, tmp), floor, workers))
        if postgres:
            with bench_database("import") as (pg_url, why_not):
                if pg_url is None:
                    run.progress(f"PostgreSQL skipped: {why_not}")
                else:
                    prepare_database(pg_url)
                    run.progress(f"PostgreSQL: elicense import of {postgres_count:,}")
                    summary = run_import(pg_url, source, workers, tmp)
                    out.append(figure("PostgreSQL", summary, floor, workers))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--count", type=int)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    run = Run(quick=args.quick, suite="import")
    for f in figures(run, count=args.count, workers=args.workers, sqlite=not args.no_sqlite,
                     postgres=not args.no_postgres):  # fmt: skip
        print(f"{f.name:<40} {f.ours:8.0f} {f.unit}  floor {f.floor:6.0f}  ratio {f.ratio:.2f}")
        print(f"  {f.note}")


if __name__ == "__main__":
    main()
