"""``python -m benchmarks`` (or ``elicense bench``): every suite, one table, one chart.

Runs each suite in ``SUITES`` (``figures(run)`` of ``benchmarks/<suite module>.py``),
shows what it measures as it goes, prints every figure with its floor, ratio and the
issue's target, and writes ``docs/benchmarks.md`` (the table, the machine, the
commit) and ``docs/benchmarks.png`` (each ratio against its target). ``--quick`` is the
one-minute version; ``--only`` runs some suites; ``--check`` exits 1 when a target is
missed. A suite that fails is reported and the others still run (exit 1).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.harness import Figure, Run  # noqa: E402 - after the path is set
from benchmarks.report import write_chart, write_markdown  # noqa: E402

# suite name -> module in benchmarks/, in the order they run
SUITES = {
    "verify": "verify_speed",
    "status": "status_speed",
    "mint": "mint_speed",
    "http": "http_speed",
    "import": "import_speed",
    # SM2 (国密, issue 13) against Ed25519 and the raw SM2 verifies (no target).
    "sm2": "sm2_speed",
    # What the request path's own parts cost (no target: figures for the reader).
    "logs": "request_log_overhead",
    "metrics": "metrics_overhead",
    "limits": "rate_limit_cost",
}
# The request path's own costs and SM2 are supporting figures with no target: always
# their quick form, so the whole run stays within its 10 minutes (the three costs took
# 52 s in full, sm2 20-40 s; the run without sm2 took 578 s).
ALWAYS_QUICK = frozenset({"logs", "metrics", "limits", "sm2"})


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the one-minute version")
    parser.add_argument(
        "--only", action="append", choices=sorted(SUITES), metavar="SUITE",
        help=f"run only this suite (repeatable): {', '.join(SUITES)}",
    )  # fmt: skip
    parser.add_argument(
        "--out", type=Path, default=ROOT / "docs",
        help="where benchmarks.md and benchmarks.png go (default: docs/)",
    )  # fmt: skip
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    return parser.parse_args(argv)


def run_suite(name: str, quick: bool) -> tuple[list[Figure], str | None, float]:
    """A suite's figures, or the reason it failed, and the seconds it took."""
    started = time.monotonic()
    run = Run(quick=quick, suite=name)
    try:
        module = importlib.import_module(f"benchmarks.{SUITES[name]}")
        figures: list[Figure] = module.figures(run)
    except SystemExit as exc:  # a suite's own "cannot run here" (e.g. no wrk)
        return [], f"cannot run: {exc}", time.monotonic() - started
    except Exception as exc:  # noqa: BLE001 - one suite's failure must not hide the others
        traceback.print_exc()
        return [], f"{type(exc).__name__}: {exc}", time.monotonic() - started
    return figures, None, time.monotonic() - started


def show(figures: list[Figure]) -> None:
    print(f"\n{'figure':<66} {'ours':>12} {'floor':>12}  {'ratio':>7}  target")
    for f in figures:
        target = "" if f.target is None else f"{f.target} {'met' if f.met else 'MISSED'}"
        print(
            f"{f.suite + ': ' + f.name:<66} {f.ours:>12.4g} {f.floor:>12.4g}  "
            f"{f.ratio:>6.2f}x  {target}  [{f.unit}; floor: {f.floor_name}]"
        )


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    names = args.only or list(SUITES)
    started = time.monotonic()
    figures: list[Figure] = []
    failures: dict[str, str] = {}
    timings: dict[str, float] = {}
    for index, name in enumerate(names, 1):
        print(f"== [{index}/{len(names)}] {name} ==", file=sys.stderr, flush=True)
        got, failure, seconds = run_suite(name, args.quick or name in ALWAYS_QUICK)
        figures += got
        timings[name] = seconds
        if failure is not None:
            failures[name] = failure
            print(f"== {name} FAILED: {failure}", file=sys.stderr)
    elapsed = time.monotonic() - started
    show(figures)
    for name, failure in failures.items():
        print(f"suite {name} failed: {failure}")
    args.out.mkdir(parents=True, exist_ok=True)
    markdown = write_markdown(
        args.out / "benchmarks.md", figures, failures, timings, quick=args.quick
    )
    chart = write_chart(args.out / "benchmarks.png", figures)
    print(f"\n{len(figures)} figures in {elapsed:.0f} s; wrote {markdown} and {chart}")
    missed = [f for f in figures if f.met is False]
    if failures or (args.check and missed):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
