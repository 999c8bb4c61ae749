"""The platform's own keys, derived from the master key so nothing is stored.

Every worker process reads the same master key from settings, so HKDF-SHA256
(RFC 5869, https://www.rfc-editor.org/rfc/rfc5869) gives each the same keys with no
table, no file and no key exchange between processes. Each key has its own ``info``
label, so one master key serves several purposes without any key serving two.

* :func:`platform_signing_key`: the key that signs the audit log's head and checkpoints
  and the annotations (加注) on shares: Ed25519 (RFC 8032) by default, or SM2 (国密,
  GB/T 32918) where ``ELICENSE_PLATFORM_KEY_ALG=SM2``. Its public half is published at
  ``GET /platform/jwks``. The SM2 key has its own ``info`` label and takes d from 48
  bytes of HKDF output reduced into [1, n − 2] (GB/T 32918.1 §6.1), the "extra random
  bits" method of FIPS 186-5 §A.2.1: 128 bits more than n, so the bias is below 2⁻¹²⁸.
* :func:`platform_mac_key`: a 32-byte HMAC-SHA256 key (RFC 2104) for a named purpose,
  such as the audit log's keyed references to 公民身份号码, which must be matchable but
  never stored in the clear.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from issuers.crypto import sm2
from issuers.crypto.keys import Algorithm, SigningKey, VerifyingKey
from issuers.errors import KeyUnavailable

__all__ = [
    "SIGNING_INFO",
    "SM2_SIGNING_INFO",
    "platform_mac_key",
    "platform_signing_key",
    "platform_verifying_keys",
]

SIGNING_INFO = b"elicense platform signing key v1"
SM2_SIGNING_INFO = b"elicense platform signing key v1 SM2"
_SM2_SEED_BYTES = 48  # 384 bits for a 256-bit n: FIPS 186-5 A.2.1's extra 64+ bits
_MAC_INFO = b"elicense platform mac key v1/"
_MIN_MASTER_KEY_BYTES = 32


def platform_signing_key(master_key: bytes, alg: Algorithm = Algorithm.EDDSA) -> SigningKey:
    """The platform's signing key: HKDF-SHA256(master key) as the Ed25519 seed, or as
    the SM2 private key d = (okm mod (n − 2)) + 1."""
    if alg is Algorithm.EDDSA:
        return SigningKey.from_seed(_derive(master_key, SIGNING_INFO))
    if alg is Algorithm.SM2:
        okm = _derive(master_key, SM2_SIGNING_INFO, _SM2_SEED_BYTES)
        d = int.from_bytes(okm, "big") % (sm2.N - 2) + 1
        return SigningKey(Algorithm.SM2, sm2.Sm2PrivateKey(d))
    raise ValueError(f"the platform key is EdDSA or SM2, not {alg.value}")


def platform_verifying_keys(master_key: bytes, alg: Algorithm) -> list[VerifyingKey]:
    """The public keys ``GET /platform/jwks`` lists: the one that signs now first, then
    the Ed25519 key a platform signed with before it switched to another algorithm, so
    checkpoints and annotations signed before the switch keep verifying."""
    keys = [platform_signing_key(master_key, alg).public]
    if alg is not Algorithm.EDDSA:
        keys.append(platform_signing_key(master_key).public)
    return keys


def platform_mac_key(master_key: bytes, purpose: str) -> bytes:
    """A 32-byte HMAC key for ``purpose`` (e.g. ``"audit holder refs"``)."""
    if not purpose:
        raise ValueError("a MAC key needs a purpose label")
    return _derive(master_key, _MAC_INFO + purpose.encode("utf-8"))


def _derive(master_key: bytes, info: bytes, length: int = 32) -> bytes:
    if len(master_key) < _MIN_MASTER_KEY_BYTES:
        raise KeyUnavailable(f"the master key must be at least {_MIN_MASTER_KEY_BYTES} bytes")
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(master_key)
