"""The SD-JWT VC payload of a certificate (draft-ietf-oauth-sd-jwt-vc §3.2.2).

https://datatracker.ietf.org/doc/draft-ietf-oauth-sd-jwt-vc/

The same canonical record the QR credential carries (:class:`CertificateRecord`),
split into what a service always sees and what the holder chooses to disclose:

* always visible: ``iss`` (an HTTPS URI naming the issuer, whose JWT VC Issuer
  Metadata at ``/.well-known/jwt-vc-issuer/issuers/{uscc}`` lists its keys), ``vct``
  ``urn:elicense:vct:{slug}``, ``iat``, ``nbf``, ``exp`` (absent for 长期有效), ``cnf``
  (the holder's public JWK, RFC 7800), ``status`` (the Token Status List entry, the
  same one as the holder's QR copy), ``license_id`` (the GB/T 36904 identifier),
  ``issuer_uscc`` and ``type_code``: enough to check validity and status, and
  nothing personal;
* selectively disclosable: every field of the certificate type, by its catalogue
  name, as JSON (dates as ISO strings, nested objects as objects). No holder ID
  number is visible unless a field holding it is disclosed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from issuers.crypto.keys import VerifyingKey
from issuers.errors import InvalidInput

if TYPE_CHECKING:
    from issuers.formats.cwt import StatusReference
    from issuers.minting import CertificateRecord

__all__ = ["VCT_PREFIX", "issuer_uri", "vc_claims", "vct_of"]

VCT_PREFIX = "urn:elicense:vct:"


def issuer_uri(public_base_url: str, uscc: str) -> str:
    """The ``iss`` of an issuer: its page under the platform's public base URL."""
    return f"{public_base_url.rstrip('/')}/issuers/{uscc}"


def vct_of(slug: str) -> str:
    return f"{VCT_PREFIX}{slug}"


def vc_claims(
    record: CertificateRecord,
    *,
    public_base_url: str,
    holder_key: VerifyingKey,
    status: StatusReference,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(visible, disclosable)`` claims for :func:`issue`, from the canonical record."""
    disclosable = record.type.public_fields(record.fields)
    visible: dict[str, Any] = {
        "iss": issuer_uri(public_base_url, record.issuer.uscc),
        "vct": vct_of(record.type.slug),
        "iat": int(record.issued_at.timestamp()),
        "nbf": int(record.not_before.timestamp()),
    }
    expires = record.expires
    if expires is not None:
        visible["exp"] = int(expires.timestamp())
    visible["cnf"] = {"jwk": holder_key.to_jwk()}
    visible["status"] = {"status_list": {"idx": status.idx, "uri": status.uri}}
    visible["license_id"] = record.identifier
    visible["issuer_uscc"] = record.issuer.uscc
    visible["type_code"] = record.type.type_code
    clash = sorted(set(visible) & set(disclosable))
    if clash:  # a catalogue field named like a registered claim would be ambiguous
        raise InvalidInput(f"the field {clash[0]!r} is a reserved claim name", field=clash[0])
    return visible, disclosable
