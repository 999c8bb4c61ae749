"""Mint throughput through the issuance service with the database (suite ``mint``).

Run alone: ``.venv/bin/python benchmarks/mint_speed.py [--quick] [--no-postgres]``

Interleaved rounds, medians, on a fresh SQLite file and a fresh PostgreSQL database
(:mod:`benchmarks.bench_postgres`; skipped with the reason when none is reachable, or
with ``--no-postgres``), resident ID cards of distinct synthetic people:

* the floor: build + sign alone (validate the fields, build the record, CWT claims,
  COSE_Sign1 with Ed25519, zlib, Base45), no database;
* durable mint, one transaction each (:meth:`IssuanceService.mint`: serial, status
  index, sign, insert, commit);
* durable batch mint, one transaction per ``BATCH`` certificates
  (:func:`issuers.store.batch_mint.mint_batch`), what a bulk caller gets. The issue's
  target: >= 3,000 certificates/s per process.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_postgres import bench_database
from benchmarks.harness import Figure, Run, Target
from issuers.catalogue import get_type
from issuers.codes.gb11643 import make_resident_id
from issuers.crypto.keys import SigningKey
from issuers.formats.cwt import StatusReference
from issuers.minting import build_record, sign_qr
from issuers.store.batch_mint import MintRequest, mint_batch
from issuers.store.database import make_engine
from issuers.store.issuance import IssuanceService
from wallet.server import demo
from wallet.server.schema import ensure_schema

NOW = datetime(2026, 11, 1, tzinfo=UTC)
ISSUER = "113100000000000017"  # 上海市公安局 in samples/issuers.json
BATCH = 1000
TARGET = Target(3000, ">=", "ours")


def person(n: int) -> dict[str, Any]:
    """A synthetic resident (valid GB 11643 number; sex follows its sequence code), a
    different one for each n below 17,982,000 (``elicense import`` mints an identical
    line once)."""
    born = date(1950, 1, 1) + timedelta(days=n % 18000)
    sequence = n // 18000 % 999 + 1
    return {
        "name": "测试",
        "sex": 1 if sequence % 2 else 2,
        "ethnicity": "01",
        "birth_date": born.isoformat(),
        "address": "上海市徐汇区示范路100弄1号",
        "id_number": make_resident_id("310104", born, sequence),
        "issuing_authority": "上海市公安局徐汇分局",
    }


def requests(count: int, start: int = 0) -> list[MintRequest]:
    return [MintRequest("resident_id", ISSUER, person(start + i)) for i in range(count)]


def build_and_sign(count: int) -> float:
    """Certificates/s of validate + build + sign alone."""
    certificate_type = get_type("resident_id")
    issuer = next(i for i in demo.sample_issuers() if i.uscc == ISSUER)
    key = SigningKey.generate()
    batch = [person(n) for n in range(count)]
    start = time.perf_counter()
    for serial, fields in enumerate(batch, 1):
        parsed = certificate_type.parse_fields(fields)
        status = StatusReference(serial, f"http://127.0.0.1:8000/status/{ISSUER}/1")
        record = build_record(
            certificate_type, issuer, parsed, serial=serial, now=NOW, status=status
        )
        sign_qr(record, key)
    return count / (time.perf_counter() - start)


class Durable:
    """An issuance service on one database, minting people not minted before."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        ensure_schema(self.engine)
        self.service = IssuanceService(self.engine, bytes(32), lambda: NOW)
        for info in demo.sample_issuers():
            self.service.register_issuer(info)
        self.next = 0

    def _take(self, count: int) -> list[MintRequest]:
        taken = requests(count, self.next)
        self.next += count
        return taken

    def single(self, count: int) -> float:
        todo = self._take(count)
        start = time.perf_counter()
        for r in todo:
            self.service.mint(r.type_ref, r.issuer_uscc, r.fields)
        return count / (time.perf_counter() - start)

    def batched(self, count: int) -> float:
        todo = self._take(count)
        start = time.perf_counter()
        for i in range(0, count, BATCH):
            mint_batch(self.service, todo[i : i + BATCH])
        return count / (time.perf_counter() - start)


def measure(
    run: Run, url: str, label: str, rounds: int, singles: int, batched: int
) -> list[Figure]:
    durable = Durable(url)
    samples: dict[str, list[float]] = {"floor": [], "single": [], "batched": []}
    subjects: dict[str, Callable[[], float]] = {
        "floor": lambda: build_and_sign(batched),
        "single": lambda: durable.single(singles),
        "batched": lambda: durable.batched(batched),
    }
    cpu: dict[str, list[float]] = {name: [] for name in subjects}  # this process, µs each
    counts = {"floor": batched, "single": singles, "batched": batched}
    for n in range(rounds):
        for name, fn in subjects.items():
            run.progress(f"{label}: round {n + 1}/{rounds}, {name}")
            started = time.process_time()
            samples[name].append(fn())
            cpu[name].append((time.process_time() - started) / counts[name] * 1e6)
    durable.engine.dispose()
    # The wall-clock rates are what counts; the CPU per certificate says how much of a
    # rate a busy shared machine took away (a core of our own would give 1e6 / CPU µs).
    used = {name: statistics.median(values) for name, values in cpu.items()}
    cpu_note = (
        f"; this process's CPU per certificate {used['batched']:.0f} µs batched, "
        f"{used['single']:.0f} µs single, {used['floor']:.0f} µs build+sign"
    )
    floor = statistics.median(samples["floor"])
    floor_name = "build + sign alone (no database)"
    rounds_note = f"median of {rounds} interleaved rounds"
    return [
        Figure(
            "mint", f"durable mint, 1 transaction each ({label})",
            statistics.median(samples["single"]), floor, "certificates/s", floor_name,
            note=f"{singles} a round, {rounds_note}{cpu_note}",
        ),
        Figure(
            "mint", f"durable batch mint, {BATCH} a transaction ({label})",
            statistics.median(samples["batched"]), floor, "certificates/s", floor_name,
            target=TARGET, note=f"{batched} a round, {rounds_note}{cpu_note}",
        ),
    ]  # fmt: skip


def figures(
    run: Run, *, postgres: bool = True, rounds: int | None = None, count: int | None = None
) -> list[Figure]:
    """``count`` certificates a round batched (a tenth of it one by one), ``rounds``
    interleaved rounds: 5 x 5,000 by default, 3 x 2,000 quick."""
    rounds = rounds or (3 if run.quick else 5)
    batched = count or (2000 if run.quick else 5000)
    singles = max(batched // 10, 1)
    out = []
    with tempfile.TemporaryDirectory(prefix="elicense-mint-") as tmp:
        out += measure(run, f"sqlite:///{tmp}/mint.db", "SQLite", rounds, singles, batched)
    if not postgres:
        return out
    with bench_database("mint") as (url, why_not):
        if url is None:
            run.progress(f"PostgreSQL skipped: {why_not}")
        else:
            out += measure(run, url, "PostgreSQL", rounds, singles, batched)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--count", type=int, help="certificates a round, batched")
    args = parser.parse_args()
    run = Run(quick=args.quick, suite="mint")
    for f in figures(run, postgres=not args.no_postgres, rounds=args.rounds, count=args.count):
        print(f"{f.name:<48} {f.ours:8.0f} {f.unit}  floor {f.floor:6.0f}  ratio {f.ratio:.2f}")
        print(f"  {f.note}")


if __name__ == "__main__":
    main()
