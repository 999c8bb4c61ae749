"""What every suite of ``python -m benchmarks`` hands back: figures against floors.

A suite is a module in ``benchmarks/`` with a function ``figures(run: Run) ->
list[Figure]``. ``run.quick`` asks for the one-minute version (fewer rounds, smaller
data); ``run.progress(...)`` says what is being measured now (the runner shows it with
the time spent so far). A figure compares what we measured (``ours``) with a floor
measured in the same run (``floor``), and says which way is better and what the issue
asks of it (``target``), so the runner can print, tabulate and chart every suite alike.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Literal

Compare = Literal["<=", ">="]
Of = Literal["ratio", "ours"]


@dataclass(frozen=True)
class Target:
    """What the issue asks: ``ratio <= 1.3``, ``ours >= 3000`` and the like."""

    value: float
    compare: Compare
    of: Of = "ratio"

    def met_by(self, figure: Figure) -> bool:
        measured = figure.ratio if self.of == "ratio" else figure.ours
        return measured <= self.value if self.compare == "<=" else measured >= self.value

    def __str__(self) -> str:
        what = "ratio" if self.of == "ratio" else "ours"
        return f"{what} {self.compare} {self.value:g}"


@dataclass(frozen=True)
class Figure:
    """One measured comparison. ``ratio`` is always ``ours / floor``."""

    suite: str  # "verify", "http", "mint", ...
    name: str  # "QR verify", "POST /verify, 1 worker, p99"
    ours: float
    floor: float
    unit: str  # "µs", "req/s", "ms", "certificates/s", "s"
    floor_name: str  # "raw Ed25519 verify"
    target: Target | None = None
    note: str = ""  # where the time went, sizes, anything a reader needs

    @property
    def ratio(self) -> float:
        return self.ours / self.floor if self.floor else float("inf")

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.target.met_by(self)


@dataclass
class Run:
    """How a suite is run: quick or full, and where it reports progress."""

    quick: bool = False
    started: float = field(default_factory=time.monotonic)
    suite: str = ""

    def progress(self, what: str) -> None:
        elapsed = time.monotonic() - self.started
        print(f"[{elapsed:6.1f}s] {self.suite}: {what}", file=sys.stderr, flush=True)
