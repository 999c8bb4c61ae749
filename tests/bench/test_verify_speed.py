"""The verification benchmark runs as a user runs it, in a tiny mode, and prints figures.

benchmarks/verify_speed.py is run as a subprocess over a pool of 5 credentials for 2
rounds, with the stage breakdown: a broken pool, a verification that fails (a good
credential refused) or output that does not parse fails it. No timing is asserted,
only that the numbers are there and consistent with each other.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "verify_speed.py"
TINY = ["--quick", "--pool", "5", "--rounds", "2", "--stages", "--json"]


def test_tiny_run_prints_each_figure_against_its_floor() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), *TINY],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    figures = {f["name"]: f for f in json.loads(lines[-1])["verify_speed"]}
    qr, live = figures["QR verify"], figures["presentation verify"]
    assert qr["target"] == {"value": 1.3, "compare": "<=", "of": "ratio"}
    assert live["target"] == {"value": 1.2, "compare": "<=", "of": "ratio"}
    for figure in figures.values():
        assert figure["suite"] == "verify"
        assert figure["unit"] == "µs"
        assert figure["ours"] > 0
        assert figure["floor"] > 0
        assert figure["ratio"] == pytest.approx(figure["ours"] / figure["floor"])
    assert "whole verify_qr" in done.stdout
    assert "CWT claims" in done.stdout
