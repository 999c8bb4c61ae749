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
    """Two panels of bars, green when the issue's target is met and red when not: the
    ratios against their floors with the target ticked, and the figures with an
    absolute target (mints/s, seconds) as a share of that target (tick at 1)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullFormatter

    panels = [
        ([f for f in figures if f.target and f.target.of == "ratio"], "ours / floor", True),
        ([f for f in figures if f.target and f.target.of == "ours"], "ours / target", False),
    ]
    panels = [p for p in panels if p[0]] or [([], "nothing with a target was measured", True)]
    sizes = [max(1, len(p[0])) for p in panels]
    fig, axes = plt.subplots(
        len(panels), 1, figsize=(10, 0.45 * sum(sizes) + 1.4 * len(panels)),
        gridspec_kw={"height_ratios": sizes},
    )  # fmt: skip
    for ax, (charted, label, is_ratio) in zip(
        axes if len(panels) > 1 else [axes], panels, strict=True
    ):
        values = [f.ratio if is_ratio else f.ours / f.target.value for f in charted if f.target]
        ticks = [f.target.value if is_ratio else 1.0 for f in charted if f.target]
        ax.barh(
            range(len(charted)), values, color=["#2e7d32" if f.met else "#c62828" for f in charted]
        )
        for row, (value, tick) in enumerate(zip(values, ticks, strict=True)):
            ax.plot([tick, tick], [row - 0.4, row + 0.4], color="black", linewidth=2)
            ax.text(value, row, f" {value:.2f}", va="center", fontsize=8)
        ax.set_yticks(range(len(charted)), [f"{f.suite}: {f.name}" for f in charted], fontsize=8)
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.set_xlim(min([*values, *ticks, 1.0]) / 2, max([*values, *ticks, 1.0]) * 2)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(f"{label} (black tick: the target)")
    fig.suptitle("elicense benchmarks against floors measured in the same run")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
