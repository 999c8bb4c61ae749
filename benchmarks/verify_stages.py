"""Where a QR verification's time goes, stage by stage (``verify_speed.py --stages``).

Runs the steps of :func:`verifiers.qr.verify_credential_cose` one by one, as that
function runs them, over the benchmark's pool, with a clock read between stages, and
prints the median µs per call of each stage over interleaved rounds, next to the raw
signature and the whole ``verify_qr`` measured in the same rounds. The stages are timed
in place, right after one another as in a real verification (a stage timed alone in a
loop looks cheaper: its code and data stay in the CPU caches that the signature check
otherwise evicts). A profiling aid, not a figure: the whole function is what counts.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from time import perf_counter_ns

from benchmarks.harness import Run
from benchmarks.verify_samples import NOW, make_pool
from issuers.catalogue import get_type
from issuers.codes import parse_identifier
from issuers.formats import cose_sign1, qr_envelope
from issuers.formats.cwt import CredentialClaims
from issuers.registry import KeyResolver
from verifiers.qr import DEFAULT_LEEWAY, _check_window, _result, verify_qr

STAGES = (
    "prefix, Base45, zlib",
    "COSE_Sign1 decode",
    "key resolution",
    "signature (our call)",
    "CWT claims",
    "identifier (GB/T 36904)",
    "type and issuer",
    "validity window",
    "type schema (fields)",
    "holder codes",
    "result",
)


def _one(qr: str, keys: KeyResolver, spent: list[int]) -> None:
    t0 = perf_counter_ns()
    cose = qr_envelope.unwrap(qr)
    t1 = perf_counter_ns()
    message = cose_sign1.decode(cose)
    t2 = perf_counter_ns()
    trusted = keys.resolve(message.kid)
    t3 = perf_counter_ns()
    message.verify(trusted.key)
    t4 = perf_counter_ns()
    claims = CredentialClaims.from_cbor(message.payload)
    t5 = perf_counter_ns()
    identifier = parse_identifier(claims.identifier, strict=False)
    t6 = perf_counter_ns()
    certificate_type = get_type(identifier.type_code)
    assert certificate_type.slug in trusted.issuer.allowed_types
    t7 = perf_counter_ns()
    _check_window(claims, NOW, DEFAULT_LEEWAY)
    t8 = perf_counter_ns()
    fields = certificate_type.from_compact(claims.fields)
    t9 = perf_counter_ns()
    assert set(claims.holder_codes) == set(certificate_type.holder_codes(fields))
    t10 = perf_counter_ns()
    _result(message, trusted.issuer, claims, identifier, certificate_type, fields, False)
    t11 = perf_counter_ns()
    marks = (t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11)
    for i in range(len(STAGES)):
        spent[i] += marks[i + 1] - marks[i]


def stage_medians(run: Run, *, quick: bool) -> dict[str, float]:
    pool_size, rounds = (100, 9) if quick else (200, 31)
    run.progress(f"stages: a pool of {pool_size}, {rounds} rounds")
    pool = make_pool(pool_size)
    keys = pool.resolver
    samples: dict[str, list[float]] = {name: [] for name in (*STAGES, "raw", "whole")}

    def per_call(fn: Callable[[], None]) -> float:
        start = perf_counter_ns()
        fn()
        return (perf_counter_ns() - start) / pool_size / 1000

    def raw() -> None:
        for s in pool.signed:
            s.key.verify(s.signature, s.signed)

    def whole() -> None:
        for qr in pool.qrs:
            verify_qr(qr, keys=keys, now=NOW)

    for round_ in range(rounds + 1):
        spent = [0] * len(STAGES)
        for qr in pool.qrs:
            _one(qr, keys, spent)
        raw_us, whole_us = per_call(raw), per_call(whole)
        if round_:  # the first is the warm-up
            for name, total in zip(STAGES, spent, strict=True):
                samples[name].append(total / pool_size / 1000)
            samples["raw"].append(raw_us)
            samples["whole"].append(whole_us)
    return {name: statistics.median(values) for name, values in samples.items()}


def print_stages(run: Run, *, quick: bool) -> None:
    medians = stage_medians(run, quick=quick)
    raw = medians["raw"]
    print(f"== verify_qr stage by stage (median µs per call; raw Ed25519 {raw:.1f} µs) ==")
    for name in STAGES:
        print(f"  {name:26s} {medians[name]:7.2f}")
    besides = sum(medians[name] for name in STAGES) - medians["signature (our call)"]
    print(f"  {'all but the signature':26s} {besides:7.2f}")
    print(f"  {'whole verify_qr':26s} {medians['whole']:7.2f}  ({medians['whole'] / raw:.2f}x)")
