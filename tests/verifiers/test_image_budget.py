"""Issue 8 item 8: one image upload costs tens of MB and about a second of CPU at most.

Hostile images are built in memory, streamed row by row so that the test itself stays
small: a 16-bit RGBA PNG of 40 Mpx (311 KB on disk, 613 MB to decode before the
budget), a progressive JPEG whose header promises 40 Mpx, a PNG of 70 compressed text
chunks, and pictures tiled with 1-pixel finder patterns (zxing-cpp's detector is
quadratic in them). Legitimate large pictures (a 24 Mpx phone photo, a 4K RGBA
screenshot, a 16-bit scan) still read. Peak memory is measured where Pillow allocates
it, in C: ``ru_maxrss`` of a fresh subprocess, before and after one decode.
"""

from __future__ import annotations

import io
import json
import math
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from issuers.errors import PayloadTooLarge
from issuers.formats.qr_image import render_png
from tests.helpers import form_token
from verifiers.api import VERIFY_IMAGE_PATH
from verifiers.image_budget import open_within_budget, reading_image
from verifiers.qr_scan import (
    MAX_DECODE_BYTES,
    MAX_IMAGE_PIXELS,
    MAX_READ_PIXELS,
    NoQrFound,
    read_qr_image,
)

ROOT = Path(__file__).resolve().parents[2]
CREDENTIAL = "EL1:" + "6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDE" * 8
MB = 1024 * 1024

# --- building images ------------------------------------------------------------------


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(
    width: int,
    height: int,
    row: Callable[[int], bytes],
    *,
    bit_depth: int = 8,
    colour_type: int = 0,
    extra: bytes = b"",
    level: int = 1,
) -> bytes:
    """A PNG written by hand, one scanline at a time (filter 0)."""
    packer = zlib.compressobj(level)
    idat = b"".join(packer.compress(b"\x00" + row(y)) for y in range(height)) + packer.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + extra
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )


@cache
def rgba16_bomb() -> bytes:
    """What the tester sent: 8000x5000 16-bit RGBA, all zero."""
    blank = bytes(8000 * 8)
    return png(8000, 5000, lambda _: blank, bit_depth=16, colour_type=6, level=9)


def finder_tiles(width: int, height: int) -> bytes:
    """Greyscale PNG tiled with 1-pixel QR finder patterns (1:1:3:1:1) in a white frame."""
    tile = np.full((9, 9), 255, np.uint8)
    tile[1:8, 1:8] = 0
    tile[2:7, 2:7] = 255
    tile[3:6, 3:6] = 0
    rows = np.tile(tile, (1, width // 9 + 1))[:, :width]
    lines = [rows[y].tobytes() for y in range(9)]
    return png(width, height, lambda y: lines[y % 9])


def encode(image: Image.Image, fmt: str = "PNG", **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def qr(scale: int) -> Image.Image:
    return Image.open(io.BytesIO(render_png(CREDENTIAL, scale=scale))).convert("L")


def progressive_header_of(width: int, height: int) -> bytes:
    """A small real progressive JPEG whose frame header (SOF2) claims *width* x *height*:
    the budget must refuse it from the header, before any scan is decoded."""
    data = bytearray(encode(Image.new("RGB", (64, 64), "white"), "JPEG", progressive=True))
    sof = data.index(b"\xff\xc2")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


@cache
def phone_photo() -> bytes:
    """A 24 Mpx (6000x4000) colour JPEG, the QR a third of the shorter side."""
    canvas = Image.new("L", (6000, 4000), 200)
    code = qr(scale=12)
    canvas.paste(code, (2500, 1300))
    return encode(canvas.convert("RGB"), "JPEG", quality=85)


def screenshot_4k() -> bytes:
    """3840x2160 RGBA on a transparent background, as design tools export."""
    code = np.asarray(qr(scale=6))
    alpha = np.zeros((2160, 3840), np.uint8)
    alpha[600 : 600 + code.shape[0], 1500 : 1500 + code.shape[1]] = 255 - code
    rgba = np.zeros((2160, 3840, 4), np.uint8)
    rgba[..., 3] = alpha
    return encode(Image.fromarray(rgba, "RGBA"))


def scan_16_bit() -> bytes:
    """A 16-bit greyscale scan of 3000x3000, dark 5000 and light 56000 (clipped to
    8 bits it is blank)."""
    levels = np.full((3000, 3000), 56000, np.uint16)
    code = np.asarray(qr(scale=8)).astype(np.uint32) * 200 + 5000
    levels[500 : 500 + code.shape[0], 700 : 700 + code.shape[1]] = code
    return encode(Image.fromarray(levels))


def text_chunks(count: int) -> bytes:
    """A 100x100 PNG carrying *count* zTXt chunks of 1 MB each once inflated."""
    text = zlib.compress(b"a" * (MB - 100), 9)
    extra = b"".join(_chunk(b"zTXt", b"k%d\x00\x00" % i + text) for i in range(count))
    white = b"\xff" * 100
    return png(100, 100, lambda _: white, extra=extra)


# --- measuring in a fresh process -----------------------------------------------------

_MEASURE = """
import json, resource, sys, time
from verifiers.qr_scan import read_qr_image
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF)
try:
    outcome = read_qr_image(data)
except Exception as exc:
    outcome = type(exc).__name__
after = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({
    "outcome": outcome,
    "grew_kib": after.ru_maxrss - before.ru_maxrss,
    "cpu_s": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
}))
"""


def measure(data: bytes, tmp_path: Path, timeout: float = 60) -> dict[str, Any]:
    """Decode *data* once in a fresh interpreter: outcome, peak RSS growth, CPU."""
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


# --- refused from the header ----------------------------------------------------------


def test_a_16_bit_rgba_png_of_40_mpx_is_refused_before_decoding(tmp_path: Path) -> None:
    data = rgba16_bomb()
    assert len(data) < 400 * 1024
    with Image.open(io.BytesIO(data)) as opened:
        assert opened.width * opened.height == MAX_IMAGE_PIXELS  # within the pixel budget
    with pytest.raises(PayloadTooLarge) as refused:
        read_qr_image(data)
    assert refused.value.field == "image"
    assert refused.value.details["decode_bytes"] == MAX_IMAGE_PIXELS * 4  # 8-bit RGBA
    assert "153 MiB" in str(refused.value)  # 8000 x 5000 x 4 bytes
    measured = measure(data, tmp_path)
    assert measured["outcome"] == "PayloadTooLarge"
    assert measured["grew_kib"] < 8 * 1024, measured  # was 613 MB


def test_the_upload_route_answers_413_for_it(client: TestClient) -> None:
    response = client.post(VERIFY_IMAGE_PATH, files={"image": ("a.png", rgba16_bomb())})
    assert response.status_code == 413, response.text
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("payload_too_large", "image")
    expected = {"decode_bytes": MAX_IMAGE_PIXELS * 4, "limit_bytes": MAX_DECODE_BYTES}
    assert error["details"] == expected


def test_the_inspector_upload_says_the_image_is_too_large(client: TestClient) -> None:
    response = client.post(
        "/inspector",
        data={"payload": "", "form_token": form_token(client.get("/inspector"))},
        files={"image": ("a.png", rgba16_bomb(), "image/png")},
    )
    assert response.status_code == 413
    assert "图片过大" in response.text


@pytest.mark.parametrize(
    ("width", "height"),
    [(8000, 5000), (4200, 4200)],  # 121 MB measured; 4:2:0 at 17.6 Mpx is 53 MB of coefficients
)
def test_a_progressive_jpeg_is_budgeted_for_its_coefficients(width: int, height: int) -> None:
    """libjpeg keeps every DCT coefficient of a progressive file, whatever the scale."""
    with pytest.raises(PayloadTooLarge) as refused:
        open_within_budget(progressive_header_of(width, height))
    assert refused.value.details["decode_bytes"] > MAX_DECODE_BYTES


def test_metadata_chunks_are_not_inflated(tmp_path: Path) -> None:
    """70 zTXt chunks (74 KB) made Pillow inflate 64 MB of text before any pixel."""
    data = text_chunks(70)
    assert len(data) < 100 * 1024
    with pytest.raises(NoQrFound):  # a blank picture: no text chunk was even parsed
        read_qr_image(data)
    measured = measure(data, tmp_path)
    assert measured["outcome"] == "NoQrFound"
    assert measured["grew_kib"] < 8 * 1024, measured


# --- bounded CPU: zxing-cpp reads at most MAX_READ_PIXELS ------------------------------


@pytest.mark.parametrize(
    ("mode", "size"),
    [
        ("1", (8000, 5000)),
        ("L", (6300, 6300)),
        ("P", (5000, 4000)),
        ("I;16", (4000, 3000)),
        ("LA", (3000, 2000)),
        ("RGBA", (3840, 2160)),
        ("L", (40_000, 1)),
        ("L", (1, 40_000)),
        ("L", (1300, 1150)),  # just under the reading size: read as it is
    ],
)
def test_what_zxing_reads_is_grey_and_at_most_the_reading_size(
    mode: str, size: tuple[int, int]
) -> None:
    data = encode(Image.new(mode, size))
    grey = reading_image(open_within_budget(data))
    assert grey.mode == "L"
    assert grey.width * grey.height <= MAX_READ_PIXELS
    # and no more shrinking than needed: within a factor 2 of the budget, or untouched
    pixels = size[0] * size[1]
    assert grey.width * grey.height >= min(pixels, MAX_READ_PIXELS) // 2


def test_finder_pattern_tiles_cost_about_a_second(tmp_path: Path) -> None:
    """3000x3000 of 1-pixel finder patterns: zxing-cpp took 16 s of CPU on it."""
    measured = measure(finder_tiles(3000, 3000), tmp_path, timeout=120)
    assert measured["outcome"] == "NoQrFound"
    assert measured["cpu_s"] < 3, measured


def test_the_worst_picture_at_the_reading_size_is_the_cpu_bound(tmp_path: Path) -> None:
    side = math.isqrt(MAX_READ_PIXELS)
    measured = measure(finder_tiles(side, side), tmp_path)
    assert measured["outcome"] == "NoQrFound"
    assert measured["cpu_s"] < 3, measured


# --- legitimate large pictures still read ----------------------------------------------


def test_a_24_mpx_phone_photo_reads_in_a_few_mb(tmp_path: Path) -> None:
    data = phone_photo()
    assert read_qr_image(data) == CREDENTIAL
    measured = measure(data, tmp_path)
    assert measured["outcome"] == CREDENTIAL
    assert measured["grew_kib"] < 32 * 1024, measured


@pytest.mark.parametrize("build", [screenshot_4k, scan_16_bit], ids=["4k-rgba", "16-bit-scan"])
def test_large_screenshots_and_scans_read(build: Callable[[], bytes], tmp_path: Path) -> None:
    data = build()
    assert read_qr_image(data) == CREDENTIAL
    measured = measure(data, tmp_path)
    assert measured["outcome"] == CREDENTIAL
    assert measured["grew_kib"] < MAX_DECODE_BYTES // 1024 + 16 * 1024, measured
