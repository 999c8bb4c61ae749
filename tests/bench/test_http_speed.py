"""The HTTP benchmark's command runs end to end in quick mode and prints sane figures.

benchmarks/http_speed.py is run as a user would (a subprocess, ``--quick --json``): it
starts ``elicense serve --demo`` with 1 and then 2 workers and the bare baselines,
seeds through the HTTP API, drives every comparison with wrk and exits. A failed
request, a server that does not come up or stop, or an unparsable wrk summary fails
it. No timing is asserted: only that every figure is there, positive, and its ratio
is ours over its floor. Skipped where wrk is not installed (``apt-get install wrk``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "http_speed.py"
FIGURES = {
    "POST /verify, 1 worker",
    "POST /verify, 1 worker, p99",
    "presentation, 1 worker",
    "consent pull (5 certificates), 1 worker",
    "POST /verify, 2 workers",
    "POST /verify, 2 workers, p99",
}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed"),
]


def test_quick_run_prints_every_figure_against_its_floor() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--json"],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith('{"http_speed"'))
    rows = {row["name"]: row for row in json.loads(line)["http_speed"]}
    assert set(rows) == FIGURES
    for row in rows.values():
        assert row["ours"] > 0, row
        assert row["floor"] > 0, row
        assert row["ratio"] == pytest.approx(row["ours"] / row["floor"])
    assert rows["POST /verify, 1 worker"]["unit"] == "req/s"
    assert rows["POST /verify, 1 worker"]["target"] == "ratio >= 0.7"
    assert "CPU per request" in rows["presentation, 1 worker"]["note"]
