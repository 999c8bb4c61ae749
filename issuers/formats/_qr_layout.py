"""Where a QR symbol's modules go: ISO/IEC 18004:2015 (https://www.iso.org/standard/62021.html).

The part of the standard that depends only on the version, cached per version: the
function patterns (§6.3: finders, separators, timing, alignment, the dark module),
the format and version information (§7.9, §7.10), the order in which data modules are
placed (§7.7.3) and the eight data masks (§7.8.2); and the §7.8.3.1 penalty that
chooses among the masked grids. :mod:`issuers.formats.qr_image` fills the layout with
codewords and renders it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from itertools import product

import numpy as np
import numpy.typing as npt

__all__ = ["Grid", "Index", "Layout", "layout_of", "penalty"]

Grid = npt.NDArray[np.uint8]
Index = npt.NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class Layout:
    """One version's fixed geometry, shared by every symbol of that version."""

    base: Grid  # function patterns drawn, format areas light, the dark module set
    order: Index  # flat indices of the data modules, in placement order
    masks: Grid  # (8, n, n): the eight §7.8.2 patterns, zero on function modules
    format_rows: Index  # both copies of the 15 format bits, bit 0 first (§7.9.1)
    format_cols: Index
    format_bits: Grid  # (8, 30): level M (bits 00) with each mask, BCH-coded, twice


def _bch(value: int, width: int, poly: int) -> int:
    """``value`` followed by its BCH remainder: format (Annex C) and version (Annex D) bits."""
    rem = value
    for _ in range(width):
        rem = (rem << 1) ^ ((rem >> (width - 1)) * poly)
    return value << width | rem


@cache
def layout_of(version: int) -> Layout:
    """Built once per version: a render only places bits into it and applies masks."""
    n = 17 + 4 * version
    base = np.zeros((n, n), dtype=np.uint8)
    func = np.zeros((n, n), dtype=bool)
    base[6, ::2] = base[::2, 6] = 1  # timing patterns (§6.3.5)
    func[6, :] = func[:, 6] = True
    d = np.abs(np.arange(-4, 5))
    ring = np.maximum(d[:, None], d[None, :])  # Chebyshev distance from a pattern centre
    finder = ((ring != 2) & (ring != 4)).astype(np.uint8)  # with its separator (§6.3.3)
    for rs, cs, pattern in ((slice(0, 8), slice(0, 8), finder[1:, 1:]),
                            (slice(0, 8), slice(n - 8, n), finder[1:, :8]),
                            (slice(n - 8, n), slice(0, 8), finder[:8, 1:])):  # fmt: skip
        base[rs, cs], func[rs, cs] = pattern, True
    if version > 1:  # alignment patterns (§6.3.6, Annex E)
        count = version // 7 + 2
        step = (version * 8 + count * 3 + 5) // (count * 4 - 4) * 2
        pos = [6, *sorted(n - 7 - i * step for i in range(count - 1))]
        for r, c in product(pos, pos):
            if (r, c) not in {(6, 6), (6, n - 7), (n - 7, 6)}:
                base[r - 2 : r + 3, c - 2 : c + 3] = ring[2:7, 2:7] != 1
                func[r - 2 : r + 3, c - 2 : c + 3] = True
    rows = np.array([*range(6), 7, 8, 8, *[8] * 6, *[8] * 8, *range(n - 7, n)])
    cols = np.array([*[8] * 6, 8, 8, 7, *range(5, -1, -1), *range(n - 1, n - 9, -1), *[8] * 7])
    func[rows, cols] = True
    words = [_bch(m, 10, 0x537) ^ 0x5412 for m in range(8)]
    format_bits = np.array([[w >> b & 1 for b in range(15)] * 2 for w in words], np.uint8)
    base[n - 8, 8] = func[n - 8, 8] = 1  # the dark module
    if version >= 7:  # version information (§7.10)
        i = np.arange(18)
        near, far = i // 3, n - 11 + i % 3
        base[near, far] = base[far, near] = _bch(version, 12, 0x1F25) >> i & 1
        func[near, far] = func[far, near] = True
    order: list[int] = []
    for right in range(n - 1, 0, -2):  # two-module columns, right to left (§7.7.3)
        right -= right <= 6  # skip the vertical timing pattern
        upward = (right + 1) & 2 == 0
        for r in range(n - 1, -1, -1) if upward else range(n):
            order.extend(r * n + c for c in (right, right - 1) if not func[r, c])
    i, j = np.indices((n, n))
    patterns = ((i + j) % 2, i % 2, j % 3, (i + j) % 3, (i // 2 + j // 3) % 2,
                (i * j) % 2 + (i * j) % 3, ((i * j) % 2 + (i * j) % 3) % 2,
                ((i + j) % 2 + (i * j) % 3) % 2)  # fmt: skip
    masks = np.array([(p == 0) & ~func for p in patterns], dtype=np.uint8)
    return Layout(base, np.array(order, dtype=np.intp), masks, rows, cols, format_bits)


def penalty(grids: Grid) -> npt.NDArray[np.int64]:
    """The §7.8.3.1 penalty, N1 to N4, of each grid in a stack ``(k, n, n)``."""
    k, n, _ = grids.shape
    dark = grids.astype(bool)
    score = np.zeros(k, dtype=np.int64)
    for d in (dark, np.ascontiguousarray(dark.transpose(0, 2, 1))):
        # N1: a run of L >= 5 same-colour modules scores 3 + (L - 5): one for each
        # five-module window inside the run, plus two for the window that opens it.
        eq = d[:, :, 1:] == d[:, :, :-1]
        window = eq[:, :, :-3] & eq[:, :, 1:-2] & eq[:, :, 2:-1] & eq[:, :, 3:]
        opens = window[:, :, 1:] & ~eq[:, :, :-4]
        score += window.sum(axis=(1, 2)) + 2 * (opens.sum(axis=(1, 2)) + window[:, :, 0].sum(1))
        # N3: 40 for each dark-light-dark-dark-dark-light-dark run with four light modules
        # before or after it; the quiet zone counts as light.
        p = np.pad(d, ((0, 0), (0, 0), (4, 4)))
        core = p[:, :, :-6] & ~p[:, :, 1:-5] & p[:, :, 2:-4] & p[:, :, 3:-3] & p[:, :, 4:-2]
        core &= ~p[:, :, 5:-1] & p[:, :, 6:]  # core[j] spans p[j : j + 7]
        light = ~(p[:, :, :-3] | p[:, :, 1:-2] | p[:, :, 2:-1] | p[:, :, 3:])  # p[i : i + 4]
        before = (core[:, :, 4:] & light[:, :, : n - 2]).sum(axis=(1, 2))
        score += 40 * (before + (core[:, :, : n - 2] & light[:, :, 7:]).sum(axis=(1, 2)))
    # N2: each 2x2 block of one colour scores 3.
    tl = grids[:, :-1, :-1]
    same = (tl == grids[:, 1:, :-1]) & (tl == grids[:, :-1, 1:]) & (tl == grids[:, 1:, 1:])
    score += 3 * same.sum(axis=(1, 2))
    # N4: 10 for each full 5% step the dark share lies away from 50%.
    dark_count = grids.sum(axis=(1, 2), dtype=np.int64)
    score += 10 * (np.abs(dark_count * 20 - n * n * 10) // (n * n))
    return score
