"""Verifiers: check QR credentials offline or online.

The core (:func:`verify_qr`) imports neither FastAPI nor SQLAlchemy.
"""

from verifiers.qr import verify_qr
from verifiers.result import VerifiedCredential

__all__ = ["VerifiedCredential", "verify_qr"]
