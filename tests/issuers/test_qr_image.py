"""QR images: proved with someone else's code.

``qrcode`` must build the very same matrix for the same mask, ``zxing-cpp`` must read
every PNG back, and the chosen mask must be the one a plain reading of the ISO/IEC
18004:2015 §7.8.3.1 penalty rules picks.
"""

from __future__ import annotations

import io
import random
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import qrcode
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from issuers.errors import PayloadTooLarge
from issuers.formats.qr_image import (
    ALPHANUMERIC,
    LIVE_MASK,
    QrMatrix,
    qr_matrix,
    render_png,
    render_svg,
)

# Level M alphanumeric capacity of versions 1-20 (ISO/IEC 18004:2015, Table 7).
ALNUM_CAPACITY_M = (20, 38, 61, 90, 122, 154, 178, 221, 262, 311,
                    366, 419, 483, 528, 600, 656, 734, 816, 909, 970)  # fmt: skip
V20_ALNUM_CAPACITY = ALNUM_CAPACITY_M[-1]


def credential(length: int, seed: int = 0) -> str:
    """A realistic QR credential: the version prefix and Base45-alphabet text."""
    rng = random.Random(f"{seed}:{length}")
    return "EL1:" + "".join(rng.choice(ALPHANUMERIC) for _ in range(length))


def grid_of(matrix: QrMatrix) -> np.ndarray:
    return np.frombuffer(b"".join(matrix.modules), dtype=np.uint8).reshape(matrix.size, -1)


def raster(grid: np.ndarray, scale: int = 3, border: int = 4) -> np.ndarray:
    """Dark modules as black pixels, with a light quiet zone: what a camera would see."""
    light = np.pad(1 - grid, border, constant_values=1) * 255
    return np.repeat(np.repeat(light.astype(np.uint8), scale, axis=0), scale, axis=1)


def scan(image: np.ndarray | Image.Image) -> zxingcpp.Barcode:
    qr_only = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)  # 9x faster than all
    results = zxingcpp.read_barcodes(image, formats=qr_only)
    assert len(results) == 1, "zxing-cpp found no QR code (or several)"
    assert results[0].valid
    return results[0]


def extra(result: zxingcpp.Barcode) -> dict[str, Any]:
    """zxing-cpp's QR details: ``Version``, ``ECLevel``, ``DataMask``."""
    assert isinstance(result.extra, dict)
    return result.extra


def png_image(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("L")


@pytest.mark.parametrize("length", [100, 400, 700, V20_ALNUM_CAPACITY - 4])
def test_png_scans_back_at_level_m_within_version_20(length: int) -> None:
    text = credential(length)
    matrix = qr_matrix(text)

    result = scan(png_image(render_png(text)))

    assert result.text == text
    assert result.symbology_identifier.startswith("]Q")
    assert result.ec_level == "M"
    assert int(extra(result)["Version"]) == matrix.version <= 20
    assert extra(result)["DataMask"] == matrix.mask


def test_png_pixels_are_the_matrix_scaled_inside_the_quiet_zone() -> None:
    text = credential(500)
    png = render_png(text, scale=5, border=2)
    grid = grid_of(qr_matrix(text))

    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    assert image.mode == "1"
    assert image.size == ((grid.shape[0] + 4) * 5,) * 2
    assert np.array_equal(np.array(image.convert("L")), raster(grid, scale=5, border=2))


def svg_runs_to_grid(svg: str) -> tuple[np.ndarray, ET.Element]:
    """Replay the path's M/m/h commands onto a module grid (quiet zone included)."""
    root = ET.fromstring(svg)
    paths = root.findall("{http://www.w3.org/2000/svg}path")
    assert len(paths) == 1
    side = int(root.attrib["viewBox"].split()[2])
    grid = np.zeros((side, side), dtype=np.uint8)
    x = y = 0.0
    for command, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", paths[0].attrib["d"]):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:
            assert y % 1 == 0.5, "a unit stroke must run along a row's centre line"
            grid[int(y), int(x) : int(x + float(a))] = 1
            x += float(a)
    return grid, root


@pytest.mark.parametrize("length", [100, 700])
def test_svg_path_draws_exactly_the_matrix(length: int) -> None:
    text = credential(length)
    grid = grid_of(qr_matrix(text))

    svg = render_svg(text, scale=3, border=4)
    drawn, root = svg_runs_to_grid(svg)

    assert np.array_equal(drawn, np.pad(grid, 4))
    assert root.attrib["width"] == root.attrib["height"] == str((grid.shape[0] + 8) * 3)
    assert len(root) == 2  # the white background and the one path, no rect per module
    assert len(svg) < 12_000
    assert scan(raster(grid)).text == text


def test_live_codes_with_the_fixed_mask_scan_back() -> None:
    """Live presentations are drawn with LIVE_MASK instead of the penalty's choice:
    SVGs of 40 random ELP1-sized texts, replayed to a raster, all scan back."""
    rng = random.Random(20261122)
    for _ in range(40):
        text = "ELP1:" + "".join(rng.choice(ALPHANUMERIC) for _ in range(rng.randint(600, 960)))
        drawn, _root = svg_runs_to_grid(render_svg(text, mask=LIVE_MASK))
        assert np.array_equal(drawn, np.pad(grid_of(qr_matrix(text, mask=LIVE_MASK)), 4))
        result = scan(raster(drawn[4:-4, 4:-4]))
        assert result.text == text
        assert extra(result)["DataMask"] == LIVE_MASK


@pytest.mark.parametrize("mask", range(8))
@pytest.mark.parametrize("length", [30, 330, 660])
def test_matrix_is_qrcodes_matrix_for_the_same_mask(length: int, mask: int) -> None:
    text = credential(length)
    reference = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=mask)
    reference.add_data(text)
    reference.make()

    matrix = qr_matrix(text, mask=mask)

    assert matrix.version == reference.version
    assert np.array_equal(grid_of(matrix), np.array(reference.modules, dtype=np.uint8))
    assert scan(raster(grid_of(matrix))).text == text  # every mask stays readable


@pytest.mark.parametrize("version", range(1, 21))
def test_each_version_fills_to_its_table_7_capacity_like_qrcode(version: int) -> None:
    full = credential(ALNUM_CAPACITY_M[version - 1] - 4, seed=version)
    reference = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=5)
    reference.add_data(full)
    reference.make()

    matrix = qr_matrix(full, mask=5, max_version=40)

    assert matrix.version == reference.version == version
    assert np.array_equal(grid_of(matrix), np.array(reference.modules, dtype=np.uint8))
    assert qr_matrix(full + "0", max_version=40).version == version + 1


def reference_penalty(grid: np.ndarray) -> int:
    """ISO/IEC 18004:2015 §7.8.3.1, read literally, with the quiet zone counted as light."""
    n = len(grid)
    score = 0
    lines = [list(row) for row in grid] + [list(col) for col in grid.T]
    for line in lines:
        for run in (len(m.group()) for m in re.finditer(r"0+|1+", "".join(map(str, line)))):
            score += run - 2 if run >= 5 else 0  # N1 = 3, plus 1 for each module past 5
        padded = "0000" + "".join(map(str, line)) + "0000"
        for pattern in ("00001011101", "10111010000"):
            score += 40 * sum(
                padded.startswith(pattern, i) for i in range(len(padded) - 10)
            )  # N3 = 40
    blocks = (grid[:-1, :-1] == grid[1:, :-1]) & (grid[:-1, :-1] == grid[:-1, 1:])
    score += 3 * int((blocks & (grid[:-1, :-1] == grid[1:, 1:])).sum())  # N2 = 3
    dark = int(grid.sum())
    return score + 10 * (abs(dark * 20 - n * n * 10) // (n * n))  # N4 = 10 per 5% step


@pytest.mark.parametrize("length", [12, 150, 450, 650])
def test_chosen_mask_has_the_lowest_penalty(length: int) -> None:
    text = credential(length, seed=7)
    scores = [reference_penalty(grid_of(qr_matrix(text, mask=m))) for m in range(8)]

    assert qr_matrix(text).mask == scores.index(min(scores))


def test_largest_credential_fits_and_one_more_character_does_not() -> None:
    assert qr_matrix(credential(V20_ALNUM_CAPACITY - 4)).version == 20

    with pytest.raises(PayloadTooLarge) as caught:
        qr_matrix(credential(V20_ALNUM_CAPACITY - 3))
    assert caught.value.code == "payload_too_large"
    assert caught.value.details["needed_version"] == 21


def test_a_1000_character_credential_needs_version_21() -> None:
    text = credential(1000)
    with pytest.raises(PayloadTooLarge, match=r"needs version 21 \(101×101 modules\)"):
        render_png(text)

    result = scan(png_image(render_png(text, max_version=21)))
    assert (result.text, extra(result)["Version"], result.ec_level) == (text, "21", "M")


@pytest.mark.parametrize("render", [qr_matrix, render_png, render_svg])
def test_oversized_payload_raises_payload_too_large(render: Callable[[str], object]) -> None:
    with pytest.raises(PayloadTooLarge, match=r"limit is version 20 \(97×97 modules\)") as caught:
        render(credential(2000))
    assert caught.value.details == {"length": 2004, "needed_version": 31, "max_version": 20}
    assert caught.value.status == 413


def test_beyond_version_40_names_no_version() -> None:
    with pytest.raises(PayloadTooLarge, match="more than version 40") as caught:
        qr_matrix(credential(5000), max_version=40)
    assert caught.value.details["needed_version"] is None


def test_a_lower_cap_is_honoured() -> None:
    with pytest.raises(PayloadTooLarge, match="needs version 17"):
        qr_matrix(credential(700), max_version=16)


@pytest.mark.parametrize(
    "kwargs", [{"scale": 0}, {"border": -1}, {"max_version": 0}, {"max_version": 41}]
)
def test_bad_geometry_is_a_programming_error(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="must be"):
        render_png("EL1:X", **kwargs)


def test_bad_mask_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match=r"mask must be 0\.\.7"):
        qr_matrix("EL1:X", mask=8)


@settings(max_examples=25, deadline=None, database=None)
@given(st.text(alphabet=ALPHANUMERIC, max_size=V20_ALNUM_CAPACITY - 4))
def test_any_base45_text_round_trips_through_zxing(body: str) -> None:
    text = "EL1:" + body
    result = scan(png_image(render_png(text, scale=2)))
    assert (result.text, result.ec_level) == (text, "M")
    assert int(extra(result)["Version"]) <= 20


@settings(max_examples=15, deadline=None, database=None)
@given(st.text(st.characters(codec="utf-8"), min_size=1, max_size=300))
def test_other_text_round_trips_in_byte_mode(text: str) -> None:
    result = scan(png_image(render_png(text, scale=2)))
    assert result.bytes == text.encode()
