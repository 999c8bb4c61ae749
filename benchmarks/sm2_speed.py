"""SM2 with SM3 (国密) against the signatures it checks and mints (issue 13, suite ``sm2``).

Run alone: ``.venv/bin/python benchmarks/sm2_speed.py`` (``--quick``, ``--json``); or
with every suite: ``python -m benchmarks``, which runs the quick form (the whole run
must fit in 10 minutes). The issue sets no target for these: every figure is
target-less, for the reader.

Verification, as the verify suite measures it (:mod:`benchmarks.verify_speed`): the
median over interleaved rounds of this thread's CPU time per call, each call on
another credential of a pool (:mod:`benchmarks.sm2_samples`), floors in the same
rounds:

* SM2 QR verify: :func:`verifiers.qr.verify_qr` of a credential signed by an SM2 issuer
  key, with the backend in use (tongsuo), against cryptography's raw Ed25519 verify
  (the same record signed with Ed25519), against the raw SM2 verify of the same
  signature by :mod:`issuers.crypto.sm2` alone (Z_A, e, the backend) on the COSE
  Sig_structure, and against tongsuopy's own ``verify`` (EVP_DigestVerify with SM3 and
  the default user ID) of it; and the raw SM2 verify against tongsuopy's, which is
  what :mod:`issuers.crypto.sm2` adds to the native call.
* The same for the pure-Python backend: a child process with
  ``ELICENSE_SM2_BACKEND=gmssl`` (as a deployment picks it), few calls (about 10 ms
  each), against raw Ed25519, the raw SM2 verify on gmssl, and gmssl's own
  ``verify_with_sm3``.

Minting, as the mint suite measures it (:mod:`benchmarks.mint_speed`): certificates/s
of wall-clock time, medians of interleaved rounds, on fresh SQLite files, distinct
synthetic residents. Durable batch mint (:func:`issuers.store.batch_mint.mint_batch`)
by an issuer rotated to SM2 (:meth:`IssuanceService.rotate_key`) against build + sign
alone with SM2 (no database), and against the same batch mint by an Ed25519 issuer.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NoReturn

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.harness import Figure, Run  # noqa: E402 - after the path is set
from benchmarks.sm2_mint import mint_figures  # noqa: E402
from benchmarks.sm2_samples import (  # noqa: E402
    NOW,
    Sm2Pool,
    gmssl_items,
    make_sm2_pool,
    tongsuopy_items,
)
from benchmarks.verify_speed import Subject, interleaved_medians  # noqa: E402
from issuers.crypto import sm2  # noqa: E402
from verifiers.qr import verify_qr  # noqa: E402

SUITE = "sm2"
ED25519 = "raw Ed25519 verify"
OURS_RAW = "raw SM2 verify (issuers.crypto.sm2)"
TONGSUOPY = "tongsuopy verify (EVP_DigestVerify, SM3, default user ID)"
GMSSL = "gmssl verify_with_sm3"
QR = "SM2 QR verify"
ED25519_QR = "Ed25519 QR verify"

Subjects = dict[str, tuple[Subject, Sequence[Any]]]


@dataclass(frozen=True)
class Sizes:
    pool: int  # credentials verified in the main process
    rounds: int
    gmssl_pool: int  # in the gmssl child
    gmssl_rounds: int
    mint_count: int  # certificates a round
    mint_rounds: int


def sizes(quick: bool) -> Sizes:
    """Quick (what ``python -m benchmarks`` always runs): about 10 s; full: 20-40 s."""
    return Sizes(80, 9, 6, 3, 1000, 2) if quick else Sizes(200, 21, 16, 5, 2000, 3)


def _refused(by: str) -> NoReturn:
    raise AssertionError(f"{by} refused a good SM2 signature")


def common_subjects(pool: Sm2Pool) -> Subjects:
    """What both processes measure: raw Ed25519, our raw SM2, SM2 QR verify."""
    keys, user_id = pool.resolver, sm2.configured_user_id()
    return {
        ED25519: (lambda s: s.key.verify(s.signature, s.signed), pool.ed25519_signed),
        OURS_RAW: (
            lambda s: s.key.verify(s.signature, s.signed, user_id) or _refused(OURS_RAW),
            pool.signed,
        ),
        QR: (lambda qr: verify_qr(qr, keys=keys, now=NOW), pool.qrs),
    }


def native_subjects(pool: Sm2Pool) -> Subjects:
    """The main process's: the common ones, tongsuopy's own verify, Ed25519 QR verify."""
    from tongsuopy.crypto import hashes
    from tongsuopy.crypto.asymciphers import ec

    sm3 = ec.ECDSA(hashes.SM3())
    keys = pool.resolver
    return common_subjects(pool) | {
        TONGSUOPY: (lambda t: t[0].verify(t[1], t[2], sm3), tongsuopy_items(pool.signed)),
        ED25519_QR: (lambda qr: verify_qr(qr, keys=keys, now=NOW), pool.ed25519_qrs),
    }


def gmssl_subjects(pool: Sm2Pool) -> Subjects:
    """The gmssl child's: the common ones and gmssl's own verify_with_sm3."""
    return common_subjects(pool) | {
        GMSSL: (
            lambda t: t[0].verify_with_sm3(t[1], t[2]) or _refused(GMSSL),
            gmssl_items(pool.signed),
        ),
    }


def gmssl_child(pool_size: int, rounds: int) -> dict[str, Any]:
    """Run in the child: the medians with the backend the environment picked."""
    chosen = sm2.backend().name
    if chosen != "gmssl":
        raise SystemExit(f"the gmssl child runs with the {chosen} backend")
    medians = interleaved_medians(gmssl_subjects(make_sm2_pool(pool_size)), rounds)
    return {"backend": chosen, "pool": pool_size, "rounds": rounds, "medians": medians}


def run_gmssl_child(run: Run, pool_size: int, rounds: int) -> dict[str, float]:
    run.progress(f"gmssl backend: a child process, {pool_size} credentials x {rounds} rounds")
    env = {**os.environ, sm2.BACKEND_ENV: "gmssl"}
    argv = [sys.executable, str(Path(__file__).resolve()), "--gmssl-child"]
    argv += ["--pool", str(pool_size), "--rounds", str(rounds)]
    done = subprocess.run(
        argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"the gmssl child failed: {done.stderr.strip()[-2000:]}")
    medians: dict[str, float] = json.loads(done.stdout.splitlines()[-1])["medians"]
    return medians


def verify_figures(run: Run, size: Sizes) -> list[Figure]:
    if sm2.configured_user_id() != sm2.DEFAULT_USER_ID:
        raise SystemExit("the sm2 suite measures the default user ID: unset ELICENSE_SM2_USER_ID")
    name = sm2.backend().name
    if name != "tongsuo":  # the pure-Python one has its own, smaller, figures
        raise SystemExit(
            f"the sm2 suite verifies on tongsuo here, not {name}: unset {sm2.BACKEND_ENV}"
        )
    run.progress(f"minting a pool of {size.pool} SM2 credentials ({name})")
    pool = make_sm2_pool(size.pool)
    run.progress(f"{size.rounds} interleaved rounds over the pool")
    m = interleaved_medians(native_subjects(pool), size.rounds)
    g = run_gmssl_child(run, size.gmssl_pool, size.gmssl_rounds)
    how = f"median of {size.rounds} interleaved rounds over {size.pool} distinct credentials"
    slow = f"median of {size.gmssl_rounds} interleaved rounds over {size.gmssl_pool} credentials"
    qr, ours = f"{QR} ({name})", f"{OURS_RAW} ({name})"
    note = (
        f"verifiers.qr.verify_qr, resident_id with an SM2 holder key, prefix to result; {how};"
        f" the same records signed with Ed25519: {m[ED25519_QR]:.1f} µs a QR verify"
    )
    outside = (
        f"the same signatures; {how}; time outside the signature check: {m[QR] - m[OURS_RAW]:.0f}"
        f" µs, and {m[ED25519_QR] - m[ED25519]:.0f} µs for the same records signed with Ed25519"
    )
    return [
        Figure(SUITE, qr, m[QR], m[ED25519], "µs", ED25519, note=note),
        Figure(SUITE, qr, m[QR], m[OURS_RAW], "µs", ours, note=outside),
        Figure(SUITE, qr, m[QR], m[TONGSUOPY], "µs", TONGSUOPY, note=how),
        Figure(SUITE, ours, m[OURS_RAW], m[TONGSUOPY], "µs", TONGSUOPY,
               note="Z_A (remembered per key), e = SM3(Z_A ‖ M), r ‖ s to DER, the backend"),
        Figure(SUITE, f"{ED25519_QR}, for comparison", m[ED25519_QR], m[ED25519], "µs", ED25519,
               note="the same records as the SM2 QR verify, signed with Ed25519"),
        Figure(SUITE, f"{QR} (gmssl)", g[QR], g[ED25519], "µs", ED25519,
               note=f"a child process with ELICENSE_SM2_BACKEND=gmssl; {slow}"),
        Figure(SUITE, f"{QR} (gmssl)", g[QR], g[OURS_RAW], "µs", f"{OURS_RAW} (gmssl)", note=slow),
        Figure(SUITE, f"{QR} (gmssl)", g[QR], g[GMSSL], "µs", GMSSL,
               note=f"gmssl's own SM3 (pure Python) and Z_A each call; {slow}"),
    ]  # fmt: skip


def figures(run: Run) -> list[Figure]:
    return measured_figures(run, sizes(run.quick))


def measured_figures(run: Run, size: Sizes) -> list[Figure]:
    return verify_figures(run, size) + mint_figures(run, size.mint_count, size.mint_rounds)


def show(found: list[Figure]) -> None:
    for f in found:
        print(
            f"{f.name:45s} {f.ours:10,.1f} {f.unit} / {f.floor:10,.1f} ({f.floor_name})"
            f" = {f.ratio:6.3f}x"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the short version")
    parser.add_argument("--pool", type=int, help="credentials verified (gmssl: fewer)")
    parser.add_argument("--rounds", type=int, help="interleaved verify rounds")
    parser.add_argument("--count", type=int, help="certificates minted a round")
    parser.add_argument("--json", action="store_true", help="also print one JSON line")
    parser.add_argument("--gmssl-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    size = sizes(args.quick)
    if args.gmssl_child:
        child = gmssl_child(args.pool or size.gmssl_pool, args.rounds or size.gmssl_rounds)
        print(json.dumps(child))
        return
    size = Sizes(
        args.pool or size.pool, args.rounds or size.rounds,
        min(size.gmssl_pool, args.pool or size.pool), size.gmssl_rounds,
        args.count or size.mint_count, size.mint_rounds,
    )  # fmt: skip
    found = measured_figures(Run(quick=args.quick, suite=SUITE), size)
    show(found)
    if args.json:
        print(json.dumps({"sm2_speed": [asdict(f) | {"ratio": f.ratio} for f in found]}))


if __name__ == "__main__":
    main()
