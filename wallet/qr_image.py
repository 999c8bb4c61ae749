"""QR code images for credentials (ISO/IEC 18004:2015), at error-correction level M.

https://www.iso.org/standard/62021.html . A small encoder, sized to what we show:
one segment in alphanumeric mode (§7.4.4) when the text allows it (our ``EL1:`` +
Base45 credentials always do), else byte mode (§7.4.5, UTF-8); level M only;
versions 1–40 with a cap (default 20, DESIGN.md).

Why not ``qrcode`` or ``segno``: both spend 20–40 ms a PNG, mostly on building the
matrix eight times in pure Python to pick a mask, and ``qrcode`` spends another 4 ms
on its polynomial Reed–Solomon. Phones refresh the code every minute. Here the
Reed–Solomon remainder is a table-driven shift register on one Python int, the
placement order is cached per version, and all eight masks are scored at once in
numpy with the §7.8.3.1 penalty rules, so the mask is still the one the standard
asks for, not a fixed one. The PNG (1-bit greyscale, written with zlib) and the SVG
(one ``<path>`` of horizontal runs) are built straight from the matrix.

``tests/wallet/test_qr_image.py`` proves the matrices module for module against
``qrcode`` and decodes the images with ``zxing-cpp``.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from issuers.errors import PayloadTooLarge

__all__ = ["QrMatrix", "qr_matrix", "render_png", "render_svg"]

Grid = npt.NDArray[np.uint8]

ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"  # Table 5
_ALNUM_VALUE = {c: i for i, c in enumerate(ALPHANUMERIC)}
MAX_SUPPORTED_VERSION = 40

# Table 9, level M, indexed by version (index 0 unused).
_EC_PER_BLOCK = (0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26,
                 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
                 28, 28, 28)  # fmt: skip
_BLOCKS = (0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18,
           20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49)  # fmt: skip


@dataclass(frozen=True, slots=True)
class QrMatrix:
    """A finished symbol without quiet zone: ``modules[row][col]`` is 1 for dark."""

    version: int
    size: int
    mask: int
    modules: tuple[bytes, ...]


def qr_matrix(text: str, *, max_version: int = 20, mask: int | None = None) -> QrMatrix:
    """Encode ``text`` at level M in the smallest version that holds it.

    ``mask`` fixes the data mask (0–7); by default it is chosen by the §7.8.3 penalty.
    Raises :class:`PayloadTooLarge` when the text needs a version above ``max_version``.
    """
    grid, version, chosen = _encode(text, max_version, mask)
    return QrMatrix(version, grid.shape[0], chosen, tuple(row.tobytes() for row in grid))


def render_png(text: str, *, scale: int = 4, border: int = 4, max_version: int = 20) -> bytes:
    """A 1-bit greyscale PNG (W3C PNG, 3rd ed.) of ``text``; ``scale`` pixels a module."""
    _check_geometry(scale, border)
    grid = _encode(text, max_version, None)[0]
    light = np.ones((grid.shape[0] + 2 * border,) * 2, dtype=np.uint8)
    light[border : border + grid.shape[0], border : border + grid.shape[0]] = grid ^ 1
    rows = np.packbits(np.repeat(light, scale, axis=1), axis=1)
    side = light.shape[0] * scale
    # Filter type 0 (None) in front of every scanline; identical scanlines compress well.
    raw = np.repeat(np.pad(rows, ((0, 0), (1, 0))), scale, axis=0).tobytes()
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"".join(
        (b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", ihdr), _chunk(b"IDAT", zlib.compress(raw, 6)),
         _chunk(b"IEND", b""))
    )  # fmt: skip


def render_svg(text: str, *, scale: int = 4, border: int = 4, max_version: int = 20) -> str:
    """An SVG of ``text``: one stroked ``<path>`` with a horizontal segment per dark run."""
    _check_geometry(scale, border)
    grid = _encode(text, max_version, None)[0]
    n = grid.shape[0]
    edges = np.diff(np.pad(grid, ((0, 0), (1, 1))).astype(np.int8), axis=1)
    rows, starts = np.nonzero(edges == 1)
    ends = np.nonzero(edges == -1)[1]
    parts: list[str] = []
    last_row, last_end = -1, 0
    for r, s, e in zip(rows.tolist(), starts.tolist(), ends.tolist(), strict=True):
        if r != last_row:
            parts.append(f"M{s + border} {r + border}.5h{e - s}")
        else:
            parts.append(f"m{s - last_end} 0h{e - s}")
        last_row, last_end = r, e
    side = n + 2 * border
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{side * scale}" '
        f'height="{side * scale}" viewBox="0 0 {side} {side}" shape-rendering="crispEdges">'
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path stroke="#000" d="{"".join(parts)}"/></svg>'
    )


def _check_geometry(scale: int, border: int) -> None:
    if scale < 1 or border < 0:
        raise ValueError(f"scale must be >= 1 and border >= 0, got {scale} and {border}")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# --- Encoding: segment bits (§7.4), codewords (§7.5–7.6), placement (§7.7), masks (§7.8)


def _encode(text: str, max_version: int, mask: int | None) -> tuple[Grid, int, int]:
    if not 1 <= max_version <= MAX_SUPPORTED_VERSION:
        raise ValueError(f"max_version must be 1..{MAX_SUPPORTED_VERSION}, got {max_version}")
    if mask is not None and not 0 <= mask <= 7:
        raise ValueError(f"mask must be 0..7, got {mask}")
    alnum = all(c in _ALNUM_VALUE for c in text)
    payload = text.encode("ascii" if alnum else "utf-8")
    count, value = (len(payload), 0)
    if alnum:
        for i in range(0, count - 1, 2):
            value = (value << 11) | (_ALNUM_VALUE[text[i]] * 45 + _ALNUM_VALUE[text[i + 1]])
        body_bits = 11 * (count // 2) + 6 * (count % 2)
        if count % 2:
            value = (value << 6) | _ALNUM_VALUE[text[-1]]
    else:
        value, body_bits = int.from_bytes(payload, "big"), 8 * count
    version = _fit(count, body_bits, alnum)
    if version > max_version:
        raise _too_large(len(text), version, max_version)
    count_bits = _count_bits(version, alnum)
    capacity = _data_codewords(version) * 8
    bits = 4 + count_bits + body_bits
    stream = ((0b0010 if alnum else 0b0100) << count_bits | count) << body_bits | value
    terminator = min(4, capacity - bits) + (-(bits + min(4, capacity - bits)) % 8)
    stream <<= terminator  # §7.4.9: terminator, then zero bits to the byte boundary
    data = stream.to_bytes((bits + terminator) // 8, "big")
    pad = bytes((0xEC, 0x11)) * (capacity // 16 + 1)
    data += pad[: capacity // 8 - len(data)]
    layout = _layout(version)
    bits_arr = np.unpackbits(np.frombuffer(_add_ec(data, version), dtype=np.uint8))
    placed = np.zeros(layout.base.size, dtype=np.uint8)
    placed[layout.order[: bits_arr.size]] = bits_arr
    unmasked = layout.base ^ placed.reshape(layout.base.shape)
    choices = range(8) if mask is None else (mask,)
    candidates = unmasked[None] ^ layout.masks[list(choices)]
    candidates[:, layout.format_rows, layout.format_cols] = _FORMAT_BITS[list(choices)]
    best = int(np.argmin(_penalty(candidates))) if mask is None else 0
    return candidates[best], version, choices[best]


def _count_bits(version: int, alnum: bool) -> int:  # Table 3
    if alnum:
        return 9 if version <= 9 else 11 if version <= 26 else 13
    return 8 if version <= 9 else 16


def _raw_modules(version: int) -> int:
    """Modules left for data and EC codewords once the function patterns are drawn."""
    result = (16 * version + 128) * version + 64
    if version >= 2:
        align = version // 7 + 2
        result -= (25 * align - 10) * align - 55
        if version >= 7:
            result -= 36
    return result


def _data_codewords(version: int) -> int:
    return _raw_modules(version) // 8 - _EC_PER_BLOCK[version] * _BLOCKS[version]


def _fit(count: int, body_bits: int, alnum: bool) -> int:
    for version in range(1, MAX_SUPPORTED_VERSION + 1):
        fits_count = count < 1 << _count_bits(version, alnum)
        if fits_count and 4 + _count_bits(version, alnum) + body_bits <= 8 * _data_codewords(
            version
        ):
            return version
    return MAX_SUPPORTED_VERSION + 1


def _too_large(length: int, needed: int, max_version: int) -> PayloadTooLarge:
    def size(v: int) -> str:
        return f"version {v} ({17 + 4 * v}×{17 + 4 * v} modules)"

    fits = needed <= MAX_SUPPORTED_VERSION
    need = size(needed) if fits else f"more than version {MAX_SUPPORTED_VERSION}"
    return PayloadTooLarge(
        f"a QR payload of {length} characters needs {need} at error-correction level M; "
        f"the limit is {size(max_version)}",
        details={"length": length, "needed_version": needed if fits else None,
                 "max_version": max_version},
    )  # fmt: skip


# Reed-Solomon over GF(2^8) with the polynomial 0x11D (§7.5.2).
_EXP = [0] * 512
_LOG = [0] * 256
_x = 1
for _i in range(255):
    _EXP[_i] = _EXP[_i + 255] = _x
    _LOG[_x] = _i
    _x = (_x << 1) ^ (0x11D if _x & 0x80 else 0)


def _gf_mul(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else _EXP[_LOG[a] + _LOG[b]]


@lru_cache(maxsize=None)
def _rs_table(degree: int) -> tuple[int, ...]:
    """For each feedback byte, the generator's lower coefficients times it, as one int."""
    gen = [1]  # product of (x - a^i) for i < degree, highest coefficient first
    for i in range(degree):
        gen = [a ^ _gf_mul(b, _EXP[i]) for a, b in zip([*gen, 0], [0, *gen], strict=True)]
    return tuple(int.from_bytes(bytes(_gf_mul(c, f) for c in gen[1:])) for f in range(256))


def _add_ec(data: bytes, version: int) -> bytes:
    """Split into blocks, append each block's EC codewords, interleave (§7.6)."""
    blocks, degree = _BLOCKS[version], _EC_PER_BLOCK[version]
    table, shift, keep = _rs_table(degree), 8 * (degree - 1), (1 << 8 * degree) - 1
    short_len = len(data) // blocks
    num_short = blocks - len(data) % blocks
    datas: list[bytes] = []
    ecs: list[bytes] = []
    start = 0
    for b in range(blocks):
        block = data[start : start + short_len + (b >= num_short)]
        start += len(block)
        reg = 0
        for byte in block:
            reg = ((reg << 8) & keep) ^ table[(reg >> shift) ^ byte]
        datas.append(block)
        ecs.append(reg.to_bytes(degree))
    out = bytearray(b[i] for i in range(short_len + 1) for b in datas if i < len(b))
    out += bytes(b[i] for i in range(degree) for b in ecs)
    return bytes(out)


@dataclass(frozen=True, slots=True)
class _Layout:
    base: Grid  # function patterns drawn, format areas light, dark module set
    order: npt.NDArray[np.intp]  # flat indices of the data modules in placement order
    masks: Grid  # (8, n, n): the eight §7.8.2 patterns, zero on function modules
    format_rows: npt.NDArray[np.intp]
    format_cols: npt.NDArray[np.intp]


def _bch(value: int, width: int, poly: int) -> int:
    rem = value
    for _ in range(width):
        rem = (rem << 1) ^ ((rem >> (width - 1)) * poly)
    return value << width | rem


# Format information for level M (bits 00) and each mask, §7.9.1, as 15 bits LSB first.
_FORMAT_BITS = np.array(
    [[(_bch(m, 10, 0x537) ^ 0x5412) >> i & 1 for i in range(15)] * 2 for m in range(8)],
    dtype=np.uint8,
)


@lru_cache(maxsize=None)
def _layout(version: int) -> _Layout:
    n = 17 + 4 * version
    base = np.zeros((n, n), dtype=np.uint8)
    func = np.zeros((n, n), dtype=bool)

    def put(r: int, c: int, dark: bool) -> None:
        base[r, c], func[r, c] = dark, True

    for i in range(n):  # timing patterns, §6.3.5
        put(6, i, i % 2 == 0)
        put(i, 6, i % 2 == 0)
    for cr, cc in ((3, 3), (3, n - 4), (n - 4, 3)):  # finders and separators, §6.3.3
        for dr in range(-4, 5):
            for dc in range(-4, 5):
                if 0 <= cr + dr < n and 0 <= cc + dc < n:
                    put(cr + dr, cc + dc, max(abs(dr), abs(dc)) not in (2, 4))
    if version > 1:  # alignment patterns, Annex E
        count = version // 7 + 2
        step = (version * 8 + count * 3 + 5) // (count * 4 - 4) * 2
        pos = [6, *sorted(n - 7 - i * step for i in range(count - 1))]
        corners = {(6, 6), (6, pos[-1]), (pos[-1], 6)}  # where the finders are
        for r in pos:
            for c in pos:
                if (r, c) not in corners:
                    for dr in range(-2, 3):
                        for dc in range(-2, 3):
                            put(r + dr, c + dc, max(abs(dr), abs(dc)) != 1)
    # Format information, both copies, bit 0 first (§7.9.1, Figure 25).
    rows = [*range(6), 7, 8, 8, *[8] * 6, *[8] * 8, *range(n - 7, n)]
    cols = [*[8] * 6, 8, 8, 7, *range(5, -1, -1), *range(n - 1, n - 9, -1), *[8] * 7]
    for r, c in zip(rows, cols, strict=True):
        put(r, c, False)
    put(n - 8, 8, True)  # the dark module
    if version >= 7:  # version information, §7.10
        info = _bch(version, 12, 0x1F25)
        for i in range(18):
            put(i // 3, n - 11 + i % 3, bool(info >> i & 1))
            put(n - 11 + i % 3, i // 3, bool(info >> i & 1))
    order: list[int] = []
    for right in range(n - 1, 0, -2):  # two-module columns, right to left, §7.7.3
        right = right - 1 if right <= 6 else right
        upward = ((right + 1) & 2) == 0
        for vert in range(n):
            r = n - 1 - vert if upward else vert
            order.extend(r * n + c for c in (right, right - 1) if not func[r, c])
    i, j = np.indices((n, n))
    patterns = (
        (i + j) % 2, i % 2, j % 3, (i + j) % 3, (i // 2 + j // 3) % 2,
        (i * j) % 2 + (i * j) % 3, ((i * j) % 2 + (i * j) % 3) % 2, ((i + j) % 2 + (i * j) % 3) % 2,
    )  # fmt: skip
    masks = np.array([(p == 0) & ~func for p in patterns], dtype=np.uint8)
    return _Layout(base, np.array(order, dtype=np.intp), masks,
                   np.array(rows, dtype=np.intp), np.array(cols, dtype=np.intp))  # fmt: skip


def _penalty(grids: Grid) -> npt.NDArray[np.int64]:
    """The §7.8.3.1 penalty score N1..N4 of each grid in a stack ``(k, n, n)``."""
    k, n, _ = grids.shape
    dark = grids.astype(bool)
    score = np.zeros(k, dtype=np.int64)
    for d in (dark, np.ascontiguousarray(dark.transpose(0, 2, 1))):
        # N1: a run of L >= 5 same-colour modules scores 3 + (L - 5), which is one per
        # five-module window inside the run plus two for the window that starts it.
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
        score += 40 * (
            (core[:, :, 4:] & light[:, :, : n - 2]).sum(axis=(1, 2))
            + (core[:, :, : n - 2] & light[:, :, 7:]).sum(axis=(1, 2))
        )
    # N2: each 2x2 block of one colour scores 3.
    tl = grids[:, :-1, :-1]
    same = (tl == grids[:, 1:, :-1]) & (tl == grids[:, :-1, 1:]) & (tl == grids[:, 1:, 1:])
    score += 3 * same.sum(axis=(1, 2))
    # N4: 10 for each full 5% step the dark share lies away from 50%.
    dark_count = grids.sum(axis=(1, 2), dtype=np.int64)
    score += 10 * (np.abs(dark_count * 20 - n * n * 10) // (n * n))
    return score
