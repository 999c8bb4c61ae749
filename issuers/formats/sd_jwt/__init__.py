"""SD-JWT (RFC 9901) and its Verifiable Credential profile (SD-JWT VC).

https://www.rfc-editor.org/rfc/rfc9901 ·
https://datatracker.ietf.org/doc/draft-ietf-oauth-sd-jwt-vc/

The second representation of the issuer's canonical record (DESIGN.md "Formats"):
online sharing with a service, with selective disclosure. Pure: no web, no database.

* :func:`issue` signs the visible claims with the disclosable ones behind digests
  (:mod:`._issue`); :meth:`IssuedSdJwt.presentation` picks the Disclosures to send;
* :func:`bind` / :func:`key_binding_jwt` add the holder's Key Binding JWT with a key
  held here; :func:`key_binding_input` + :func:`attach_key_binding` do it with a
  signature made on a device (:mod:`._key_binding`);
* :func:`verify` checks all of it and raises a verdict (:mod:`._verify`);
* :func:`vc_claims` shapes the SD-JWT VC payload of a certificate (:mod:`._vc`).

The independent ``sd-jwt`` reference library verifies what this writes
(tests/interop/test_sd_jwt_interop.py).
"""

from __future__ import annotations

from issuers.formats.sd_jwt._issue import (
    DIGEST_ALG,
    SD_JWT_VC_TYP,
    Disclosure,
    IssuedSdJwt,
    digest_of,
    issue,
    new_salt,
)
from issuers.formats.sd_jwt._key_binding import (
    KB_JWT_TYP,
    attach_key_binding,
    bind,
    key_binding_input,
    key_binding_jwt,
    sd_hash,
)
from issuers.formats.sd_jwt._vc import VCT_PREFIX, issuer_uri, vc_claims, vct_of
from issuers.formats.sd_jwt._verify import (
    MAX_CHARS,
    MAX_DISCLOSURES,
    IssuerKeys,
    VerifiedSdJwt,
    verify,
)

__all__ = [
    "DIGEST_ALG",
    "KB_JWT_TYP",
    "MAX_CHARS",
    "MAX_DISCLOSURES",
    "SD_JWT_VC_TYP",
    "VCT_PREFIX",
    "Disclosure",
    "IssuedSdJwt",
    "IssuerKeys",
    "VerifiedSdJwt",
    "attach_key_binding",
    "bind",
    "digest_of",
    "issue",
    "issuer_uri",
    "key_binding_input",
    "key_binding_jwt",
    "new_salt",
    "sd_hash",
    "vc_claims",
    "vct_of",
    "verify",
]
