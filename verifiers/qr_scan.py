"""Read a QR code out of a photo or screenshot (PNG/JPEG) with zxing-cpp.

Verifier input handling, shared by ``POST /verify/image`` and ``elicense verify
<image>``. Untrusted images are bounded before decoding: the byte size is capped,
only PNG and JPEG are opened, and the pixel count read from the header is checked
against a photo-sized budget (:data:`MAX_IMAGE_PIXELS`, well under Pillow's own
decompression-bomb limit) before a single pixel is decoded. Pillow's guard still
applies on top: past twice its ``Image.MAX_IMAGE_PIXELS`` it raises
``DecompressionBombError`` from the header alone. The process-wide warnings filter is
left alone (``warnings.catch_warnings`` is not thread-safe, and the server decodes in a
thread pool); every size Pillow only *warns* about is already over our budget.

Decoded pixels are normalised to 8-bit greyscale, with transparency laid on white
(a QR drawn on a transparent background is otherwise all black) and 16-bit samples
scaled rather than clipped, then handed to zxing-cpp with only the QR format enabled.
"""

from __future__ import annotations

import io
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import zxingcpp
from PIL import Image, UnidentifiedImageError

from issuers.errors import Busy, InvalidInput, PayloadTooLarge

__all__ = ["MAX_IMAGE_BYTES", "MAX_IMAGE_PIXELS", "NoQrFound", "read_qr_image"]

MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000  # a 4K photo is 8.3 Mpx; Pillow's default is 89 Mpx
_FORMATS = ("PNG", "JPEG")
_QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)  # 9x faster than all formats
# What a corrupt PNG or JPEG makes Pillow raise while reading the header or the pixels.
_UNREADABLE = (
    UnidentifiedImageError,
    OSError,  # truncated data, bad CRC, broken zlib or Huffman stream
    ValueError,
    SyntaxError,  # Pillow's "not a PNG file" and friends
    EOFError,
    IndexError,
    KeyError,
    struct.error,
    ZeroDivisionError,
)


class NoQrFound(InvalidInput):
    code = "no_qr_found"


# Decoding a photo costs up to about 0.6 s of CPU; without a bound, a burst of public
# uploads would queue every worker thread behind it. At most this many run at once per
# process; a request that cannot get a slot within DECODE_WAIT_S is told `busy` (503).
MAX_CONCURRENT_DECODES = 2
DECODE_WAIT_S = 2.0
_decoders = threading.BoundedSemaphore(MAX_CONCURRENT_DECODES)


@contextmanager
def decode_slot(wait_s: float = DECODE_WAIT_S) -> Iterator[None]:
    """One of the process's image-decoding slots, or :class:`Busy`."""
    if not _decoders.acquire(timeout=wait_s):
        raise Busy("the image reader is busy; try again in a moment", field="image")
    try:
        yield
    finally:
        _decoders.release()


def read_qr_image(data: bytes) -> str:
    """Return the text of the QR code in the image, or raise a typed error.

    When the image holds several QR codes, the first that looks like a credential
    (``EL<n>:``) wins, else the first found.

    Raises :class:`PayloadTooLarge` (too many bytes or pixels, a decompression bomb),
    :class:`InvalidInput` (not a readable PNG or JPEG), :class:`NoQrFound`, or
    :class:`Busy` when every decoding slot stays taken (:func:`decode_slot`).
    """
    if len(data) > MAX_IMAGE_BYTES:
        raise PayloadTooLarge(
            f"image is {len(data)} bytes; the limit is {MAX_IMAGE_BYTES}", field="image"
        )
    with decode_slot():
        return _decode(data)


def _decode(data: bytes) -> str:
    try:
        image = Image.open(io.BytesIO(data), formats=_FORMATS)
        width, height = image.size
        if width * height > MAX_IMAGE_PIXELS:
            raise PayloadTooLarge(
                f"image is {width}x{height} pixels; the limit is {MAX_IMAGE_PIXELS} pixels",
                field="image",
            )
        if image.format == "JPEG":
            image.draft("L", image.size)  # decode straight to greyscale, a third of the memory
        image.load()
        grey = _greyscale(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # The warning is an exception only where a filter says so (e.g. pytest's "error").
        raise PayloadTooLarge("image decompresses past the pixel limit", field="image") from None
    except _UNREADABLE:
        raise InvalidInput("not a readable PNG or JPEG image", field="image") from None
    texts = [str(result.text) for result in zxingcpp.read_barcodes(grey, formats=_QR_ONLY)]
    if not texts:
        raise NoQrFound("no QR code found in the image", field="image")
    return next((t for t in texts if _looks_like_credential(t)), texts[0]).strip()


def _greyscale(image: Image.Image) -> Image.Image:
    """8-bit greyscale (or 1-bit, kept as is): what zxing-cpp reads best."""
    if image.mode in ("1", "L"):
        return image
    if image.mode.startswith("I"):  # 16-bit PNG: I;16, I;16B or I. convert("L") clips.
        return image.convert("I").point(lambda v: v * (1 / 257)).convert("L")
    if "A" in image.getbands() or "transparency" in image.info:
        rgba = image.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("L")
    return image.convert("L")


def _looks_like_credential(text: str) -> bool:
    head, colon, _ = text.strip().partition(":")
    return bool(colon) and head.startswith("EL") and head[2:].isdigit()
