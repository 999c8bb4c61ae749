"""Mint throughput with an SM2 issuer key, for the ``sm2`` suite (:mod:`benchmarks.sm2_speed`).

As :mod:`benchmarks.mint_speed` measures it (wall-clock certificates/s, medians of
interleaved rounds, distinct synthetic residents, fresh SQLite files), for two issuers
alike but for their key: one rotated to SM2 (:meth:`IssuanceService.rotate_key`, what
``elicense keys rotate USCC --alg SM2`` does), one on Ed25519. Each is measured minting
durably in batches (:func:`issuers.store.batch_mint.mint_batch`, ``BATCH`` a
transaction) and building + signing alone (no database).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable

from benchmarks.harness import Figure, Run
from benchmarks.mint_speed import BATCH, ISSUER, NOW, Durable, person
from issuers.catalogue import get_type
from issuers.crypto.keys import Algorithm, SigningKey
from issuers.formats.cwt import StatusReference
from issuers.minting import build_record, sign_qr
from wallet.server import demo

__all__ = ["mint_figures"]

SUITE = "sm2"
UNIT = "certificates/s"


def build_and_sign(count: int, key: SigningKey) -> float:
    """Certificates/s of validate + build + sign with ``key`` alone."""
    certificate_type = get_type("resident_id")
    issuer = next(i for i in demo.sample_issuers() if i.uscc == ISSUER)
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


def _durable(url: str, alg: Algorithm) -> Durable:
    durable = Durable(url)  # every sample issuer, on Ed25519
    if alg is not Algorithm.EDDSA:
        durable.service.rotate_key(ISSUER, alg)
    found = durable.service.active_signing_key(ISSUER).alg
    if found is not alg:
        raise RuntimeError(f"the issuer signs with {found}, not {alg}")
    return durable


def mint_figures(run: Run, count: int, rounds: int) -> list[Figure]:
    """Rounds of ``count`` certificates each, subjects in turn."""
    with tempfile.TemporaryDirectory(prefix="elicense-sm2-mint-") as tmp:
        on_sm2 = _durable(f"sqlite:///{tmp}/sm2.db", Algorithm.SM2)
        on_eddsa = _durable(f"sqlite:///{tmp}/ed25519.db", Algorithm.EDDSA)
        sm2_key, eddsa_key = SigningKey.generate(Algorithm.SM2), SigningKey.generate()
        subjects: dict[str, Callable[[], float]] = {
            "SM2 build+sign": lambda: build_and_sign(count, sm2_key),
            "SM2 batch": lambda: on_sm2.batched(count),
            "Ed25519 batch": lambda: on_eddsa.batched(count),
            "Ed25519 build+sign": lambda: build_and_sign(count, eddsa_key),
        }
        samples: dict[str, list[float]] = {name: [] for name in subjects}
        cpu: dict[str, list[float]] = {name: [] for name in subjects}
        for n in range(rounds):
            for name, fn in subjects.items():
                run.progress(f"mint, SQLite: round {n + 1}/{rounds}, {name}")
                started = time.process_time()
                samples[name].append(fn())
                cpu[name].append((time.process_time() - started) / count * 1e6)
        for durable in (on_sm2, on_eddsa):
            durable.engine.dispose()
    rate = {name: statistics.median(values) for name, values in samples.items()}
    used = {name: statistics.median(values) for name, values in cpu.items()}
    how = (
        f"{count} a round, median of {rounds} interleaved rounds; this process's CPU per"
        f" certificate {used['SM2 batch']:.0f} µs SM2 batched, {used['Ed25519 batch']:.0f}"
        f" µs Ed25519 batched, {used['SM2 build+sign']:.0f} µs SM2 build+sign,"
        f" {used['Ed25519 build+sign']:.0f} µs Ed25519 build+sign"
    )
    ours = f"durable batch mint, {BATCH} a transaction, SM2 issuer key (SQLite)"
    return [
        Figure(SUITE, ours, rate["SM2 batch"], rate["SM2 build+sign"], UNIT,
               "build + sign alone with SM2 (no database)", note=how),
        Figure(SUITE, ours, rate["SM2 batch"], rate["Ed25519 batch"], UNIT,
               "the same batch mint, Ed25519 issuer key (SQLite)",
               note=f"build + sign alone with Ed25519: {rate['Ed25519 build+sign']:,.0f}/s"),
    ]  # fmt: skip
