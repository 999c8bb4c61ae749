"""The bench command's outputs: a markdown table and a PNG chart of ratios and targets."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.harness import Figure

ROOT = Path(__file__).resolve().parent.parent


def machine() -> str:
    """What the figures were measured on: cores, load, Python, the commit."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT, capture_output=True, text=True, timeout=10, check=False,
        ).stdout.strip()  # fmt: skip
    except OSError:
        commit = ""
    return (
        f"{os.cpu_count()} cores, load {load} at the end, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}, commit {commit or 'unknown'}"
    )


def _cell(value: float) -> str:
    return f"{value:,.4g}" if abs(value) < 1e5 else f"{value:,.0f}"


def write_markdown(
    path: Path,
    figures: list[Figure],
    failures: dict[str, str],
    timings: dict[str, float],
    *,
    quick: bool,
) -> Path:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmarks",
        "",
        f"`python -m benchmarks{' --quick' if quick else ''}`, {now}; {machine()}.",
        "Every ratio is ours / a floor measured in the same run (medians; see each suite's"
        " module in `benchmarks/` for what the floor does).",
        "",
        "| suite | figure | ours | floor | unit | ratio | target | met | floor is |",
        "|---|---|---:|---:|---|---:|---|---|---|",
    ]
    for f in figures:
        met = "" if f.met is None else ("yes" if f.met else "**no**")
        lines.append(
            f"| {f.suite} | {f.name} | {_cell(f.ours)} | {_cell(f.floor)} | {f.unit} | "
            f"{f.ratio:.2f}× | {f.target or ''} | {met} | {f.floor_name} |"
        )
    notes = [f"- {f.suite}, {f.name}: {f.note}" for f in figures if f.note]
    if notes:
        lines += ["", "Notes:", "", *notes]
    if failures:
        lines += ["", "Suites that failed:", ""]
        lines += [f"- {name}: {why}" for name, why in failures.items()]
    lines += ["", "Time per suite: " + ", ".join(f"{n} {s:.0f} s" for n, s in timings.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_chart(path: Path, figures: list[Figure]) -> Path:
    """One bar per figure with a ratio target: its ratio, the target marked, green when
    met and red when not (log scale: ratios from 0.3x to 3x sit side by side)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    charted = [f for f in figures if f.target is not None and f.target.of == "ratio"]
    height = max(2.5, 0.45 * len(charted) + 1.2)
    fig, ax = plt.subplots(figsize=(9, height))
    labels = [f"{f.suite}: {f.name}" for f in charted]
    ratios = [f.ratio for f in charted]
    colours = ["#2e7d32" if f.met else "#c62828" for f in charted]
    ax.barh(range(len(charted)), ratios, color=colours)
    for row, f in enumerate(charted):
        assert f.target is not None
        ax.plot([f.target.value] * 2, [row - 0.4, row + 0.4], color="black", linewidth=2)
        ax.text(f.ratio, row, f" {f.ratio:.2f}×", va="center", fontsize=8)
    ax.set_yticks(range(len(charted)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("ours / floor (black tick: the issue's target; green met, red missed)")
    ax.set_title("elicense benchmarks: ratios against floors measured in the same run")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
