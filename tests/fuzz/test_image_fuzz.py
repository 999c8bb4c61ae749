"""A short bounded fuzz of the image verify path: random and mutated PNG and JPEG bytes
into ``verifiers.qr_scan.read_qr_image`` (and so ``verifiers.image_budget``) and into
``POST /verify/image``.

Inputs: valid images of a credential QR (a 1-bit PNG as we render it, an 8-bit RGBA
PNG, baseline and progressive JPEGs) with flipped, set, cut, inserted and repeated
bytes; truncated files; headers patched to declare huge dimensions (CRC fixed, so the
header is believed); a PNG whose IDAT inflates past the pixel budget; random bytes
behind a PNG or JPEG signature.

Properties: every input gives the QR text or a typed error (``invalid_input``,
``payload_too_large``, ``no_qr_found``); over HTTP, never a 5xx. Memory per input is
bounded: a fresh subprocess decodes a corpus of the worst inputs one by one, and what
each adds to the process's peak RSS (``VmHWM``, reset before each through
``/proc/self/clear_refs``) stays under :data:`RSS_LIMIT_MB`: the decode budget
(``MAX_DECODE_BYTES``, 48 MiB) and the reader's working copies. Time is the benchmarks'
business (no timed assertion here); the subprocess has a generous hang guard.
"""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zlib
from functools import cache
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from issuers.errors import InvalidInput, NoQrFound, PayloadTooLarge
from issuers.formats.qr_image import render_png
from tests.fuzz.kit import FUZZ, mutated, typed
from verifiers.api import VERIFY_IMAGE_PATH
from verifiers.qr_scan import read_qr_image

ROOT = Path(__file__).resolve().parents[2]
QR_TEXT = "EL1:" + "6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDE" * 6
RSS_LIMIT_MB = 100
EXPECTED = (InvalidInput, PayloadTooLarge, NoQrFound)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@cache
def images() -> dict[str, bytes]:
    """Valid images of one credential QR, each format a decoder path of its own."""
    png = render_png(QR_TEXT, scale=3)
    picture = Image.open(io.BytesIO(png)).convert("RGBA")
    out = {"png-1bit": png}
    for name, fmt, options in (
        ("png-rgba", "PNG", {}),
        ("jpeg-baseline", "JPEG", {"quality": 85}),
        ("jpeg-progressive", "JPEG", {"quality": 85, "progressive": True}),
    ):
        buffer = io.BytesIO()
        (picture if fmt == "PNG" else picture.convert("RGB")).save(buffer, fmt, **options)
        out[name] = buffer.getvalue()
    return out


def png_declaring(width: int, height: int, idat: bytes = b"") -> bytes:
    """The 1-bit PNG with IHDR patched to ``width`` x ``height`` (CRC recomputed)."""
    png = images()["png-1bit"]
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    end = 8 + 8 + 13 + 4
    rest = png[end:] if not idat else _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    return png[:8] + _chunk(b"IHDR", ihdr) + rest


def jpeg_declaring(width: int, height: int, name: str = "jpeg-baseline") -> bytes:
    """A JPEG with its SOF frame header patched to ``width`` x ``height``."""
    data = bytearray(images()[name])
    for marker in (b"\xff\xc0", b"\xff\xc2"):
        at = data.find(marker)
        if at >= 0:
            struct.pack_into(">HH", data, at + 5, height, width)
    return bytes(data)


def bomb_png(side: int) -> bytes:
    """An 8-bit grey PNG of ``side`` x ``side`` whose IDAT is a few KB of zlib over
    ``side``² bytes of zeros: 7000 is past the pixel budget (49 Mpx), 6000 within it
    (36 Mpx, decoded: 36 MB)."""
    packer = zlib.compressobj(9)
    row = b"\x00" * (side + 1)
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


def hostile_corpus() -> dict[str, bytes]:
    corpus = {
        "png-huge-declared": png_declaring(60_000, 60_000),
        "png-wide": png_declaring(2**31 - 1, 1),
        "png-zero": png_declaring(0, 0),
        "png-bomb": bomb_png(7000),
        "png-bomb-within-budget": bomb_png(6000),
        "jpeg-within-budget-truncated": jpeg_declaring(6000, 4000),
        "jpeg-huge-declared": jpeg_declaring(60_000, 60_000),
        "jpeg-progressive-huge": jpeg_declaring(65_535, 65_535, "jpeg-progressive"),
        "jpeg-zero": jpeg_declaring(0, 0),
    }
    for name, data in images().items():
        corpus[f"{name}-half"] = data[: len(data) // 2]
        corpus[f"{name}-header-only"] = data[:64]
    return corpus


def test_the_valid_images_read() -> None:
    """The mutations start from images that read."""
    for name, data in images().items():
        assert read_qr_image(data) == QR_TEXT, name


@pytest.mark.parametrize("name", sorted(hostile_corpus()))
def test_hostile_images_get_typed_errors(name: str) -> None:
    assert isinstance(typed(read_qr_image, hostile_corpus()[name]), EXPECTED), name


@given(st.data())
@FUZZ
def test_mutated_images(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(images())))
    error = typed(read_qr_image, data.draw(mutated(images()[name])))
    assert error is None or isinstance(error, EXPECTED)


@given(
    st.sampled_from(
        [b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xdb", b"GIF89a", b""]
    ),
    st.binary(max_size=2000),
)
@FUZZ
def test_random_bytes_behind_a_signature(signature: bytes, tail: bytes) -> None:
    error = typed(read_qr_image, signature + tail)
    assert error is None or isinstance(error, EXPECTED)


@given(st.data())
@FUZZ
def test_truncated_images(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(images())))
    image = images()[name]
    error = typed(read_qr_image, image[: data.draw(st.integers(0, len(image) - 1))])
    assert error is None or isinstance(error, EXPECTED)


def test_post_verify_image_never_answers_5xx(client: TestClient) -> None:
    """Over HTTP: the hostile corpus and a few mutations of each valid image."""
    import random

    rng = random.Random(12)
    uploads = dict(hostile_corpus())
    for name, data in images().items():
        for n in range(4):
            changed = bytearray(data)
            for _ in range(3):
                changed[rng.randrange(len(changed))] = rng.randrange(256)
            uploads[f"{name}-mutated-{n}"] = bytes(changed)
    for name, data in uploads.items():
        response = client.post(VERIFY_IMAGE_PATH, files={"image": ("x.png", data, "image/png")})
        assert response.status_code < 500, (name, response.status_code, response.text)
        body = response.json()
        assert "error" in body or "valid" in body, name


_PEAK = """
import json, sys
from pathlib import Path
from verifiers.qr_scan import read_qr_image
from issuers.errors import ElicenseError

def kb(field):
    lines = Path("/proc/self/status").read_text().splitlines()
    return int(next(line for line in lines if line.startswith(field)).split()[1])

corpus = json.load(sys.stdin)
result = {}
for name, hex_data in corpus.items():
    data = bytes.fromhex(hex_data)
    Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) starts again here
    before = kb("VmRSS:")
    try:
        read_qr_image(data)
        code = "read"
    except ElicenseError as exc:
        code = exc.code
    result[name] = [code, (kb("VmHWM:") - before) // 1024]
print(json.dumps(result))
"""


def test_memory_stays_bounded_over_the_hostile_corpus() -> None:
    corpus = {name: data.hex() for name, data in hostile_corpus().items()}
    done = subprocess.run(
        [sys.executable, "-c", _PEAK],
        input=json.dumps(corpus),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,  # a hang guard, not a timing assertion
        check=True,
    )
    result = json.loads(done.stdout)  # name -> [code, MB the decode added to the peak]
    assert {code for code, _ in result.values()} <= {
        "invalid_input",
        "payload_too_large",
        "no_qr_found",
    }, result
    assert max(grown for _, grown in result.values()) < RSS_LIMIT_MB, result
    # The 36 Mpx bomb within the budget was really decoded (the measure measures).
    assert result["png-bomb-within-budget"][1] > 20, result
