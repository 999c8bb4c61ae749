"""Private keys at rest: AES-256-GCM under a key derived from the master key.

The master key (32 random bytes, from settings) never encrypts directly: HKDF-SHA256
(RFC 5869) derives a sealing key with a purpose label, so the same master key can
serve other purposes later without key reuse. The ``kid`` is bound as associated
data, so a sealed blob cannot be swapped onto another key's row.

Blob layout: ``b"\\x01" || nonce (12) || ciphertext+tag``.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from issuers.errors import KeyUnavailable

_VERSION = b"\x01"
_INFO = b"elicense/v1/private-key-sealing"


def _sealing_key(master_key: bytes, purpose: bytes) -> AESGCM:
    if len(master_key) < 32:
        raise KeyUnavailable("the master key must be at least 32 bytes")
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO + purpose).derive(
        master_key
    )
    return AESGCM(derived)


def seal(master_key: bytes, plaintext: bytes, *, associated: bytes, purpose: bytes = b"") -> bytes:
    nonce = os.urandom(12)
    return (
        _VERSION + nonce + _sealing_key(master_key, purpose).encrypt(nonce, plaintext, associated)
    )


def unseal(master_key: bytes, blob: bytes, *, associated: bytes, purpose: bytes = b"") -> bytes:
    if len(blob) < 1 + 12 + 16 or blob[:1] != _VERSION:
        raise KeyUnavailable("sealed key blob is damaged or of an unknown version")
    try:
        return _sealing_key(master_key, purpose).decrypt(blob[1:13], blob[13:], associated)
    except InvalidTag:
        raise KeyUnavailable(
            "cannot open the sealed private key: wrong master key, or the blob was altered"
        ) from None
