"""Proof of possession for a device key: the device signs a registration message.

Registering a public key without proving the private half would let a citizen (or a
script holding their session) bind a key nobody can sign with. The message binds the
proof to the one session it is sent in (through the SHA-256 of the session token, which
is all the server keeps of it) and to the citizen, so a proof seen once cannot be
replayed in another session or for another person. Pure: no web framework, no database.
"""

from __future__ import annotations

import hashlib

from issuers.crypto.keys import SigningKey, VerifyingKey, b64url
from issuers.errors import InvalidInput, SignatureInvalid

CONTEXT = b"elicense device key registration v1\x00"


def registration_message(session_token_sha256_hex: str, holder_code: str) -> bytes:
    return CONTEXT + bytes.fromhex(session_token_sha256_hex) + holder_code.encode("ascii")


def sign_registration(key: SigningKey, session_token: str, holder_code: str) -> str:
    """The device's side: base64url of its signature over the registration message."""
    digest = hashlib.sha256(session_token.encode()).hexdigest()
    return b64url(key.sign(registration_message(digest, holder_code)))


def check_registration(
    public: VerifyingKey, proof: bytes, session_token_sha256_hex: str, holder_code: str
) -> None:
    """Raise :class:`InvalidInput` unless ``proof`` is ``public``'s signature over this
    session's registration message for ``holder_code``."""
    try:
        public.verify(proof, registration_message(session_token_sha256_hex, holder_code))
    except SignatureInvalid:
        raise InvalidInput(
            "proof is not this key's signature over this session's registration message",
            field="proof",
        ) from None
