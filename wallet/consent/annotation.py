"""The annotation (加注) on a share: the platform's signed word on who pulled it, when,
for what, and until when.

A paper copy of a certificate handed to an office is annotated by hand ("仅供办理某事
使用"), so that it cannot be reused elsewhere. An annotated share (加注件) does the same
for an SD-JWT VC: the platform signs, as a compact JWS (RFC 7515,
https://www.rfc-editor.org/rfc/rfc7515, through :mod:`issuers.formats.jws`), a small
JSON object that names the service, the purpose and bundle item of the grant, the time
of the pull, the grant's expiry, the use number, the SHA-256 of the exact share it
annotates (``share_digest``) and the hash of the audit entry that recorded the pull
(``audit_receipt``). The header is ``{"typ": "share-annotation+jwt", "alg", "kid"}``,
the ``kid`` being the RFC 7638 thumbprint of the platform key published at
``GET /platform/jwks``, so a service verifies an annotation with any JOSE library.

The annotation carries no claim value and no 公民身份号码: the share itself does.
Pure: no framework, no database; the caller passes the platform key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from issuers.crypto.base64url import b64url
from issuers.crypto.keys import SigningKey, VerifyingKey
from issuers.errors import Malformed, SignatureInvalid, UnknownKey
from issuers.formats import jws

__all__ = [
    "ANNOTATION_TYP",
    "MAX_ANNOTATION_CHARS",
    "Annotation",
    "share_digest",
    "sign_annotation",
    "verify_annotation",
]

ANNOTATION_TYP: Final = "share-annotation+jwt"
MAX_ANNOTATION_CHARS: Final = 8192  # ours are about 1,200; bounded before parsing

_TEXT_CLAIMS: Final = (
    "iss",
    "license_id",
    "vct",
    "client_id",
    "client_name",
    "client_uscc",
    "purpose",
    "grant_id",
    "share_digest",
    "audit_receipt",
)


@dataclass(frozen=True, slots=True)
class Annotation:
    """What the platform says about one share. Times are Unix seconds (RFC 7519 NumericDate)."""

    iss: str  # the platform's public base URL
    license_id: str  # the certificate's GB/T 36904 identifier
    vct: str  # the SD-JWT VC type of the share
    client_id: str
    client_name: str
    client_uscc: str
    purpose: str  # 申请事由, as the grant states it
    item_code: str  # the bundle item the grant serves
    item_name_zh: str
    pulled_at: int
    valid_until: int  # the grant's expiry: the share is not to be used past it
    grant_id: str
    use: int  # this pull is use ``use`` of ``max_uses``
    max_uses: int
    share_digest: str  # b64url(SHA-256(ASCII(the SD-JWT with its KB-JWT)))
    audit_receipt: str  # the hash of the audit entry of the pull
    holder_ref: str | None = None  # optional; never a 公民身份号码

    def to_claims(self) -> dict[str, Any]:
        """The JWS payload."""
        claims: dict[str, Any] = {name: getattr(self, name) for name in _TEXT_CLAIMS}
        claims["bundle_item"] = {"code": self.item_code, "name_zh": self.item_name_zh}
        claims["pulled_at"] = self.pulled_at
        claims["valid_until"] = self.valid_until
        claims["use"] = {"n": self.use, "max": self.max_uses}
        if self.holder_ref is not None:
            claims["holder_ref"] = self.holder_ref
        return claims

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> Annotation:
        """The inverse of :meth:`to_claims`; a missing or mistyped claim is :class:`Malformed`."""
        text = {name: _text(claims, name) for name in _TEXT_CLAIMS}
        item = claims.get("bundle_item")
        use = claims.get("use")
        if not isinstance(item, Mapping) or not isinstance(use, Mapping):
            raise Malformed("bundle_item and use must be objects", field="payload")
        holder_ref = claims.get("holder_ref")
        if holder_ref is not None and not isinstance(holder_ref, str):
            raise Malformed("holder_ref must be text", field="holder_ref")
        return cls(
            **text,
            item_code=_text(item, "code"),
            item_name_zh=_text(item, "name_zh"),
            pulled_at=_count(claims, "pulled_at"),
            valid_until=_count(claims, "valid_until"),
            use=_count(use, "n"),
            max_uses=_count(use, "max"),
            holder_ref=holder_ref,
        )


def share_digest(share: str) -> str:
    """b64url(SHA-256) of the share exactly as delivered (issuer JWT ~ disclosures ~ KB-JWT)."""
    return b64url(hashlib.sha256(share.encode("ascii")).digest())


def sign_annotation(annotation: Annotation, key: SigningKey, *, kid: str | None = None) -> str:
    """The compact JWS of ``annotation`` under the platform ``key``; ``kid``: the key's,
    when the caller keeps it (a thumbprint costs a key export and a hash to make)."""
    header = {"typ": ANNOTATION_TYP, "alg": key.alg.value, "kid": kid or key.public.kid}
    return jws.sign(header, jws.dumps(annotation.to_claims()), key)


def verify_annotation(text: str, key: VerifyingKey, *, share: str | None = None) -> Annotation:
    """Check ``text`` was signed by the platform ``key`` and return what it says.

    With ``share``, also check the annotation is about that very share (its digest).
    Raises :class:`Malformed` (shape, ``typ``, claims, ``crit``), :class:`UnknownKey`
    (a ``kid`` that is not ``key``'s) or :class:`SignatureInvalid`.
    """
    if not isinstance(text, str) or len(text) > MAX_ANNOTATION_CHARS:
        raise Malformed(f"an annotation is text of at most {MAX_ANNOTATION_CHARS} characters")
    parsed = jws.parse(text)
    header = parsed.header
    if jws.media_type(header.get("typ")) != ANNOTATION_TYP:
        raise Malformed(f"typ must be {ANNOTATION_TYP!r}", field="typ")
    if "crit" in header:
        raise Malformed("the header names critical extensions this verifier lacks", field="crit")
    if header.get("kid") != key.kid:
        raise UnknownKey("the annotation was not signed by this platform key", field="kid")
    jws.verify(parsed, key, error=SignatureInvalid)
    annotation = Annotation.from_claims(jws.load_object(parsed.payload, "payload"))
    if share is not None and share_digest(share) != annotation.share_digest:
        raise SignatureInvalid("the annotation is about another share", field="share_digest")
    return annotation


def _text(claims: Mapping[str, Any], name: str) -> str:
    value = claims.get(name)
    if not isinstance(value, str) or not value:
        raise Malformed(f"{name} must be non-empty text", field=name)
    return value


def _count(claims: Mapping[str, Any], name: str) -> int:
    value = claims.get(name)
    if type(value) is not int or value < 0:
        raise Malformed(f"{name} must be a non-negative integer", field=name)
    return value
