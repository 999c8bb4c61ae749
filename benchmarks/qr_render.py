"""QR rendering: ``issuers.formats.qr_image`` against ``qrcode``'s default PNG, in one run.

Run: ``.venv/bin/python benchmarks/qr_render.py [--rounds 200] [--length 600]``

Phones redraw the presentation QR every minute, so this is a hot path. Each round
calls every subject once, in turn (machines here are noisy, and interleaving keeps
the comparison fair); the script prints the median per call in ms and the ratio to
``qrcode.make(text)`` saved as PNG. The target is ours <= 0.25x qrcode's.

Context rows: ``qrcode`` with a fixed mask (what DESIGN.md calls "a quarter of the
time"), and ``segno`` with a fixed mask when it happens to be installed.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import qrcode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from issuers.formats.qr_image import ALPHANUMERIC, LIVE_MASK, qr_matrix, render_png, render_svg

WARM_UP = 10


def subjects(text: str) -> dict[str, Callable[[], object]]:
    def qrcode_default_png() -> bytes:
        out = io.BytesIO()
        qrcode.make(text).save(out, "PNG")
        return out.getvalue()

    def qrcode_fixed_mask_png() -> bytes:
        qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=0)
        qr.add_data(text)
        out = io.BytesIO()
        qr.make_image().save(out, "PNG")
        return out.getvalue()

    found: dict[str, Callable[[], object]] = {
        "qrcode default PNG (baseline)": qrcode_default_png,
        "qrcode mask fixed, PNG": qrcode_fixed_mask_png,
    }
    try:
        import segno  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        pass
    else:

        def segno_fixed_mask_png() -> bytes:
            out = io.BytesIO()
            segno.make_qr(text, error="m", boost_error=False, mask=0).save(out, kind="png")
            return out.getvalue()

        found["segno mask fixed, PNG"] = segno_fixed_mask_png
    found["ours: qr_matrix"] = lambda: qr_matrix(text)
    found["ours: render_png"] = lambda: render_png(text)
    found["ours: render_svg"] = lambda: render_svg(text)
    found["ours: render_svg, LIVE_MASK (live codes)"] = lambda: render_svg(text, mask=LIVE_MASK)
    return found


def interleaved_medians(calls: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    samples: dict[str, list[int]] = {name: [] for name in calls}
    for fn in calls.values():
        for _ in range(WARM_UP):
            fn()
    for _ in range(rounds):
        for name, fn in calls.items():
            start = time.perf_counter_ns()
            fn()
            samples[name].append(time.perf_counter_ns() - start)
    return {name: statistics.median(times) / 1e6 for name, times in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--length", type=int, default=600, help="characters, with EL1:")
    args = parser.parse_args()

    rng = random.Random(600)
    text = "EL1:" + "".join(rng.choice(ALPHANUMERIC) for _ in range(args.length - 4))
    matrix = qr_matrix(text)
    print(
        f"payload: {len(text)} chars -> version {matrix.version} ({matrix.size}x{matrix.size}), "
        f"level M, mask {matrix.mask}; PNG {len(render_png(text))} B at scale 4, "
        f"SVG {len(render_svg(text))} B; {args.rounds} interleaved rounds, "
        f"{WARM_UP} warm-up calls each"
    )
    medians = interleaved_medians(subjects(text), args.rounds)
    baseline = medians["qrcode default PNG (baseline)"]
    width = max(map(len, medians))
    print(f"{'subject':<{width}}  median ms  x qrcode default")
    for name, ms in medians.items():
        print(f"{name:<{width}}  {ms:9.3f}  {ms / baseline:8.3f}")


if __name__ == "__main__":
    main()
