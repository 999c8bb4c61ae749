"""SM2 signatures with SM3 (国密): GB/T 32918.2-2016 and GB/T 32905-2016.

The one module that does SM2 arithmetic; :mod:`issuers.crypto.keys` wraps it as the
``SM2`` algorithm beside Ed25519 and ES256.

A signature over message M by the key pair (d_A, P_A) with user ID ID_A (GB/T 32918.2
§5.5 and §6.1):

    Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A)    ENTL_A: ID_A's bit length, 2 bytes
    e   = SM3(Z_A ‖ M)
    (r, s) with r = (e + x_1) mod n, s = (1 + d_A)⁻¹ (k − r·d_A) mod n

and a verifier refuses r or s outside [1, n − 1] and t = (r + s) mod n = 0 (§7.1, B1,
B2, B5). The user ID defaults to the standard's ``1234567812345678`` (GM/T 0009-2012
§10). Signatures travel as the fixed-width 64-byte r ‖ s, as ES256's do in COSE and
JOSE.

Z_A and e are computed here, with SM3 from OpenSSL (``hashlib``); the curve arithmetic
on e goes to one of two independent backends:

* ``tongsuo`` (tongsuopy, the Tongsuo fork of OpenSSL, in C): fast, the default when it
  imports. It signs and verifies the digest e itself (``EVP_PKEY_sign`` /
  ``EVP_PKEY_verify`` on an SM2 key), so any user ID works.
* ``gmssl`` (pure Python): the fallback, and the cross-check in the tests. Its own
  verify checks neither the ranges of r and s nor that the public key is on the
  curve, so both are checked here, before any backend is called.

``ELICENSE_SM2_BACKEND=gmssl`` picks the pure-Python one.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from functools import lru_cache
from typing import Any, Protocol

from issuers.errors import InvalidInput, SettingsError

__all__ = [
    "DEFAULT_USER_ID",
    "GX",
    "GY",
    "A",
    "B",
    "N",
    "P",
    "Sm2Backend",
    "Sm2PrivateKey",
    "Sm2PublicKey",
    "backend",
    "backend_named",
    "check_environment",
    "configured_user_id",
    "message_digest",
    "sm3",
    "user_hash",
]

# GB/T 32918.5-2017 §2: the recommended 256-bit prime-field curve.
P = 0xFFFFFFFE_FFFFFFFF_FFFFFFFF_FFFFFFFF_FFFFFFFF_00000000_FFFFFFFF_FFFFFFFF
A = 0xFFFFFFFE_FFFFFFFF_FFFFFFFF_FFFFFFFF_FFFFFFFF_00000000_FFFFFFFF_FFFFFFFC
B = 0x28E9FA9E_9D9F5E34_4D5A9E4B_CF6509A7_F39789F5_15AB8F92_DDBCBD41_4D940E93
N = 0xFFFFFFFE_FFFFFFFF_FFFFFFFF_FFFFFFFF_7203DF6B_21C6052B_53BBF409_39D54123
GX = 0x32C4AE2C_1F198119_5F990446_6A39C994_8FE30BBF_F2660BE1_715A4589_334C74C7
GY = 0xBC3736A2_F4F6779C_59BDCEE3_6B692153_D0A9877C_C62A4740_02DF32E5_2139F0A0

DEFAULT_USER_ID = b"1234567812345678"
MAX_USER_ID_BYTES = 8191  # ENTL_A is two bytes of bits: 65,535 bits at most
BACKEND_ENV = "ELICENSE_SM2_BACKEND"
USER_ID_ENV = "ELICENSE_SM2_USER_ID"

_CURVE_BYTES = b"".join(v.to_bytes(32, "big") for v in (A, B, GX, GY))


def sm3(data: bytes) -> bytes:
    """SM3 (GB/T 32905-2016), 32 bytes."""
    return hashlib.new("sm3", data).digest()


def _sm3_available() -> bool:
    try:
        return sm3(b"abc").hex().startswith("66c7f0f4")
    except ValueError:  # an OpenSSL built without SM3
        return False


if not _sm3_available():  # pragma: no cover - Debian's and the wheels' OpenSSL have it
    from gmssl import sm3 as _gmssl_sm3

    def sm3(data: bytes) -> bytes:
        return bytes.fromhex(_gmssl_sm3.sm3_hash(list(data)))


class Sm2PublicKey:
    """A point on the curve, checked when made: coordinates in [0, p − 1], on the curve,
    not the point at infinity (which has no affine coordinates). The subgroup check is
    implied: the curve's cofactor is 1."""

    __slots__ = ("_native", "x", "y")

    def __init__(self, x: int, y: int) -> None:
        if not (0 <= x < P and 0 <= y < P):
            raise InvalidInput("SM2 public key coordinates out of range", field="jwk")
        if (y * y - (x * x * x + A * x + B)) % P:
            raise InvalidInput("the SM2 public key is not a point on the curve", field="jwk")
        self.x = x
        self.y = y
        self._native: Any = None

    def to_bytes(self) -> bytes:
        """x ‖ y, 32 bytes each."""
        return self.x.to_bytes(32, "big") + self.y.to_bytes(32, "big")

    @classmethod
    def from_compressed(cls, x_bytes: bytes, y_odd: bool) -> Sm2PublicKey:
        """From x and the parity of y (SEC 1 §2.3.4 decompression; p ≡ 3 mod 4, so the
        square root is a single power)."""
        x = int.from_bytes(x_bytes, "big")
        if len(x_bytes) != 32 or x >= P:
            raise InvalidInput("SM2 public key x out of range", field="jwk")
        alpha = (x * x * x + A * x + B) % P
        y = pow(alpha, (P + 1) // 4, P)
        if y * y % P != alpha:
            raise InvalidInput("the SM2 public key is not a point on the curve", field="jwk")
        if (y & 1) != y_odd:
            y = P - y
        return cls(x, y)

    @classmethod
    def from_bytes(cls, data: bytes) -> Sm2PublicKey:
        """From x ‖ y (64 bytes) or the uncompressed SEC 1 form 04 ‖ x ‖ y (65)."""
        if len(data) == 65 and data[0] == 4:
            data = data[1:]
        if len(data) != 64:
            raise InvalidInput("an SM2 public key is 64 bytes, x then y", field="jwk")
        return cls(int.from_bytes(data[:32], "big"), int.from_bytes(data[32:], "big"))

    def verify(
        self,
        signature: bytes,
        message: bytes,
        user_id: bytes = DEFAULT_USER_ID,
        using: Sm2Backend | None = None,
    ) -> bool:
        """True when ``signature`` (r ‖ s) is this key's over ``message`` (checked by
        ``using``, else the backend in use)."""
        if len(signature) != 64:
            return False
        r = int.from_bytes(signature[:32], "big")
        s = int.from_bytes(signature[32:], "big")
        if not (1 <= r < N and 1 <= s < N) or (r + s) % N == 0:
            return False
        e = message_digest(self, message, user_id)
        return (using or backend()).verify_digest(self, e, r, s)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sm2PublicKey) and (self.x, self.y) == (other.x, other.y)

    def __hash__(self) -> int:
        return hash((self.x, self.y))

    def __repr__(self) -> str:
        return f"Sm2PublicKey(x={self.x:#x}, y={self.y:#x})"


class Sm2PrivateKey:
    """d_A in [1, n − 2] (GB/T 32918.1 §6.1: 1 + d_A must be invertible mod n)."""

    __slots__ = ("_native", "d", "public")

    def __init__(self, d: int, public: Sm2PublicKey | None = None) -> None:
        if not 1 <= d <= N - 2:
            raise InvalidInput("SM2 private key out of range", field="key")
        self.d = d
        self._native: Any = None
        self.public = public if public is not None else backend().public_of(d)

    @classmethod
    def generate(cls) -> Sm2PrivateKey:
        return cls(secrets.randbelow(N - 2) + 1)

    def sign(
        self, message: bytes, user_id: bytes = DEFAULT_USER_ID, using: Sm2Backend | None = None
    ) -> bytes:
        """r ‖ s over ``message``, with a fresh random k."""
        e = message_digest(self.public, message, user_id)
        r, s = (using or backend()).sign_digest(self, e)
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def __repr__(self) -> str:
        return "Sm2PrivateKey(<secret>)"


def configured_user_id() -> bytes:
    """The user ID this platform signs and verifies with: ``ELICENSE_SM2_USER_ID``
    (UTF-8) when set, else the standard's default. Every platform that verifies
    another's signatures must use the same one."""
    configured = os.environ.get(USER_ID_ENV)
    if not configured:
        return DEFAULT_USER_ID
    try:
        user_id = configured.encode("utf-8")
    except UnicodeEncodeError:
        raise SettingsError(f"{USER_ID_ENV} is not UTF-8 text") from None
    if len(user_id) > MAX_USER_ID_BYTES:
        raise SettingsError(f"{USER_ID_ENV} is longer than 8,191 bytes")
    return user_id


def check_environment() -> None:
    """Raise ValueError naming the variable when ``ELICENSE_SM2_BACKEND`` or
    ``ELICENSE_SM2_USER_ID`` cannot be used: the settings call it, so a bad value stops
    the start instead of failing the first SM2 request."""
    try:
        configured_user_id()
    except SettingsError as exc:
        raise ValueError(str(exc)) from None
    wanted = os.environ.get(BACKEND_ENV, "").strip().lower()
    if wanted and wanted not in ("tongsuo", "gmssl"):
        raise ValueError(f"{BACKEND_ENV} must be tongsuo or gmssl, not {wanted!r}")
    try:
        backend()
    except ImportError as exc:
        raise ValueError(f"{BACKEND_ENV}={wanted}: its library is not installed ({exc})") from None


@lru_cache(maxsize=1024)
def _user_hash(x: int, y: int, user_id: bytes) -> bytes:
    entl = (8 * len(user_id)).to_bytes(2, "big")
    return sm3(entl + user_id + _CURVE_BYTES + x.to_bytes(32, "big") + y.to_bytes(32, "big"))


def user_hash(public: Sm2PublicKey, user_id: bytes = DEFAULT_USER_ID) -> bytes:
    """Z_A (§5.5): remembered per key and user ID, as a verifier sees few issuer keys."""
    if len(user_id) > MAX_USER_ID_BYTES:
        raise InvalidInput("an SM2 user ID is at most 8,191 bytes", field="user_id")
    return _user_hash(public.x, public.y, bytes(user_id))


def message_digest(public: Sm2PublicKey, message: bytes, user_id: bytes = DEFAULT_USER_ID) -> bytes:
    """e = SM3(Z_A ‖ M) (§6.1 A2, §7.1 B4)."""
    return sm3(user_hash(public, user_id) + message)


class Sm2Backend(Protocol):
    """The curve arithmetic on a digest e; ranges and the curve check are done before."""

    name: str

    def public_of(self, d: int) -> Sm2PublicKey: ...

    def sign_digest(self, key: Sm2PrivateKey, e: bytes) -> tuple[int, int]: ...

    def verify_digest(self, key: Sm2PublicKey, e: bytes, r: int, s: int) -> bool: ...


class GmsslBackend:
    """gmssl's pure-Python SM2 (CryptSM2), given e."""

    name = "gmssl"

    def _crypt(self, private_hex: str, key: Sm2PublicKey | None) -> Any:
        from gmssl import sm2

        crypt = sm2.CryptSM2(private_key=private_hex, public_key="")
        # Set after the constructor: it strips leading "0"/"4" characters (lstrip("04")),
        # which corrupts a key whose x starts with such a digit.
        crypt.public_key = "" if key is None else key.to_bytes().hex()
        return crypt

    def public_of(self, d: int) -> Sm2PublicKey:
        crypt = self._crypt(f"{d:064x}", None)
        point = crypt._kg(d, crypt.ecc_table["g"])
        return Sm2PublicKey.from_bytes(bytes.fromhex(point))

    def sign_digest(self, key: Sm2PrivateKey, e: bytes) -> tuple[int, int]:
        crypt = self._crypt(f"{key.d:064x}", key.public)
        while True:
            k = secrets.randbelow(N - 1) + 1
            signed = crypt.sign(e, f"{k:064x}")
            if signed is not None:  # r = 0, r + k = n or s = 0: another k (§6.1 A5, A6)
                return int(signed[:64], 16), int(signed[64:], 16)

    def verify_digest(self, key: Sm2PublicKey, e: bytes, r: int, s: int) -> bool:
        """§7.1 B5-B7: (x1, y1) = s·G + t·P, valid when (e + x1) mod n = r.

        gmssl does the two scalar multiplications (never the point at infinity: s and t
        are in [1, n - 1] and both points have order n); their sum is added here. gmssl's
        own ``verify`` cannot be used: it raises TypeError when the sum is the point at
        infinity, which a signer can aim for (r = 1, s = -d/(1 + d) mod n), and takes x
        from Jacobian coordinates when the two points are equal."""
        t = (r + s) % N
        try:
            crypt = self._crypt("", key)
            first = _affine(crypt._kg(s, crypt.ecc_table["g"]))
            second = _affine(crypt._kg(t, crypt.public_key))
        except (TypeError, ValueError):  # pragma: no cover - gmssl given a checked point
            return False
        total = _add(first, second)
        return total is not None and (int.from_bytes(e, "big") + total[0]) % N == r


def _affine(point_hex: str | None) -> tuple[int, int] | None:
    if not point_hex:
        return None
    return int(point_hex[:64], 16), int(point_hex[64:128], 16)


def _add(first: tuple[int, int] | None, second: tuple[int, int] | None) -> tuple[int, int] | None:
    """Affine point addition on the curve; None is the point at infinity."""
    if first is None or second is None:
        return second if first is None else first
    (x1, y1), (x2, y2) = first, second
    if x1 == x2:
        if (y1 + y2) % P == 0:
            return None
        slope = (3 * x1 * x1 + A) * pow(2 * y1, -1, P) % P
    else:
        slope = (y2 - y1) * pow(x2 - x1, -1, P) % P
    x3 = (slope * slope - x1 - x2) % P
    return x3, (slope * (x1 - x3) - y1) % P


class TongsuoBackend:
    """Tongsuo's SM2 (tongsuopy) on the digest e: EVP_PKEY_sign and EVP_PKEY_verify on
    an SM2 key take e as it is (no second hashing, no Z_A of their own)."""

    name = "tongsuo"

    def __init__(self) -> None:
        from cryptography.hazmat.primitives.asymmetric.utils import (
            decode_dss_signature,
            encode_dss_signature,
        )
        from tongsuopy.backends.tongsuo.backend import backend as native
        from tongsuopy.crypto.asymciphers import ec

        self._ec = ec
        self._lib = native._lib
        self._ffi = native._ffi
        self._native = native
        self._decode = decode_dss_signature
        self._encode = encode_dss_signature

    def public_of(self, d: int) -> Sm2PublicKey:
        numbers = self._ec.derive_private_key(d, self._ec.SM2()).public_key().public_numbers()
        return Sm2PublicKey(numbers.x, numbers.y)

    def _private(self, key: Sm2PrivateKey) -> Any:
        if key._native is None:
            key._native = self._ec.derive_private_key(key.d, self._ec.SM2())
        return key._native

    def _public(self, key: Sm2PublicKey) -> Any:
        if key._native is None:
            numbers = self._ec.EllipticCurvePublicNumbers(key.x, key.y, self._ec.SM2())
            key._native = numbers.public_key()
        return key._native

    def _context(self, native_key: Any) -> Any:
        lib, ffi = self._lib, self._ffi
        ctx = lib.EVP_PKEY_CTX_new(native_key._evp_pkey, ffi.NULL)
        if ctx == ffi.NULL:  # pragma: no cover - out of memory
            raise MemoryError("EVP_PKEY_CTX_new")
        return ffi.gc(ctx, lib.EVP_PKEY_CTX_free)

    def sign_digest(self, key: Sm2PrivateKey, e: bytes) -> tuple[int, int]:
        lib, ffi = self._lib, self._ffi
        ctx = self._context(self._private(key))
        size = ffi.new("size_t *", 80)
        out = ffi.new("unsigned char[]", 80)
        if lib.EVP_PKEY_sign_init(ctx) != 1 or lib.EVP_PKEY_sign(ctx, out, size, e, len(e)) != 1:
            self._native._consume_errors()
            raise RuntimeError("Tongsuo could not make an SM2 signature")
        r, s = self._decode(bytes(ffi.buffer(out)[: size[0]]))
        return r, s

    def verify_digest(self, key: Sm2PublicKey, e: bytes, r: int, s: int) -> bool:
        lib = self._lib
        ctx = self._context(self._public(key))
        der = self._encode(r, s)
        ok = lib.EVP_PKEY_verify_init(ctx) == 1 and lib.EVP_PKEY_verify(
            ctx, der, len(der), e, len(e)
        )
        if ok != 1:
            self._native._consume_errors()
            return False
        return True


_BACKENDS: dict[str, Sm2Backend] = {}


def backend_named(name: str) -> Sm2Backend:
    """The backend ``tongsuo`` or ``gmssl`` (ImportError when it is not installed)."""
    found = _BACKENDS.get(name)
    if found is None:
        if name == "tongsuo":
            found = TongsuoBackend()
        elif name == "gmssl":
            found = GmsslBackend()
        else:
            raise ValueError(f"unknown SM2 backend {name!r} (tongsuo or gmssl)")
        _BACKENDS[name] = found
    return found


@lru_cache(maxsize=4)
def _chosen(wanted: str) -> Sm2Backend:
    if wanted:
        return backend_named(wanted)
    try:
        return backend_named("tongsuo")
    except ImportError:  # no wheel for this platform: the pure-Python one
        return backend_named("gmssl")


def backend() -> Sm2Backend:
    """The backend in use: ``ELICENSE_SM2_BACKEND``, else tongsuo when it imports."""
    return _chosen(os.environ.get(BACKEND_ENV, "").strip().lower())
