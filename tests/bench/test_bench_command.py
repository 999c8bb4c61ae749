"""The one bench command runs as a user runs it and writes its table and chart.

``elicense bench`` (which runs ``python -m benchmarks`` from the checkout) is run with
``--quick --only status`` (the suite that takes a second) into a temporary directory:
it must exit 0, print the figures with their targets, and write docs-style
``benchmarks.md`` (a row per figure) and a real PNG. An unknown suite is a usage error.
No timing is asserted.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ELICENSE = Path(sys.executable).with_name("elicense")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

pytestmark = pytest.mark.slow


def test_bench_writes_the_table_and_the_chart(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(ELICENSE), "bench", "--quick", "--only", "status", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "status: status list" in done.stdout
    assert "ours <= 3" in done.stdout
    assert "[1/1] status" in done.stderr  # the progress display
    table = (tmp_path / "benchmarks.md").read_text(encoding="utf-8")
    rows = [line for line in table.splitlines() if line.startswith("| status |")]
    assert len(rows) >= 2, table
    assert (tmp_path / "benchmarks.png").read_bytes().startswith(PNG_MAGIC)


def test_an_unknown_suite_is_a_usage_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--only", "nonsense", "--out", str(tmp_path)],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "invalid choice" in done.stderr
    assert not (tmp_path / "benchmarks.md").exists()
