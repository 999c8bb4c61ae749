"""QR code images for credentials: ISO/IEC 18004:2015 (https://www.iso.org/standard/62021.html).

Level M; one segment, alphanumeric (§7.4.4) when the text allows, as ``EL1:`` + Base45
does, else byte mode (UTF-8); versions 1–40, capped at 20 by default (DESIGN.md).
``qrcode`` and ``segno`` take 20–40 ms a PNG, mostly building the matrix eight times in
pure Python to choose a mask. Here Reed–Solomon is a table-driven shift register on one
int, the layout is cached per version, and numpy scores all eight masks at once by the
§7.8.3.1 penalty, so the mask is still the one the standard asks for. Data encoding,
error correction and rendering live here; the layout, the masks and the penalty, which
depend on the version alone, in :mod:`issuers.formats._qr_layout`.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from functools import cache
from itertools import accumulate

import numpy as np

from issuers.errors import PayloadTooLarge
from issuers.formats._qr_layout import Grid, layout_of, penalty

__all__ = ["ALPHANUMERIC", "LIVE_MASK", "QrMatrix", "qr_matrix", "render_png", "render_svg"]

# The mask for live presentation codes, redrawn every minute: their payload is
# compressed and signed, so near-random, and for such data the masks score within a
# few per cent of each other. Over 300 random 600-960 character ELP1 texts, mask 2 was
# the penalty's choice most often (85 of 300) and scored 3.6% above the best on average
# (the others 4.9-6.6%); fixing it skips the penalty, most of a render's time.
LIVE_MASK = 2
ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"  # Table 5
_ALNUM_VALUE = {c: i for i, c in enumerate(ALPHANUMERIC)}
MAX_SUPPORTED_VERSION = 40
_COUNT_BITS = {True: (9, 11, 13), False: (8, 16, 16)}  # Table 3: versions 1–9, 10–26, 27–40

# Tables 7 and 9, level M, indexed by version (index 0 unused).
_DATA_CODEWORDS = (0, 16, 28, 44, 64, 86, 108, 124, 154, 182, 216, 254, 290, 334, 365, 415, 453,
                   507, 563, 627, 669, 714, 782, 860, 914, 1000, 1062, 1128, 1193, 1267, 1373,
                   1455, 1541, 1631, 1725, 1812, 1914, 1992, 2102, 2216, 2334)  # fmt: skip
_EC_PER_BLOCK = (0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26,
                 26, 26, 26, *[28] * 19)  # fmt: skip
_BLOCKS = (0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18,
           20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49)  # fmt: skip


@dataclass(frozen=True, slots=True)
class QrMatrix:
    """A finished symbol without its quiet zone: ``modules[row][col]`` is 1 when dark."""

    version: int
    size: int
    mask: int
    modules: tuple[bytes, ...]


def qr_matrix(text: str, *, max_version: int = 20, mask: int | None = None) -> QrMatrix:
    """Encode ``text`` at level M in the smallest version that holds it.

    ``mask`` fixes the data mask (0–7); by default the §7.8.3 penalty chooses it.
    Raises :class:`PayloadTooLarge` when the text needs a version above ``max_version``.
    """
    grid, version, chosen = _encode(text, max_version, mask)
    return QrMatrix(version, grid.shape[0], chosen, tuple(row.tobytes() for row in grid))


def render_png(text: str, *, scale: int = 4, border: int = 4, max_version: int = 20) -> bytes:
    """A 1-bit greyscale PNG (W3C PNG, 3rd ed.) of ``text``, ``scale`` pixels a module."""
    grid = _encode(text, max_version, None, scale, border)[0]
    n = grid.shape[0]
    light = np.ones((n + 2 * border, n + 2 * border), dtype=np.uint8)
    light[border : border + n, border : border + n] = grid ^ 1  # PNG greyscale: 0 is black
    rows = np.packbits(np.repeat(light, scale, axis=1), axis=1)
    # Filter type 0 before each scanline; repeated scanlines cost zlib next to nothing.
    raw = np.repeat(np.pad(rows, ((0, 0), (1, 0))), scale, axis=0).tobytes()
    side = light.shape[0] * scale
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    idat = zlib.compress(raw, 1)  # 5x faster than level 6, about 250 bytes larger
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND")


def render_svg(
    text: str, *, scale: int = 4, border: int = 4, max_version: int = 20, mask: int | None = None
) -> str:
    """An SVG of ``text``: one stroked ``<path>``, a horizontal segment per dark run.
    ``mask`` fixes the data mask (see :data:`LIVE_MASK`); by default the penalty chooses."""
    grid = _encode(text, max_version, mask, scale, border)[0]
    edges = np.diff(np.pad(grid, ((0, 0), (1, 1))).astype(np.int8), axis=1)
    rows, starts = np.nonzero(edges == 1)
    ends = np.nonzero(edges == -1)[1]
    parts: list[str] = []
    last_row, last_end = -1, 0
    for r, s, e in zip(rows.tolist(), starts.tolist(), ends.tolist(), strict=True):
        # A unit-wide stroke along y + .5 covers row y; later runs move relatively.
        parts.append(f"M{s + border} {r + border}.5h{e - s}" if r != last_row else
                     f"m{s - last_end} 0h{e - s}")  # fmt: skip
        last_row, last_end = r, e
    side = grid.shape[0] + 2 * border
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{side * scale}" '
        f'height="{side * scale}" viewBox="0 0 {side} {side}" shape-rendering="crispEdges">'
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path stroke="#000" d="{"".join(parts)}"/></svg>'
    )


def _chunk(kind: bytes, data: bytes = b"") -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _encode(
    text: str, max_version: int, mask: int | None, scale: int = 1, border: int = 0
) -> tuple[Grid, int, int]:
    """Data bits (§7.4), codewords (§7.5–7.6), placement (§7.7), the best mask (§7.8)."""
    if scale < 1 or border < 0:
        raise ValueError(f"scale must be >= 1 and border >= 0, got {scale} and {border}")
    if not 1 <= max_version <= MAX_SUPPORTED_VERSION:
        raise ValueError(f"max_version must be 1..{MAX_SUPPORTED_VERSION}, got {max_version}")
    if mask is not None and not 0 <= mask <= 7:
        raise ValueError(f"mask must be 0..7, got {mask}")
    data, version = _data_codewords(text, max_version)
    layout = layout_of(version)
    bits = np.unpackbits(np.frombuffer(_add_ec(data, version), dtype=np.uint8))
    placed = np.zeros(layout.base.size, dtype=np.uint8)
    placed[layout.order[: bits.size]] = bits  # remainder bits (§7.6) stay 0
    unmasked = layout.base ^ placed.reshape(layout.base.shape)
    choices = list(range(8)) if mask is None else [mask]
    candidates = unmasked[None] ^ layout.masks[choices]
    candidates[:, layout.format_rows, layout.format_cols] = layout.format_bits[choices]
    best = int(np.argmin(penalty(candidates))) if mask is None else 0
    return candidates[best], version, choices[best]


def _data_codewords(text: str, max_version: int) -> tuple[bytes, int]:
    """Mode indicator, character count, data, terminator and pad codewords (§7.4)."""
    alnum = all(c in _ALNUM_VALUE for c in text)
    if alnum:
        count, value = len(text), 0
        for i in range(0, count - 1, 2):
            value = (value << 11) | (_ALNUM_VALUE[text[i]] * 45 + _ALNUM_VALUE[text[i + 1]])
        if count % 2:
            value = (value << 6) | _ALNUM_VALUE[text[-1]]
        body = 11 * (count // 2) + 6 * (count % 2)
    else:
        payload = text.encode()
        count, value, body = len(payload), int.from_bytes(payload), 8 * len(payload)
    version = next(
        (v for v in range(1, MAX_SUPPORTED_VERSION + 1)
         if count >> _COUNT_BITS[alnum][(v + 7) // 17] == 0
         and 4 + _COUNT_BITS[alnum][(v + 7) // 17] + body <= 8 * _DATA_CODEWORDS[v]),
        MAX_SUPPORTED_VERSION + 1,
    )  # fmt: skip
    if version > max_version:
        raise _too_large(len(text), version, max_version)
    head = _COUNT_BITS[alnum][(version + 7) // 17]
    used, capacity = 4 + head + body, 8 * _DATA_CODEWORDS[version]
    tail = min(4, capacity - used)  # terminator, then zero bits up to a byte boundary
    tail += -(used + tail) % 8
    stream = (((0b0010 if alnum else 0b0100) << head | count) << body | value) << tail
    data = stream.to_bytes((used + tail) // 8)
    pad = b"\xec\x11" * (capacity // 16 + 1)  # alternating pad codewords (§7.4.10)
    return data + pad[: capacity // 8 - len(data)], version


def _too_large(length: int, needed: int, max_version: int) -> PayloadTooLarge:
    fits = needed <= MAX_SUPPORTED_VERSION
    need = f"version {needed} ({17 + 4 * needed}×{17 + 4 * needed} modules)" if fits else (
        f"more than version {MAX_SUPPORTED_VERSION}")  # fmt: skip
    return PayloadTooLarge(
        f"a QR payload of {length} characters needs {need} at error-correction level M; the "
        f"limit is version {max_version} ({17 + 4 * max_version}×{17 + 4 * max_version} modules)",
        details={"length": length, "needed_version": needed if fits else None,
                 "max_version": max_version},
    )  # fmt: skip


@cache
def _rs_table(degree: int) -> tuple[int, ...]:
    """Reed–Solomon (§7.5.2): the generator's coefficients times each feedback byte."""
    exp, log, x = [0] * 510, [0] * 256, 1
    for i in range(255):
        exp[i] = exp[i + 255] = x
        log[x] = i
        x = (x << 1) ^ (0x11D if x & 0x80 else 0)

    def mul(a: int, b: int) -> int:
        return exp[log[a] + log[b]] if a and b else 0

    gen = [1]  # the product of (x - a^i) for i < degree, highest coefficient first
    for i in range(degree):
        gen = [a ^ mul(b, exp[i]) for a, b in zip([*gen, 0], [0, *gen], strict=True)]
    return tuple(int.from_bytes(bytes(mul(c, f) for c in gen[1:])) for f in range(256))


def _add_ec(data: bytes, version: int) -> bytes:
    """Split into blocks, compute each block's EC codewords, interleave both (§7.6)."""
    blocks, degree = _BLOCKS[version], _EC_PER_BLOCK[version]
    table, shift, keep = _rs_table(degree), 8 * (degree - 1), (1 << 8 * degree) - 1
    short = len(data) // blocks
    sizes = [short + (b >= blocks - len(data) % blocks) for b in range(blocks)]
    parts = [data[end - size : end] for end, size in zip(accumulate(sizes), sizes, strict=True)]
    ecs = bytearray()
    for part in parts:
        reg = 0
        for byte in part:
            reg = ((reg << 8) & keep) ^ table[(reg >> shift) ^ byte]
        ecs += reg.to_bytes(degree)
    interleaved = bytes(p[i] for i in range(short + 1) for p in parts if i < len(p))
    ec = np.frombuffer(bytes(ecs), dtype=np.uint8).reshape(blocks, degree).T
    return interleaved + ec.tobytes()
