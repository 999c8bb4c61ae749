"""The pull benchmark's one command runs end to end in a tiny mode and prints numbers.

benchmarks/pull_bench.py is run as a user would (a subprocess), only much shorter: one
round of 1 s with 4 connections after a 1 s warm-up. It starts both servers, seeds the
grants through the HTTP API, drives them with wrk and exits; a broken seed step, a
failed pull, a server that does not stop or an unparsable wrk summary fails it.
Skipped where wrk is not installed (it is a Debian package: ``apt-get install wrk``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "pull_bench.py"
TINY = ["--duration", "1", "--warmup", "1", "--rounds", "1", "--connections", "4", "--json"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed"),
]


def test_tiny_run_reports_both_sides_and_their_ratios() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), *TINY],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    numbers = json.loads(lines[-1])["pull_bench"]
    for side in ("ours", "bare"):
        assert 0 < numbers[f"{side}_p50_ms"] <= numbers[f"{side}_p99_ms"]
        assert numbers[f"{side}_rps"] > 0
    assert numbers["ratio_p50"] == pytest.approx(numbers["ours_p50_ms"] / numbers["bare_p50_ms"])
    assert "ratio ours / bare" in done.stdout
