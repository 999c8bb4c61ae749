"""``elicense bench``: the benchmarks (``python -m benchmarks``) from a source checkout.

The benchmarks live beside the packages in the repository (``benchmarks/``), not in
the installed package: this verb runs them with this interpreter from the checkout the
``elicense`` package was installed from (``pip install -e``), passing its options on.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

from wallet.cli.fields import UsageError

CHECKOUT = Path(__file__).resolve().parents[2]


def add_bench_verb(verbs: Any) -> None:
    bench = verbs.add_parser(
        "bench",
        help="run every benchmark against its floor (python -m benchmarks)",
        description=__doc__,
    )
    bench.add_argument("--quick", action="store_true", help="the one-minute version")
    bench.add_argument("--only", action="append", metavar="SUITE", help="one suite (repeatable)")
    bench.add_argument("--out", metavar="DIR", help="where benchmarks.md/.png go (docs/)")
    bench.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    bench.set_defaults(handler=_bench)


def _bench(args: argparse.Namespace) -> int:
    if not (CHECKOUT / "benchmarks" / "__main__.py").is_file():
        raise UsageError(
            f"no benchmarks/ beside the installed package ({CHECKOUT}): "
            "run elicense bench from a source checkout (pip install -e .)"
        )
    command = [sys.executable, "-m", "benchmarks"]
    command += ["--quick"] * args.quick + ["--check"] * args.check
    command += [f"--only={suite}" for suite in args.only or ()]
    command += [f"--out={Path(args.out).resolve()}"] if args.out else []
    # Our own interpreter and module, with the user's own option values as single words.
    return subprocess.run(command, cwd=CHECKOUT, check=False).returncode  # noqa: S603
