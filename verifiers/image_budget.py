"""Decode an untrusted PNG or JPEG within a memory and time budget, for QR reading.

What a request may cost is decided from the file's header, before a pixel is decoded:

1. **Pixels** (:data:`MAX_IMAGE_PIXELS`): the header's width x height. It bounds the
   CPU of entropy decoding and zlib inflation, whatever the memory.
2. **Bytes** (:data:`MAX_DECODE_BYTES`): what Pillow's ``load()`` will allocate. That
   is the pixel buffer in Pillow's storage (1 byte a pixel for ``1``, ``L`` and ``P``,
   2 for 16-bit grey, 4 for every multi-band mode, whatever the file's bit depth: a
   16-bit RGBA PNG lands as 8-bit RGBA), plus, for a JPEG with several scans
   (progressive, or components sent in separate scans), libjpeg's buffer of every DCT
   coefficient of the whole image, 2 bytes each, whatever the output scale. Measured
   (2026-11): a 40 Mpx progressive 4:2:0 JPEG costs 121 MB that way, a baseline one 6.
   A JPEG is first given a *draft*: libjpeg decodes it straight to greyscale at 1/2,
   1/4 or 1/8 scale, so a 48 Mpx phone photo costs a few MB.
3. **Reading size** (:data:`MAX_READ_PIXELS`): zxing-cpp's QR detector is quadratic in
   the number of finder-pattern candidates. A 2 Mpx picture tiled with 1-pixel finder
   patterns takes it 0.95 s, 4 Mpx 3.4 s, 9 Mpx 16 s; at 1.5 Mpx 0.57 s. So every
   image is shrunk to at most 1.5 Mpx of 8-bit grey before it is read: a QR code
   that spans a quarter of a photo's shorter side still has 3 pixels a module.

Shrinking runs over tiles of the decoded buffer (grey, then an integer box reduction,
per tile), so colour conversion, 16-bit scaling and alpha never allocate a second
full-size image: one image costs its decoded buffer plus a few MB. PNG metadata chunks
(text, ICC profiles, EXIF) are dropped before Pillow parses them: 70 compressed text
chunks in a 74 KB file otherwise inflate to 64 MB.
"""

from __future__ import annotations

import io
import math
import struct

from PIL import Image, JpegImagePlugin

from issuers.errors import PayloadTooLarge

__all__ = [
    "MAX_DECODE_BYTES",
    "MAX_IMAGE_PIXELS",
    "MAX_JPEG_SCANS",
    "MAX_READ_PIXELS",
    "open_within_budget",
    "reading_image",
]

MAX_IMAGE_PIXELS = 40_000_000  # a 4K frame is 8.3 Mpx; Pillow's default warning is at 89 Mpx
_MIB = 1024 * 1024
MAX_DECODE_BYTES = 48 * _MIB  # a 4K RGBA screenshot (33 MB) fits: 12.5 Mpx of RGBA
MAX_READ_PIXELS = 1_500_000
# libjpeg decodes every scan over the whole image and only warns when one repeats a
# band already sent, so a scan of ~35 bytes buys a full pass: 10,000 of them over 16 Mpx
# took 11 s. libjpeg's progressive script writes 10 scans (colour), mozjpeg's a dozen.
MAX_JPEG_SCANS = 64
_FORMATS = ("PNG", "JPEG")
_TILE_PIXELS = 512 * 1024  # one tile's grey conversion allocates a few MB at most
# The chunks that make a PNG's pixels (ISO/IEC 15948 sections 11.2 and 11.3.2.1);
# every other ancillary chunk is metadata a QR reader does not need.
_PNG_PIXEL_CHUNKS = frozenset({b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"})
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def open_within_budget(data: bytes) -> Image.Image:
    """Open *data* as PNG or JPEG, ready for ``load()`` within the budgets, or refuse.

    Raises :class:`PayloadTooLarge` naming the budget it would break. Pillow's own
    errors (not an image, a broken header) propagate for the caller to type.
    """
    image = Image.open(io.BytesIO(_png_pixels_only(data)), formats=_FORMATS)
    width, height = image.size
    if width * height > MAX_IMAGE_PIXELS:
        raise PayloadTooLarge(
            f"image is {width}x{height} pixels; the limit is {MAX_IMAGE_PIXELS} pixels",
            field="image",
        )
    coefficients = 0
    if isinstance(image, JpegImagePlugin.JpegImageFile):
        _refuse_many_scans(data)
        if _jpeg_buffers_whole_image(data, image):
            coefficients = _jpeg_coefficient_bytes(image)
        shrink = math.sqrt(width * height / MAX_READ_PIXELS)
        if shrink > 1:  # libjpeg picks the smallest scale at least this large
            image.draft("L", (max(1, int(width / shrink)), max(1, int(height / shrink))))
        else:
            image.draft("L", image.size)  # greyscale at full scale: a third of RGB's memory
    cost = image.width * image.height * _bytes_per_pixel(image.mode) + coefficients
    if cost > MAX_DECODE_BYTES:
        raise PayloadTooLarge(
            f"decoding this {width}x{height} {image.format} image takes"
            f" {-(-cost // _MIB)} MiB of memory; the limit is {MAX_DECODE_BYTES // _MIB} MiB."
            " Send a smaller picture, or crop it to the QR code",
            field="image",
            details={"decode_bytes": cost, "limit_bytes": MAX_DECODE_BYTES},
        )
    return image


def reading_image(image: Image.Image) -> Image.Image:
    """Decode *image* and return it as 8-bit grey of at most :data:`MAX_READ_PIXELS`."""
    image.load()
    width, height = image.size
    factor = max(1, math.isqrt(width * height // MAX_READ_PIXELS))
    grey = image if image.mode == "L" and factor == 1 else _reduced_grey(image, factor)
    pixels = grey.width * grey.height
    if pixels <= MAX_READ_PIXELS:
        return grey
    scale = math.sqrt(MAX_READ_PIXELS / pixels)
    size = (max(1, int(grey.width * scale)), max(1, int(grey.height * scale)))
    return grey.resize(size, Image.Resampling.BILINEAR)


def _reduced_grey(image: Image.Image, factor: int) -> Image.Image:
    """Grey, reduced by *factor*, tile by tile: tiles are multiples of *factor* wide
    and high, so the result equals reducing the whole image at once."""
    width, height = image.size
    side = max(factor, math.isqrt(_TILE_PIXELS) // factor * factor)
    out = Image.new("L", (-(-width // factor), -(-height // factor)))
    for top in range(0, height, side):
        for left in range(0, width, side):
            box = (left, top, min(width, left + side), min(height, top + side))
            tile = _greyscale(image.crop(box))
            out.paste(tile.reduce(factor) if factor > 1 else tile, (left // factor, top // factor))
    return out


def _greyscale(image: Image.Image) -> Image.Image:
    """8-bit grey, what zxing-cpp reads best. Transparency is laid on white (a QR drawn
    on a transparent background is otherwise all black); 16-bit samples are scaled,
    since ``convert("L")`` clips them."""
    if image.mode == "L":
        return image
    if image.mode.startswith("I"):  # I;16, I;16B or I
        return image.convert("I").point(lambda v: v * (1 / 257)).convert("L")
    if "A" in image.getbands() or "transparency" in image.info:
        rgba = image.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("L")
    return image.convert("L")


def _bytes_per_pixel(mode: str) -> int:
    """Pillow's storage (``libImaging/Storage.c``): multi-band modes take 4 bytes."""
    if mode in ("1", "L", "P"):
        return 1
    return 2 if mode.startswith("I;16") else 4


def _png_pixels_only(data: bytes) -> bytes:
    """*data* without a PNG's metadata chunks; anything else unchanged. A truncated
    chunk is kept as it is, for Pillow to refuse."""
    if not data.startswith(_PNG_SIGNATURE):
        return data
    kept, pos = [_PNG_SIGNATURE], len(_PNG_SIGNATURE)
    while pos + 8 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, pos)
        end = pos + 12 + length
        if kind in _PNG_PIXEL_CHUNKS:
            kept.append(data[pos:end])
        if kind == b"IEND":
            break
        pos = end
    return b"".join(kept)


def _refuse_many_scans(data: bytes) -> None:
    """Refuse a JPEG with more than :data:`MAX_JPEG_SCANS` scans. Every SOS marker libjpeg
    reads is spelled FF DA (fill bytes only add FFs before it; entropy-coded data stuffs
    every FF with 00), so counting FF DA over the file bounds the scans from above."""
    scans = data.count(b"\xff\xda")
    if scans > MAX_JPEG_SCANS:
        raise PayloadTooLarge(
            f"this JPEG has {scans} scans; the limit is {MAX_JPEG_SCANS}",
            field="image",
        )


def _jpeg_buffers_whole_image(data: bytes, image: JpegImagePlugin.JpegImageFile) -> bool:
    """Whether libjpeg keeps every coefficient in memory (``jdcoefct.c``: a progressive
    file, or a first scan with fewer components than the frame). Unknown counts as yes."""
    if image.info.get("progressive"):
        return True
    scan_components = _first_scan_components(data)
    return scan_components is None or scan_components < len(image.layer)


def _first_scan_components(data: bytes) -> int | None:
    """Ns of the first SOS segment (ITU-T T.81 B.2.3), walking the marker segments."""
    pos = 2
    while pos + 4 < len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte (T.81 B.1.1.2)
            pos += 1
        elif marker == 0x01 or 0xD0 <= marker <= 0xD8:  # segments without a length
            pos += 2
        elif marker == 0xDA:
            return data[pos + 4]
        else:
            pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
    return None


def _jpeg_coefficient_bytes(image: JpegImagePlugin.JpegImageFile) -> int:
    """libjpeg's whole-image coefficient buffer: 64 two-byte coefficients per 8x8 block
    of each component, at its sampling factor, for the full-size image."""
    width, height = image.size
    h_max = max((h for _, h, _, _ in image.layer), default=1) or 1
    v_max = max((v for _, _, v, _ in image.layer), default=1) or 1
    blocks = sum(
        -(-width * h // (8 * h_max)) * -(-height * v // (8 * v_max)) for _, h, v, _ in image.layer
    )
    return blocks * 64 * 2
