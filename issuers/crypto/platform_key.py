"""The platform's own keys, derived from the master key so nothing is stored.

Every worker process reads the same master key from settings, so HKDF-SHA256
(RFC 5869, https://www.rfc-editor.org/rfc/rfc5869) gives each the same keys with no
table, no file and no key exchange between processes. Each key has its own ``info``
label, so one master key serves several purposes without any key serving two.

* :func:`platform_signing_key`: the Ed25519 key (RFC 8032) that signs the audit log's
  head and checkpoints and the annotations (加注) on shares. Its public half is
  published at ``GET /platform/jwks``.
* :func:`platform_mac_key`: a 32-byte HMAC-SHA256 key (RFC 2104) for a named purpose,
  such as the audit log's keyed references to 公民身份号码, which must be matchable but
  never stored in the clear.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from issuers.crypto.keys import SigningKey
from issuers.errors import KeyUnavailable

__all__ = ["SIGNING_INFO", "platform_mac_key", "platform_signing_key"]

SIGNING_INFO = b"elicense platform signing key v1"
_MAC_INFO = b"elicense platform mac key v1/"
_MIN_MASTER_KEY_BYTES = 32


def platform_signing_key(master_key: bytes) -> SigningKey:
    """The platform's Ed25519 signing key: HKDF-SHA256(master key) as the private seed."""
    return SigningKey.from_seed(_derive(master_key, SIGNING_INFO))


def platform_mac_key(master_key: bytes, purpose: str) -> bytes:
    """A 32-byte HMAC key for ``purpose`` (e.g. ``"audit holder refs"``)."""
    if not purpose:
        raise ValueError("a MAC key needs a purpose label")
    return _derive(master_key, _MAC_INFO + purpose.encode("utf-8"))


def _derive(master_key: bytes, info: bytes) -> bytes:
    if len(master_key) < _MIN_MASTER_KEY_BYTES:
        raise KeyUnavailable(f"the master key must be at least {_MIN_MASTER_KEY_BYTES} bytes")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master_key)
