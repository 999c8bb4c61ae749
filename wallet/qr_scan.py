"""Moved to :mod:`verifiers.qr_scan` (verifier input handling); re-exported for old imports."""

from verifiers.qr_scan import MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS, NoQrFound, read_qr_image

__all__ = ["MAX_IMAGE_BYTES", "MAX_IMAGE_PIXELS", "NoQrFound", "read_qr_image"]
