"""Token Status List size and speed: 1,000,000 entries with 1 % INVALID.

Run: ``.venv/bin/python benchmarks/status_list_size.py`` (``--entries``, ``--rate``,
``--seed``, ``--rounds`` to vary it).

For 2-bit lists (what DESIGN.md publishes) and 1-bit lists, it prints:

* build time: a fresh list, the INVALID entries set one by one, zlib level 9
  (median of ``--rounds``);
* the compressed ``lst`` in bytes and KiB, next to draft-ietf-oauth-status-list-18
  Appendix B, Table 1 ("1M" entries, "1%": 13.7 KB). That table gives 122.1 KB for
  50 % and 144 B for 100 %, which is what a 1-bit list of 10^6 entries compresses to
  (10^6 bits = 122.07 KiB), so its figures are for 1-bit lists and KiB;
* the signed JWT (text) and CWT (bytes) with Ed25519, and the median time to verify
  each (signature, claims, bounded inflate).
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

from issuers.crypto.keys import SigningKey
from issuers.formats.status_list import StatusList, StatusListToken, StatusType
from issuers.formats.status_list_token import sign_cwt, sign_jwt, verify_cwt, verify_jwt
from issuers.registry import IssuerInfo, StaticKeyResolver, TrustedKey

NOW = datetime(2026, 11, 1, tzinfo=UTC)
URI = "https://status.example.gov.cn/statuslists/1"
DRAFT_TABLE_1_1M_1PCT_KIB = 13.7  # Appendix B, Table 1: 1M entries, 1 % revoked


def median_ms(fn: Callable[[], object], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - start) / 1e6)
    return statistics.median(samples)


def build(entries: int, bits: int, invalid: list[int]) -> tuple[StatusList, bytes]:
    status_list = StatusList(entries, bits)
    for idx in invalid:
        status_list.set(idx, StatusType.INVALID)
    return status_list, status_list.compressed()


def report(entries: int, bits: int, rate: float, seed: int, rounds: int) -> None:
    invalid = random.Random(seed).sample(range(entries), round(entries * rate))
    build_ms = median_ms(lambda: build(entries, bits, invalid), rounds)
    status_list, compressed = build(entries, bits, invalid)
    key = SigningKey.from_seed(hashlib.sha256(b"elicense benchmark key (TEST ONLY)").digest())
    issuer = IssuerInfo("91310115591693856A", "示例", "Example", "310115", frozenset())
    keys = StaticKeyResolver([TrustedKey(key.public, issuer)])
    token = StatusListToken(
        uri=URI,
        issued_at=NOW,
        expires=NOW + timedelta(days=1),
        ttl=43200,
        status_list=status_list,
    )
    jwt, cwt = sign_jwt(token, key), sign_cwt(token, key)
    assert verify_jwt(jwt, keys=keys, now=NOW).status_list == status_list
    assert verify_cwt(cwt, keys=keys, now=NOW).status_list == status_list
    verify_rounds = max(rounds, 20)
    jwt_ms = median_ms(lambda: verify_jwt(jwt, keys=keys, now=NOW), verify_rounds)
    cwt_ms = median_ms(lambda: verify_cwt(cwt, keys=keys, now=NOW), verify_rounds)

    print(f"== {entries:,} entries, {bits}-bit, {len(invalid):,} INVALID ({rate:.2%}) ==")
    print(f"raw byte array        {len(status_list.to_bytes()):>9,} B")
    print(f"build (set + zlib 9)  {build_ms:>9.1f} ms   median of {rounds}")
    kib = len(compressed) / 1024
    print(
        f"compressed lst        {len(compressed):>9,} B = {kib:.1f} KiB"
        f"   draft Appendix B (1-bit, 1M, 1%): {DRAFT_TABLE_1_1M_1PCT_KIB} KB"
        f"   ratio {kib / DRAFT_TABLE_1_1M_1PCT_KIB:.2f}"
    )
    print(f"signed JWT            {len(jwt):>9,} chars ({len(jwt) / 1024:.1f} KiB)")
    print(f"signed CWT            {len(cwt):>9,} B     ({len(cwt) / 1024:.1f} KiB)")
    print(f"verify JWT            {jwt_ms:>9.2f} ms   median of {verify_rounds}")
    print(f"verify CWT            {cwt_ms:>9.2f} ms   median of {verify_rounds}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--rate", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=20261101)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    for bits in (2, 1):
        report(args.entries, bits, args.rate, args.seed, args.rounds)


if __name__ == "__main__":
    main()
