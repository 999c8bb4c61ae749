"""The dynamic presentation (亮证): ``ELP1:`` + Base45(zlib(COSE_Sign1)), holder-signed.

DESIGN.md, "Dynamic presentation": the holder key signs a short envelope over the
issuer credential, ``iat``, ``exp`` (default 60 s) and an optional verifier nonce. The
page shows it as a QR code and refreshes it before it expires, so a screenshot goes
stale. The holder key is the one the credential binds with ``cnf`` (RFC 8747,
:mod:`.holder_binding`); a credential without ``cnf`` cannot be presented this way.

Layers, outermost first (the same zlib and Base45 layering as :mod:`.qr_envelope`,
RFC 9285 §5, with its own prefix so a scanner tells the two apart before decoding):

1. ``ELP1:`` + Base45 of the zlib stream; at most 970 characters (QR version 20 at
   level M, alphanumeric mode), like the static credential.
2. COSE_Sign1 (RFC 9052 §4.2), tagged 18, signed by the holder key. Protected header:
   ``1`` alg (-8 EdDSA or -7 ES256), ``4`` kid = the empty byte string, meaning "the
   key the credential's ``cnf`` names" (a verifier also accepts the key's RFC 7638
   thumbprint there; writing the 32-byte thumbprint would cost a QR about 50
   characters and tell the verifier nothing the ``cnf`` does not), ``3`` content
   type = :data:`CONTENT_TYPE`, a CoAP Content-Format number in the experimental range
   65000–65535 (RFC 7252 §12.3), three bytes instead of a media-type string, because
   every byte here competes with the credential for QR capacity.
3. The payload, a CBOR map:

   =====  ========  ====================================================
   key    CBOR      meaning
   =====  ========  ====================================================
   1      bstr      the issuer credential: its COSE_Sign1 bytes, unchanged
   2      int       ``iat``, NumericDate the holder signed it
   3      int       ``exp``, NumericDate it stops being shown; ``exp > iat``
   4      bstr      the verifier's nonce, when the verifier gave one
   =====  ========  ====================================================

The replay token id is SHA-256 of the payload bytes: covered by the signature and not
malleable, unlike an ECDSA signature, which has two valid forms. Each layer has one
accepted encoding (:mod:`.cose_sign1`, :mod:`.canonical_cbor`): a presentation, or the
credential in it, re-encoded another way CBOR allows is ``malformed``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import cbor2

from issuers.crypto.keys import SigningKey
from issuers.errors import InvalidInput, Malformed
from issuers.formats import cose_sign1, qr_envelope
from issuers.formats.canonical_cbor import canonical_loads
from issuers.formats.cbor_heads import bstr_at, uint_at
from issuers.formats.cwt import CredentialClaims
from issuers.formats.holder_binding import holder_key_from

PREFIX = "ELP1:"
CONTENT_TYPE = 65_137  # experimental CoAP Content-Format: "elicense presentation, v1"
HEADER_CONTENT_TYPE = 3
P_CREDENTIAL, P_IAT, P_EXP, P_NONCE = 1, 2, 3, 4
DEFAULT_LIFETIME = timedelta(seconds=60)
# A "dynamic" QR that lives longer than this is a screenshot waiting to happen.
MAX_LIFETIME = timedelta(minutes=5)
CNF_KID = b""  # "the holder key in the credential's cnf"
MAX_NONCE_BYTES = 16  # 128 bits; a random 32-byte nonce pushes 户口簿 past 970 chars
_MAPS = (dict, cbor2.frozendict)


@dataclass(frozen=True, slots=True)
class Presentation:
    """A decoded, not yet verified presentation."""

    message: cose_sign1.Sign1
    credential: bytes
    issued_at: int
    expires: int
    nonce: bytes | None

    @property
    def token_id(self) -> bytes:
        return hashlib.sha256(self.message.payload).digest()


def present(
    credential_qr: str,
    holder_key: SigningKey,
    *,
    now: datetime,
    lifetime: timedelta = DEFAULT_LIFETIME,
    nonce: bytes | None = None,
) -> str:
    """Sign the credential in ``credential_qr`` as a dynamic presentation valid from
    ``now`` for ``lifetime``. Refuses a key other than the one the credential binds."""
    if not timedelta(seconds=1) <= lifetime <= MAX_LIFETIME:
        raise InvalidInput(f"lifetime must be 1 s to {MAX_LIFETIME}", field="lifetime")
    if nonce is not None and not 0 < len(nonce) <= MAX_NONCE_BYTES:
        raise InvalidInput(f"nonce must be 1 to {MAX_NONCE_BYTES} bytes", field="nonce")
    credential = qr_envelope.unwrap(credential_qr)
    claims = CredentialClaims.from_cbor(cose_sign1.decode(credential).payload)
    bound = holder_key_from(claims.confirmation)
    if bound.thumbprint != holder_key.public.thumbprint:
        raise InvalidInput("this key is not the holder key the credential binds", field="key")
    issued_at = int(now.timestamp())
    payload: dict[int, Any] = {
        P_CREDENTIAL: credential,
        P_IAT: issued_at,
        P_EXP: issued_at + int(lifetime.total_seconds()),
    }
    if nonce is not None:
        payload[P_NONCE] = nonce
    cose = cose_sign1.sign(
        cbor2.dumps(payload),
        holder_key,
        kid=CNF_KID,
        extra_protected={HEADER_CONTENT_TYPE: CONTENT_TYPE},
    )
    return qr_envelope.wrap_scannable(
        cose, what="the presentation", field="credential", prefix=PREFIX
    )


def is_presentation(text: str) -> bool:
    return text.lstrip().startswith(PREFIX)


def decode(
    text: str, limits: qr_envelope.EnvelopeLimits = qr_envelope.DEFAULT_LIMITS
) -> Presentation:
    """Parse a presentation QR text without verifying anything in it."""
    message = cose_sign1.decode(qr_envelope.unwrap(text, limits, PREFIX))
    if message.protected.get(HEADER_CONTENT_TYPE) != CONTENT_TYPE:
        raise Malformed("the COSE_Sign1 is not an elicense presentation (content type)")
    members = _written(message.payload)
    if members is None:
        members = _members(message.payload)
    credential, iat, exp, nonce, unknown = members
    if type(credential) is not bytes:
        raise Malformed("the presentation carries no credential")
    if type(iat) is not int or type(exp) is not int or exp <= iat:
        raise Malformed("the presentation needs integer iat and exp, exp after iat")
    if nonce is not None and type(nonce) is not bytes:
        raise Malformed("the presentation nonce must be a byte string")
    if unknown:
        raise Malformed("the presentation payload has unknown members")
    return Presentation(message, credential, iat, exp, nonce)


_Members = tuple[Any, Any, Any, Any, bool]  # credential, iat, exp, nonce; unknown members?


def _members(data: bytes) -> _Members:
    """The payload's members read by the general path: any canonical CBOR map (else
    Malformed), whatever its members' types."""
    payload = canonical_loads(data, "the presentation payload")
    if type(payload) not in _MAPS:
        raise Malformed("the presentation payload must be a map")
    unknown = bool(set(payload) - {P_CREDENTIAL, P_IAT, P_EXP, P_NONCE})
    get = payload.get
    return get(P_CREDENTIAL), get(P_IAT), get(P_EXP), get(P_NONCE), unknown


def _written(data: bytes) -> _Members | None:
    """The payload's members when ``data`` is exactly what :func:`present` writes
    ({1: bstr, 2: uint, 3: uint} and maybe 4: bstr, in that order, shortest heads,
    nothing after), read by walking its heads; None sends anything else to
    :func:`_members`, which reads the same members from such bytes (the fast path's
    property test holds the two to that) and judges the rest."""
    size = len(data)
    if size < 2 or data[0] not in (0xA3, 0xA4) or data[1] != P_CREDENTIAL:
        return None
    credential = bstr_at(data, 2)
    if credential is None or credential[1] >= size or data[credential[1]] != P_IAT:
        return None
    iat = uint_at(data, credential[1] + 1)
    if iat is None or iat[1] >= size or data[iat[1]] != P_EXP:
        return None
    exp = uint_at(data, iat[1] + 1)
    if exp is None:
        return None
    end, nonce = exp[1], None
    if data[0] == 0xA4:
        if end >= size or data[end] != P_NONCE:
            return None
        read = bstr_at(data, end + 1)
        if read is None:
            return None
        nonce, end = read
    return (credential[0], iat[0], exp[0], nonce, False) if end == size else None
