"""The metrics overhead benchmark runs, both modes, and reports sane numbers (never a
timing asserted: only that it measured something)."""

from __future__ import annotations

import math

import pytest

from benchmarks import metrics_overhead
from benchmarks.harness import Run

pytestmark = pytest.mark.slow


def test_the_quick_run_measures_both_modes() -> None:
    figures = metrics_overhead.figures(Run(quick=True, suite="metrics"))
    assert [f.name for f in figures] == [
        "POST /verify in-process, request metrics (memory)",
        "POST /verify in-process, request metrics (multiprocess)",
    ]
    for figure in figures:
        assert figure.unit == "µs"
        assert figure.ours > 0
        assert figure.floor > 0
        assert math.isfinite(figure.ratio)
        assert "Metrics.request()" in figure.note
