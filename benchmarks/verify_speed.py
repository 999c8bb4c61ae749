"""Verification speed against the signatures it checks (issue 12, suite ``verify``).

Run alone: ``.venv/bin/python benchmarks/verify_speed.py`` (``--quick``, ``--json``,
``--stages``); or with every suite: ``python -m benchmarks``.

Each figure is the median over interleaved rounds (this machine is shared and noisy)
of the CPU time per verification, against a floor measured in the same rounds:

* QR verify: our whole :func:`verifiers.qr.verify_qr` (prefix, Base45, zlib,
  COSE_Sign1, key resolution, Ed25519, CWT claims, identifier, validity, type schema,
  the result) against cryptography's raw ``Ed25519PublicKey.verify`` of the same
  signed bytes. Target: at most 1.3×.
* Presentation verify: a live holder-signed ``ELP1:`` code
  (:func:`verifiers.presentation.verify_presentation`: the credential as above, then
  the holder key from ``cnf``, the holder's signature, the windows) against the two raw
  verifies of its two signatures. Target: at most 1.2×.
* The DCC-style pipeline on the reference libraries (``base45``, zlib, pycose, cbor2),
  doing less than we do, as a comparison (no target).

Every call verifies another credential of a pool (distinct serials, holders and
signatures, one issuer key as at a real checkpoint), so nothing per credential can be
remembered between calls; the floors go through the same pool.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.harness import Figure, Run, Target  # noqa: E402 - after the path is set
from benchmarks.verify_samples import NOW, Pool, make_pool  # noqa: E402
from benchmarks.verify_stages import print_stages, stage_medians, summary  # noqa: E402
from verifiers.presentation import verify_presentation  # noqa: E402
from verifiers.qr import verify_qr  # noqa: E402

QR_TARGET = Target(1.3, "<=")
PRESENTATION_TARGET = Target(1.2, "<=")

Subject = Callable[[Any], object]


def time_per_call_us(fn: Subject, items: Sequence[Any]) -> float:
    """CPU time of this thread per call: on a shared machine, the time other processes
    hold the core is not counted against either side of a ratio (what they do to the
    caches still is)."""
    start = time.thread_time_ns()
    for item in items:
        fn(item)
    return (time.thread_time_ns() - start) / len(items) / 1000


def interleaved_medians(
    subjects: dict[str, tuple[Subject, Sequence[Any]]], rounds: int
) -> dict[str, float]:
    """Median µs per call of each subject, rounds taken in turn so that noise on the
    shared machine falls on all of them alike."""
    samples: dict[str, list[float]] = {name: [] for name in subjects}
    for fn, items in subjects.values():
        time_per_call_us(fn, items)  # warm-up
    for _ in range(rounds):
        for name, (fn, items) in subjects.items():
            samples[name].append(time_per_call_us(fn, items))
    return {name: statistics.median(values) for name, values in samples.items()}


def qr_subjects(pool: Pool) -> dict[str, tuple[Subject, Sequence[Any]]]:
    keys = pool.resolver
    subjects: dict[str, tuple[Subject, Sequence[Any]]] = {
        "raw Ed25519 verify": (lambda s: s.key.verify(s.signature, s.signed), pool.signed),
        "QR verify": (lambda qr: verify_qr(qr, keys=keys, now=NOW), pool.qrs),
        "two raw Ed25519 verifies": (
            lambda pair: (
                pair[0].key.verify(pair[0].signature, pair[0].signed),
                pair[1].key.verify(pair[1].signature, pair[1].signed),
            ),
            pool.presentation_signed,
        ),
        "presentation verify": (
            lambda text: verify_presentation(text, keys=keys, now=NOW),
            pool.presentations,
        ),
    }
    reference = pycose_pipeline(pool)
    if reference is not None:
        subjects["DCC-style pipeline (pycose)"] = (reference, pool.qrs)
    return subjects


def pycose_pipeline(pool: Pool) -> Subject | None:
    """The checks a DCC-style verifier makes (Base45, zlib, COSE, signature, claims
    decode), on the reference libraries; None when they are not installed."""
    try:
        import base45
        import cbor2
        from pycose.keys.okp import OKPKey
        from pycose.messages.sign1message import Sign1Message
    except ImportError:
        return None
    cose_key = OKPKey(crv="Ed25519", x=pool.issuer_public_raw)

    def run(qr: str) -> object:
        tag = cbor2.loads(zlib.decompress(base45.b45decode(qr[4:])))
        items = [dict(v) if hasattr(v, "keys") else v for v in tag.value]
        message = Sign1Message.from_cose_obj(items, allow_unknown_attributes=True)
        message.key = cose_key
        if not message.verify_signature():
            raise AssertionError("pycose rejected a good signature")
        assert message.payload is not None
        return cbor2.loads(message.payload)

    run(pool.qrs[0])
    return run


def measure(run: Run, pool_size: int, rounds: int) -> tuple[dict[str, float], dict[str, float]]:
    """The figures' medians, and verify_qr's stage by stage."""
    run.progress(f"minting a pool of {pool_size} credentials and presentations")
    pool = make_pool(pool_size)
    run.progress(f"{rounds} interleaved rounds over the pool")
    medians = interleaved_medians(qr_subjects(pool), rounds)
    return medians, stage_medians(run, pool, rounds)


def figures(run: Run) -> list[Figure]:
    return measured_figures(run, *sizes(run.quick))[0]


def sizes(quick: bool) -> tuple[int, int]:
    """Credentials in the pool and interleaved rounds."""
    return (100, 9) if quick else (200, 31)


def measured_figures(
    run: Run, pool_size: int, rounds: int
) -> tuple[list[Figure], dict[str, float]]:
    """The suite's figures, and verify_qr's stage by stage (in the QR figure's note)."""
    medians, stages = measure(run, pool_size, rounds)
    raw, raw2 = medians["raw Ed25519 verify"], medians["two raw Ed25519 verifies"]
    result = [
        Figure(
            "verify", "QR verify", medians["QR verify"], raw, "µs", "raw Ed25519 verify",
            QR_TARGET,
            "verifiers.qr.verify_qr, resident_id, prefix to result; median of"
            f" {rounds} interleaved rounds over {pool_size} distinct credentials; "
            + summary(stages),
        ),
        Figure(
            "verify", "presentation verify", medians["presentation verify"], raw2, "µs",
            "two raw Ed25519 verifies", PRESENTATION_TARGET,
            "verifiers.presentation.verify_presentation of a live ELP1 code (issuer and"
            " holder signatures), no nonce or replay guard",
        ),
    ]  # fmt: skip
    if "DCC-style pipeline (pycose)" in medians:
        result.append(
            Figure(
                "verify", "DCC-style pipeline (pycose), for comparison",
                medians["DCC-style pipeline (pycose)"], raw, "µs", "raw Ed25519 verify",
                note="base45 + zlib + pycose + cbor2: no trust, validity or schema checks",
            )
        )  # fmt: skip
    return result, stages


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the short version")
    parser.add_argument("--pool", type=int, help="credentials in the pool")
    parser.add_argument("--rounds", type=int, help="interleaved rounds")
    parser.add_argument("--json", action="store_true", help="also print one JSON line")
    parser.add_argument("--stages", action="store_true", help="also time each stage of verify_qr")
    args = parser.parse_args(argv)
    run = Run(quick=args.quick, suite="verify")
    pool_size, rounds = sizes(args.quick)
    found, stages = measured_figures(run, args.pool or pool_size, args.rounds or rounds)
    for figure in found:
        target = f"target {figure.target}" if figure.target else "no target"
        print(
            f"{figure.name:45s} {figure.ours:8.1f} {figure.unit} / {figure.floor:8.1f}"
            f" ({figure.floor_name}) = {figure.ratio:5.2f}x  [{target}]"
        )
    if args.stages:
        print_stages(stages)
    if args.json:
        print(json.dumps({"verify_speed": [asdict(f) | {"ratio": f.ratio} for f in found]}))


if __name__ == "__main__":
    main()
