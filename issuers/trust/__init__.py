"""Signed trust lists: which issuers a region's trust anchor vouches for (跨省互认).

A region (a province such as 江苏 ``320000``, or a city) keeps a trust-anchor key,
Ed25519 by default, ES256 or SM2 (国密; ``ELICENSE_ANCHOR_ALG``). It signs a list of
the issuers it vouches for: each issuer's USCC, names, region, the certificate types it
may issue, and its public keys with their validity and state. A verifier is configured
with the anchor keys it trusts (its own region's and other provinces'), each with the
region it is the anchor of (:class:`TrustAnchor`), and accepts a credential only if a
trusted list names the key that signed it and allows that issuer the type.

An anchor vouches only for its own province: it signs only the list of the region it
is configured for, and that list names only issuers registered in that province (the
USCC's 登记管理机关行政区划码, GB 32100 positions 3-8) that declare a region inside the
list's region. Central authorities, registered in ``100000`` (:data:`NATIONAL_REGION`),
are vouched for by a national anchor, configured with region ``100000``, whose list
names only them. So a Jiangsu anchor cannot make a Shanghai USCC trusted, whatever
region code its list gives it.

Wire format
-----------
A JWT (RFC 7519, https://www.rfc-editor.org/rfc/rfc7519) in JWS Compact
Serialization (RFC 7515 §7.1, https://www.rfc-editor.org/rfc/rfc7515), UTF-8
JSON, explicitly typed as RFC 8725 §3.11 recommends.

Protected header, all required::

    {"alg": "EdDSA" | "ES256" | "SM2", "kid": <anchor kid>, "typ": "trustlist+jwt"}

``kid`` is the anchor key's RFC 7638 thumbprint (SHA-256, base64url). ``crit`` is
refused. Payload claims:

``iss``          GB/T 2260 code of the anchor's region, or ``100000`` for the
                 national anchor (required); must be the region the verifier
                 configured the signing anchor with
``region_name``  its name, display only (optional)
``iat``, ``exp`` NumericDates (whole seconds); ``exp`` is the next update: from
                 then on the list is refused and must be fetched again (required)
``seq``          the list's number, 0 to 2^53-1; a later list has a higher one
``issuers``      array of issuer objects (required, may be empty):

    ``uscc``           GB 32100 code, valid check character, in capitals, registered
                       (positions 3-8) in the province of ``iss``
    ``name_zh``        non-empty text; ``name_en`` text, may be empty
    ``region_code``    GB/T 2260 code inside ``iss`` (a province's anchor lists its
                       own cities' issuers, not another province's)
    ``allowed_types``  catalogue slugs (``issuers.catalogue.CATALOGUE``), no repeats
    ``keys``           public JWKs (RFC 7517) in canonical encoding, with ``kid`` =
                       RFC 7638 thumbprint, ``alg`` = the key's algorithm,
                       ``use`` = "sig", ``status`` = "active" | "retired" |
                       "compromised"; optional NumericDates ``nbf``/``exp`` (when the
                       issuer signs with the key) and ``compromised_at`` (only with
                       "compromised"). No private members (``d``, ...).

A USCC or a key kid appears at most once per list. Unknown members are ignored.

Example (abridged; one issuer, a current and a rotated key)::

    eyJhbGciOiJFZERTQSIsImtpZCI6IjU5Q1lMaTVXNWNpLXduV2N2N013clVN...   (1195 bytes)

    {"alg": "EdDSA", "kid": "59CYLi5W5ci-wnWcv7MwrUM1-h67sooj7KxLhmSn_4Y",
     "typ": "trustlist+jwt"}
    {"iss": "320000", "region_name": "江苏省", "iat": 1793606400, "exp": 1794211200,
     "seq": 42,
     "issuers": [{"uscc": "11320000000000005P", "name_zh": "江苏省交通运输厅",
                  "name_en": "Jiangsu Provincial Department of Transport",
                  "region_code": "320000",
                  "allowed_types": ["ride_hailing_driver", "ride_hailing_permit",
                                    "road_transport_permit"],
                  "keys": [{"crv": "Ed25519", "kty": "OKP",
                            "x": "iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w",
                            "kid": "UDDReOZl1ipXAfp9wYsm13sDBMK5og--QWdBjzuf6o4",
                            "alg": "EdDSA", "use": "sig", "status": "active",
                            "nbf": 1791014400},
                           {"crv": "Ed25519", "kty": "OKP", "x": "gTl3Dqh9...",
                            "kid": "aVBtapLd11SUVKIMGJfPzOEDuN0sXcmzJQNVT-_sKEU",
                            "alg": "EdDSA", "use": "sig", "status": "retired",
                            "nbf": 1759046400, "exp": 1791014400}]}]}

Key states
----------
"retired" keys sign nothing new but still verify what they signed (rotation);
"compromised" keys make every credential they signed fail (``key_compromised``),
whatever its ``iat``, since a thief can write any ``iat``. Where lists overlap,
:class:`TrustListKeyResolver` documents which one wins.

Verification (:func:`verify_trust_list`) raises a typed error: ``payload_too_large``,
``trust_list_invalid``, ``untrusted_anchor``, ``trust_list_signature_invalid``,
``trust_list_expired``.
"""

from issuers.errors import (
    TrustListExpired,
    TrustListInvalid,
    TrustListSignatureInvalid,
    UntrustedAnchor,
)
from issuers.trust._document import (
    CLOCK_SKEW,
    DEFAULT_MAX_BYTES,
    TYP,
    sign_trust_list,
    verify_trust_list,
)
from issuers.trust._model import (
    KEY_STATES,
    NATIONAL_REGION,
    KeyEntry,
    KeyState,
    TrustAnchor,
    TrustedIssuerEntry,
    TrustList,
    covers,
    in_province,
    trust_list_from_issuers,
)
from issuers.trust._resolver import TrustListKeyResolver

__all__ = [
    "CLOCK_SKEW",
    "DEFAULT_MAX_BYTES",
    "KEY_STATES",
    "NATIONAL_REGION",
    "TYP",
    "KeyEntry",
    "KeyState",
    "TrustAnchor",
    "TrustList",
    "TrustListExpired",
    "TrustListInvalid",
    "TrustListKeyResolver",
    "TrustListSignatureInvalid",
    "TrustedIssuerEntry",
    "UntrustedAnchor",
    "covers",
    "in_province",
    "sign_trust_list",
    "trust_list_from_issuers",
    "verify_trust_list",
]
