"""The request-log benchmark runs (quick) and gives one sane figure; it leaves the
caller's logging as it found it."""

from __future__ import annotations

import logging

from benchmarks.harness import Run
from benchmarks.request_log_overhead import figures


def test_quick_run_gives_one_figure() -> None:
    access = logging.getLogger("elicense.access")
    before = (list(access.handlers), access.level, access.propagate)
    (figure,) = figures(Run(quick=True, suite="logs"))
    assert figure.unit == "µs"
    assert 0 < figure.floor < 100_000
    assert 0 < figure.ours < 100_000
    assert "µs a request" in figure.note
    assert (list(access.handlers), access.level, access.propagate) == before
