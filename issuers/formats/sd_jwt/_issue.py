"""Issuing an SD-JWT (RFC 9901 §4, §5.1): disclosures, digests and the issuer-signed JWT.

https://www.rfc-editor.org/rfc/rfc9901

Only top-level object properties are made selectively disclosable (§4.2.1): each is
one Disclosure, ``BASE64URL(UTF8(JSON([salt, name, value])))``, whose digest
``BASE64URL(SHA-256(ASCII(disclosure)))`` (§4.2.3) goes into the payload's ``_sd``
array. The array is sorted, as §4.2.4.1 recommends, so the digests do not reveal the
order the claims were written in; decoys (§4.2.5) may hide how many there are.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from issuers.crypto.base64url import b64url
from issuers.crypto.keys import SigningKey
from issuers.errors import InvalidInput
from issuers.formats import jws

__all__ = [
    "DIGEST_ALG",
    "RESERVED_NAMES",
    "SD_JWT_VC_TYP",
    "Disclosure",
    "IssuedSdJwt",
    "digest_of",
    "issue",
    "new_salt",
]

SD_JWT_VC_TYP = "dc+sd-jwt"  # SD-JWT VC §3.2.1: the media type application/dc+sd-jwt
DIGEST_ALG = "sha-256"  # §4.1.1, the IANA "Named Information Hash Algorithm" name
# §4.2.1: a disclosed claim may not be named "_sd" nor "..."; "_sd_alg" is ours too.
RESERVED_NAMES = frozenset({"_sd", "...", "_sd_alg"})
SEPARATOR = "~"


def new_salt() -> str:
    """§4.2.1: "at least 128 bits of cryptographically secure random data"."""
    return b64url(secrets.token_bytes(16))


def digest_of(encoded: str) -> str:
    """§4.2.3: the digest over the ASCII bytes of the base64url Disclosure."""
    return b64url(hashlib.sha256(encoded.encode("ascii")).digest())


@dataclass(frozen=True, slots=True)
class Disclosure:
    """One selectively disclosable claim: what was hashed, and how it travels."""

    salt: str
    name: str
    value: Any
    encoded: str
    digest: str

    @classmethod
    def of(cls, salt: str, name: str, value: Any) -> Disclosure:
        # ensure_ascii=False: names and values are Chinese; §4.2.1 hashes UTF-8 JSON.
        encoded = b64url(json.dumps([salt, name, value], ensure_ascii=False).encode("utf-8"))
        return cls(salt=salt, name=name, value=value, encoded=encoded, digest=digest_of(encoded))


@dataclass(frozen=True, slots=True)
class IssuedSdJwt:
    """The issuer-signed JWT and every Disclosure: what the holder keeps."""

    jwt: str
    disclosures: tuple[Disclosure, ...]

    @property
    def names(self) -> frozenset[str]:
        return frozenset(d.name for d in self.disclosures)

    def presentation(self, names: Collection[str]) -> str:
        """§4: ``<Issuer-signed JWT>~<Disclosure 1>~...~<Disclosure N>~`` carrying only
        the claims ``names`` lists, ready for a Key Binding JWT (or to be sent
        without one). A name the credential does not have is an error, so a caller
        never believes it shared a claim it did not."""
        unknown = sorted(set(names) - self.names)
        if unknown:
            raise InvalidInput(f"the credential has no claim {unknown[0]!r}", field="names")
        chosen = [d.encoded for d in self.disclosures if d.name in names]
        return SEPARATOR.join([self.jwt, *chosen, ""])

    def full(self) -> str:
        """Every Disclosure: the SD-JWT as issued (§4)."""
        return self.presentation(self.names)


def issue(
    claims: Mapping[str, Any],
    disclosable: Mapping[str, Any],
    key: SigningKey,
    *,
    kid: str,
    typ: str = SD_JWT_VC_TYP,
    salt: Callable[[], str] = new_salt,
    decoys: int = 0,
) -> IssuedSdJwt:
    """Sign ``claims`` (always visible) with ``disclosable`` hidden behind digests.

    The header is ``{"alg", "typ", "kid"}`` (§5.1.1, SD-JWT VC §3.2.1). ``salt`` is
    injectable so test vectors are reproducible; leave it alone otherwise."""
    for name in (*claims, *disclosable):
        if name in RESERVED_NAMES:
            raise InvalidInput(f"{name!r} is reserved by SD-JWT", field=name)
    both = sorted(set(claims) & set(disclosable))
    if both:
        raise InvalidInput(f"{both[0]!r} is both visible and disclosable", field=both[0])
    if decoys < 0:
        raise InvalidInput("decoys cannot be negative", field="decoys")
    disclosures = tuple(Disclosure.of(salt(), name, value) for name, value in disclosable.items())
    digests = [d.digest for d in disclosures]
    digests += [digest_of(new_salt()) for _ in range(decoys)]  # §4.2.5: hash of random data
    payload = dict(claims)
    if digests:
        payload["_sd"] = sorted(digests)
    payload["_sd_alg"] = DIGEST_ALG
    header = {"alg": key.alg.value, "typ": typ, "kid": kid}
    return IssuedSdJwt(jwt=jws.sign(header, jws.dumps(payload), key), disclosures=disclosures)
