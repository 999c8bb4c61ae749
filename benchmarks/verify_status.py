"""The cost of the status check: verify with it against verify without it.

Run: ``.venv/bin/python benchmarks/verify_status.py``

Medians over interleaved rounds, in one run:

* verify_qr without a status check (the baseline);
* with the edge check: the issuer's status list already fetched, verified and held in
  memory (what an offline inspector does between syncs): a 2-bit read;
* with the online check against this server's registry (SQLite), lists held 1 s.

Target (issue 3): with the status check, within 1.2x of without.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from issuers.formats.cwt import StatusReference
from issuers.formats.status_list import StatusList
from issuers.registry import IssuerInfo
from issuers.store.database import make_engine
from issuers.store.issuance import IssuanceService
from issuers.store.key_resolver import DatabaseKeyResolver
from issuers.store.status_checker import DatabaseStatusChecker
from verifiers.qr import verify_qr
from wallet.server import demo
from wallet.server.schema import ensure_schema

NOW = datetime(2026, 11, 1, tzinfo=UTC)
BASE = "http://127.0.0.1:8000"


class InMemoryStatus:
    """A verified status list held in memory, as an offline verifier keeps it."""

    def __init__(self, lists: dict[str, StatusList]) -> None:
        self._lists = lists

    def status_of(self, reference: StatusReference, now: datetime, issuer: IssuerInfo) -> int:
        return self._lists[reference.uri].get(reference.idx)


def median_us(fn: Callable[[], object], rounds: int, batch: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        for _ in range(batch):
            fn()
        samples.append((time.perf_counter_ns() - start) / batch / 1000)
    return samples


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        ensure_schema(engine)
        service = IssuanceService(engine, bytes(32), lambda: NOW, public_base_url=BASE)
        item = next(c for c in demo.load_json("certificates.json") if c["type"] == "resident_id")
        for info in demo.sample_issuers():
            service.register_issuer(info)
        minted = service.mint("resident_id", item["issuer"], item["fields"])
        reference = minted.record.status
        assert reference is not None
        memory_list = StatusList(1 << 17)
        keys = DatabaseKeyResolver(engine, ttl_seconds=1e9)
        edge = InMemoryStatus({reference.uri: memory_list})
        online = DatabaseStatusChecker(engine, BASE)
        qr = minted.qr
        subjects: dict[str, Callable[[], object]] = {
            "verify, no status check": lambda: verify_qr(qr, keys=keys, now=NOW),
            "verify + cached status list": lambda: verify_qr(qr, keys=keys, now=NOW, status=edge),
            "verify + online (1 s cache)": lambda: verify_qr(qr, keys=keys, now=NOW, status=online),
        }
        for fn in subjects.values():
            median_us(fn, 2, 100)  # warm-up
        samples: dict[str, list[float]] = {name: [] for name in subjects}
        for _ in range(25):
            for name, fn in subjects.items():
                samples[name].extend(median_us(fn, 1, 200))
        engine.dispose()
    medians = {name: statistics.median(values) for name, values in samples.items()}
    base = medians["verify, no status check"]
    for name, value in medians.items():
        print(f"{name:32s} median {value:7.1f} µs   ratio {value / base:5.2f}x")
    cached = medians["verify + cached status list"] / base
    online = medians["verify + online (1 s cache)"] / base
    print(f"RATIO with cached status list / without = {cached:.2f} (target <= 1.2)")
    print(f"RATIO with online registry / without    = {online:.2f} (target <= 1.2)")


if __name__ == "__main__":
    main()
