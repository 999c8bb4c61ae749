"""The Key Binding JWT (RFC 9901 §4.3): the holder signs this presentation for this
verifier.

https://www.rfc-editor.org/rfc/rfc9901#section-4.3

Header ``{"typ": "kb+jwt", "alg"}``; payload ``{iat, aud, nonce, sd_hash}`` where
``sd_hash`` is the base64url SHA-256 over the ASCII presentation it follows, up to
and including its last ``~`` (§4.3.1). A custodial key signs here
(:func:`key_binding_jwt`); a device key signs :func:`key_binding_input` on the device,
and :func:`attach_key_binding` checks that signature before assembling the result.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from issuers.crypto.base64url import b64url
from issuers.crypto.keys import SigningKey, VerifyingKey
from issuers.errors import HolderSignatureInvalid, InvalidInput, Malformed
from issuers.formats import jws
from issuers.formats.sd_jwt._issue import SEPARATOR

__all__ = [
    "KB_JWT_TYP",
    "attach_key_binding",
    "bind",
    "key_binding_input",
    "key_binding_jwt",
    "sd_hash",
]

KB_JWT_TYP = "kb+jwt"


def sd_hash(presentation: str) -> str:
    """§4.3.1: ``sd_hash`` over the ASCII presentation, trailing ``~`` included."""
    return b64url(hashlib.sha256(presentation.encode("ascii")).digest())


def key_binding_input(
    presentation: str, *, aud: str, nonce: str, iat: datetime | int, alg: str
) -> bytes:
    """The JWS Signing Input (RFC 7515 §5.1) of the KB-JWT: what the holder key signs."""
    _check_presentation(presentation)
    header = {"typ": KB_JWT_TYP, "alg": alg}
    seconds = iat if isinstance(iat, int) else int(iat.timestamp())
    payload = {"iat": seconds, "aud": aud, "nonce": nonce, "sd_hash": sd_hash(presentation)}
    return f"{b64url(jws.dumps(header))}.{b64url(jws.dumps(payload))}".encode("ascii")


def key_binding_jwt(
    presentation: str, holder_key: SigningKey, *, aud: str, nonce: str, iat: datetime | int
) -> str:
    """The KB-JWT alone, signed by a key this process holds (a custodial key)."""
    signing_input = key_binding_input(
        presentation, aud=aud, nonce=nonce, iat=iat, alg=holder_key.alg.value
    )
    return f"{signing_input.decode('ascii')}.{b64url(holder_key.sign(signing_input))}"


def bind(
    presentation: str, holder_key: SigningKey, *, aud: str, nonce: str, iat: datetime | int
) -> str:
    """The SD-JWT+KB (§4): the presentation followed by its KB-JWT."""
    return presentation + key_binding_jwt(presentation, holder_key, aud=aud, nonce=nonce, iat=iat)


def attach_key_binding(
    presentation: str, signing_input: bytes, signature: bytes, *, holder_key: VerifyingKey
) -> str:
    """The SD-JWT+KB from a signature made elsewhere (a device), once it is checked.

    ``signing_input`` must be a KB-JWT input for this very presentation (its
    ``sd_hash``) under the holder key's algorithm, and ``signature`` must verify with
    ``holder_key``: otherwise :class:`HolderSignatureInvalid`, so nothing unverified
    is ever passed on as the holder's consent."""
    _check_presentation(presentation)
    try:
        parsed = jws.parse(f"{signing_input.decode('ascii')}.{b64url(signature)}")
        payload = jws.load_object(parsed.payload, "payload")
    except (UnicodeDecodeError, Malformed) as exc:
        raise HolderSignatureInvalid(f"not a key binding input: {exc}", field="kb_jwt") from None
    if jws.media_type(parsed.header.get("typ")) != KB_JWT_TYP:
        raise HolderSignatureInvalid("the key binding typ is not kb+jwt", field="kb_jwt")
    if payload.get("sd_hash") != sd_hash(presentation):
        raise HolderSignatureInvalid("the key binding is for another presentation", field="kb_jwt")
    jws.verify(parsed, holder_key, error=HolderSignatureInvalid)
    return f"{presentation}{signing_input.decode('ascii')}.{b64url(signature)}"


def _check_presentation(presentation: str) -> None:
    if not presentation.endswith(SEPARATOR) or not presentation.isascii():
        raise InvalidInput("an SD-JWT presentation ends with '~'", field="presentation")
