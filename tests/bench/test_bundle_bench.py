"""The bundle benchmark's one command runs end to end in a tiny mode and prints numbers.

benchmarks/bundle_bench.py is run as a user would (a subprocess), only much shorter: two
applications, one worker process, twenty steps for the overhead. It seeds a fresh
database, starts a real benchmark worker, brings the applications to their submit
through consent, pull and verification, drains them and measures the per-step
overhead; a seeding failure, an application that does not complete or a worker that
does not start fails it. On PostgreSQL too when the run targets it
(``ELICENSE_DATABASE_URL``: the benchmark makes and drops its own database there).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import configured_url

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bundle_bench.py"
TINY = ["--applications", "2", "--workers", "1", "--rounds", "1", "--steps", "20",
        "--timeout", "120", "--json"]  # fmt: skip

pytestmark = pytest.mark.slow


def test_tiny_run_reports_throughput_and_step_overhead() -> None:
    url = configured_url()
    extra = []
    if url is not None and url.get_backend_name() == "postgresql":
        extra = ["--database-url", url.render_as_string(hide_password=False)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ELICENSE_")}
    done = subprocess.run(
        [sys.executable, str(BENCH), *TINY, *extra],
        capture_output=True, text=True, timeout=300, check=False, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    numbers = json.loads(lines[-1])["bundle_bench"]
    backends = ["sqlite"] + (["postgresql"] if extra else [])
    assert [run["backend"] for run in numbers["runs"]] == backends
    for run in numbers["runs"]:
        assert (run["workers"], run["applications"], run["items_per_application"]) == (1, 2, 7)
        assert run["seconds"] > 0
        assert run["bundles_per_minute"] == pytest.approx(2 / run["seconds"] * 60, rel=0.05)
        assert run["worker_cpu_ms_per_item"] >= 0
        assert run["timings"]["items"] == 2 * 7
        assert run["timings"]["step_ms"]["median"] >= 0
    overheads = [(o["backend"], o["engine"]) for o in numbers["step_overhead"]]
    assert overheads == [("sqlite", "elicense"), ("sqlite", "dbos")] + (
        [("postgresql", "dbos")] if extra else []
    )
    for overhead in numbers["step_overhead"]:
        assert overhead["step_us"] > overhead["bare_call_us"] > 0
    assert "bundles_per_minute" in done.stdout
    assert "where an item's time goes" in done.stdout
    assert "the engine's own cost per step" in done.stdout
