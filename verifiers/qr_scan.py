"""Read a QR code out of a photo or screenshot (PNG/JPEG) with zxing-cpp.

Verifier input handling, shared by ``POST /verify/image``, the inspector's upload and
``elicense verify <image>``. Untrusted images are bounded before decoding: the byte
size is capped here, and :mod:`verifiers.image_budget` opens only PNG and JPEG and
refuses, from the header alone, an image past the pixel budget or whose decoding would
allocate more than :data:`~verifiers.image_budget.MAX_DECODE_BYTES`; it then hands
zxing-cpp at most 1.5 Mpx of 8-bit grey, which bounds the reader's CPU. Pillow's guard
still applies on top: past twice its ``Image.MAX_IMAGE_PIXELS`` it raises
``DecompressionBombError`` from the header alone. The process-wide warnings filter is
left alone (``warnings.catch_warnings`` is not thread-safe, and the server decodes in a
thread pool); every size Pillow only *warns* about is already over our budget.
"""

from __future__ import annotations

import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import zxingcpp
from PIL import Image, UnidentifiedImageError

from issuers.errors import Busy, InvalidInput, NoQrFound, PayloadTooLarge
from verifiers.image_budget import (
    MAX_DECODE_BYTES,
    MAX_IMAGE_PIXELS,
    MAX_READ_PIXELS,
    open_within_budget,
    reading_image,
)

__all__ = [
    "MAX_DECODE_BYTES",
    "MAX_IMAGE_BYTES",
    "MAX_IMAGE_PIXELS",
    "MAX_READ_PIXELS",
    "NoQrFound",
    "read_qr_image",
]

MAX_IMAGE_BYTES = 8 * 1024 * 1024
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


# Decoding one image costs up to about 0.6 s of CPU and 60 MB (verifiers.image_budget);
# without a bound, a burst of public uploads would queue every worker thread behind it.
# At most this many run at once per process; a request that cannot get a slot within
# DECODE_WAIT_S is told `busy` (503).
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
        grey = reading_image(open_within_budget(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # The warning is an exception only where a filter says so (e.g. pytest's "error").
        raise PayloadTooLarge("image decompresses past the pixel limit", field="image") from None
    except _UNREADABLE:
        raise InvalidInput("not a readable PNG or JPEG image", field="image") from None
    texts = [str(result.text) for result in zxingcpp.read_barcodes(grey, formats=_QR_ONLY)]
    if not texts:
        raise NoQrFound("no QR code found in the image", field="image")
    return next((t for t in texts if _looks_like_credential(t)), texts[0]).strip()


def _looks_like_credential(text: str) -> bool:
    head, colon, _ = text.strip().partition(":")
    return bool(colon) and head.startswith("EL") and head[2:].isdigit()
