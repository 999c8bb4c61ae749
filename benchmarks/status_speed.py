"""Status lists: 10^7 entries built and signed (suite ``status``; target <= 3 s).

Run alone: ``.venv/bin/python benchmarks/status_speed.py [--quick]``

What a publisher does for one list (:meth:`PublicationService.signed_status_list`): a
fresh 2-bit :class:`StatusList` of 10^7 entries, its non-valid entries set from the
(idx, value) pairs the database hands back (1 % INVALID, 0.1 % SUSPENDED), compressed
(zlib level 9; run-length strategy past 1 MiB: :meth:`StatusList.compressed`) and
signed as a Status List Token, JWT and CWT, with Ed25519. The floor, measured in the
same run: signing the already compressed list alone (the CWT's claims encoded with the
``lst`` ready, and the COSE_Sign1 signature). Medians of interleaved rounds.
``--quick``: 10^6 entries.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cbor2

from benchmarks.harness import Figure, Run, Target
from issuers.crypto.keys import SigningKey
from issuers.formats import cose_sign1
from issuers.formats.status_list import StatusList, StatusListToken, StatusType
from issuers.formats.status_list_token import sign_cwt, sign_jwt

NOW = datetime(2026, 11, 1, tzinfo=UTC)
URI = "https://status.example.gov.cn/status/113100000000000017/1"
TARGET = Target(3.0, "<=", "ours")


def entries(size: int, seed: int = 20261101) -> list[tuple[int, int]]:
    """The non-valid (idx, value) pairs: 1 % INVALID, 0.1 % SUSPENDED."""
    rng = random.Random(seed)
    chosen = rng.sample(range(size), size // 100 + size // 1000)
    return [
        (idx, StatusType.INVALID if n < size // 100 else StatusType.SUSPENDED)
        for n, idx in enumerate(chosen)
    ]


def token(size: int, pairs: list[tuple[int, int]]) -> StatusListToken:
    status_list = StatusList(size, 2)
    for idx, value in pairs:
        status_list.set(idx, value)
    return StatusListToken(
        uri=URI, issued_at=NOW, status_list=status_list,
        expires=NOW + timedelta(days=1), ttl=300,
    )  # fmt: skip


def seconds(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def figures(run: Run, *, size: int | None = None, rounds: int | None = None) -> list[Figure]:
    size = size or (10**6 if run.quick else 10**7)
    rounds = rounds or (3 if run.quick else 5)
    key = SigningKey.from_seed(hashlib.sha256(b"elicense benchmark key (TEST ONLY)").digest())
    pairs = entries(size)
    run.progress(f"{size:,} entries, {len(pairs):,} not valid")
    built = token(size, pairs)
    lst = built.status_list.compressed()
    ready = cbor2.dumps({2: URI, 6: 1793491200, 4: 1793577600, 65534: 300,
                         65533: {"bits": 2, "lst": lst}})  # fmt: skip
    subjects: dict[str, Callable[[], object]] = {
        "jwt": lambda: sign_jwt(token(size, pairs), key),
        "cwt": lambda: sign_cwt(token(size, pairs), key),
        "floor": lambda: cose_sign1.sign(ready, key, kid=b"k", extra_protected={16: "x"}),
    }
    samples: dict[str, list[float]] = {name: [] for name in subjects}
    for n in range(rounds):
        run.progress(f"round {n + 1}/{rounds}")
        for name, fn in subjects.items():
            samples[name].append(seconds(fn))
    floor = statistics.median(samples["floor"])
    jwt_size, cwt_size = len(sign_jwt(built, key)), len(sign_cwt(built, key))
    note = (
        f"{size:,} entries at 2 bits, 1 % INVALID + 0.1 % SUSPENDED; compressed lst "
        f"{len(lst):,} B (JWT {jwt_size:,} chars, CWT {cwt_size:,} B); median of {rounds}"
    )
    name = f"{size:.0e}".replace("+0", "")
    return [
        Figure("status", f"status list of {name} entries built and signed (JWT)",
               statistics.median(samples["jwt"]), floor, "s",
               "signing the compressed list alone", TARGET, note),
        Figure("status", f"status list of {name} entries built and signed (CWT)",
               statistics.median(samples["cwt"]), floor, "s",
               "signing the compressed list alone", TARGET, note),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--entries", type=int)
    parser.add_argument("--rounds", type=int)
    args = parser.parse_args()
    run = Run(quick=args.quick, suite="status")
    for f in figures(run, size=args.entries, rounds=args.rounds):
        verdict = "met" if f.met else "MISSED"
        print(f"{f.name:<52} {f.ours:7.3f} s  floor {f.floor * 1000:6.2f} ms  "
              f"ratio {f.ratio:7.1f}  target {f.target}: {verdict}")  # fmt: skip
        print(f"  {f.note}")


if __name__ == "__main__":
    main()
