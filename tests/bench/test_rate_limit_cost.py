"""The rate-limit cost benchmark runs and reports sane numbers (never a timing asserted:
only that it measured something)."""

from __future__ import annotations

import math

import pytest

from benchmarks import rate_limit_cost
from benchmarks.harness import Run

pytestmark = pytest.mark.slow


def test_the_quick_run_measures_every_case() -> None:
    figures = rate_limit_cost.figures(Run(quick=True, suite="abuse"))
    assert [f.name for f in figures] == [
        "rate limit, many clients",
        "rate limit, busy client",
        "rate limit, refusal",
        "rate limit storage, CPU with 10,000 clients in window",
    ]
    for figure in figures:
        assert figure.suite == "abuse"
        assert figure.ours > 0
        assert figure.floor > 0
        assert math.isfinite(figure.ratio)
