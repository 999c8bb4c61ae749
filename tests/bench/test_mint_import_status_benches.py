"""The mint, import and status suites (issue 12) run end to end in a tiny mode, as a user
runs them (a subprocess each), and print sane numbers: positive rates and times, a
ratio that is ours over the floor. PostgreSQL is measured when the CI server is
reachable and skipped with the reason otherwise. Nothing here judges a timing.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
NUMBER = r"([0-9][0-9,.]*)"

pytestmark = pytest.mark.slow


def _run(script: str, *argv: str) -> str:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *argv],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def _rates(out: str) -> list[tuple[str, float, float, float]]:
    pattern = rf"^(.+?)\s+{NUMBER} certificates/s\s+floor\s+{NUMBER}\s+ratio {NUMBER}$"
    found = [re.match(pattern, line) for line in out.splitlines()]
    return [(m[1], float(m[2].replace(",", "")), float(m[3]), float(m[4])) for m in found if m]


def test_mint_speed_tiny() -> None:
    rates = _rates(_run("mint_speed.py", "--count", "40", "--rounds", "1", "--no-postgres"))
    names = [name for name, *_ in rates]
    assert names == [
        "durable mint, 1 transaction each (SQLite)",
        "durable batch mint, 1000 a transaction (SQLite)",
    ]
    for _, ours, floor, ratio in rates:
        assert ours > 0
        assert floor > 0
        assert ratio == pytest.approx(ours / floor, rel=0.05, abs=0.01)


def test_import_speed_tiny() -> None:
    out = _run("import_speed.py", "--count", "60")
    rates = _rates(out)
    assert rates[0][0] == "bulk import of 60 (SQLite)"
    assert all(ours > 0 and floor > 0 for _, ours, floor, _ in rates)
    assert "60 certificates in" in out
    assert re.search(r"database [0-9,]+ MiB", out)


def test_status_speed_tiny() -> None:
    out = _run("status_speed.py", "--entries", "20000", "--rounds", "1")
    times = re.findall(r"built and signed \((JWT|CWT)\)\s+([0-9.]+) s\s+floor\s+([0-9.]+) ms", out)
    assert [form for form, *_ in times] == ["JWT", "CWT"]
    assert all(float(ours) > 0 and float(floor) > 0 for _, ours, floor in times)
    assert "20,000 entries at 2 bits" in out
