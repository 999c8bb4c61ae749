"""Credential claims as a CBOR Web Token, RFC 8392 (https://www.rfc-editor.org/rfc/rfc8392).

Registered claims (§3.1, §4): ``iss`` 1, ``sub`` 2, ``exp`` 4, ``nbf`` 5, ``iat`` 6;
``cnf`` 8 (RFC 8747). ``status`` 65535 is the IETF Token Status List reference.
Our e-licence content sits in one private-use claim (§4: integer keys below -65536
are "Private Use"), a map with small integer keys so the QR stays compact:

=====  ==========================================================
key    meaning
=====  ==========================================================
1      电子证照标识 (GB/T 36904 identifier; its type and issuer
       segments name the certificate type and the issuer)
2      the type's fields, compact (see issuers.catalogue)
3      further holder codes (marriage spouses, household members)
=====  ==========================================================

``sub`` is the primary holder code (公民身份号码 or 统一社会信用代码). A credential
with no ``exp`` is long-term (长期有效).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard

import cbor2

from issuers.errors import ClaimsInvalid
from issuers.formats.canonical_cbor import CBOR_ERRORS, require_canonical

ISS, SUB, EXP, NBF, IAT, CNF, STATUS = 1, 2, 4, 5, 6, 8, 65535
_MAPS = (dict, cbor2.frozendict)  # exact types: cbor2 6 may hand back either
_ARRAYS = (list, tuple)
ELICENCE = -65537
EL_IDENTIFIER, EL_FIELDS, EL_CO_HOLDERS = 1, 2, 3


@dataclass(frozen=True, slots=True)
class StatusReference:
    """Token Status List reference: the entry ``idx`` of the list at ``uri``."""

    idx: int
    uri: str


@dataclass(frozen=True, slots=True)
class CredentialClaims:
    issuer: str
    subject: str
    identifier: str
    fields: dict[int, Any]
    issued_at: int
    not_before: int
    expires: int | None = None
    co_holders: tuple[str, ...] = ()
    status: StatusReference | None = None
    confirmation: dict[int, Any] | None = field(default=None)

    @property
    def holder_codes(self) -> tuple[str, ...]:
        return (self.subject, *self.co_holders)

    def to_cbor(self) -> bytes:
        licence: dict[int, Any] = {EL_IDENTIFIER: self.identifier, EL_FIELDS: self.fields}
        if self.co_holders:
            licence[EL_CO_HOLDERS] = list(self.co_holders)
        claims: dict[int, Any] = {
            ISS: self.issuer,
            SUB: self.subject,
            IAT: self.issued_at,
            NBF: self.not_before,
            ELICENCE: licence,
        }
        if self.expires is not None:
            claims[EXP] = self.expires
        if self.status is not None:
            claims[STATUS] = {"status_list": {"idx": self.status.idx, "uri": self.status.uri}}
        if self.confirmation is not None:
            claims[CNF] = self.confirmation
        return cbor2.dumps(claims)

    @classmethod
    def from_cbor(cls, payload: bytes) -> CredentialClaims:
        try:
            claims = cbor2.loads(payload)
        except CBOR_ERRORS:
            raise ClaimsInvalid("the CWT claims are not well-formed CBOR") from None
        # Malformed, not ClaimsInvalid: one signed credential, one encoding (RFC 8949
        # §4.2.1); a duplicate claim would otherwise be read as whichever came last.
        require_canonical(claims, payload, "the CWT claims")
        if type(claims) not in _MAPS:
            raise ClaimsInvalid("the CWT claims must be a map")
        licence = claims.get(ELICENCE)
        if type(licence) not in _MAPS:
            raise ClaimsInvalid("the e-licence claim is missing")
        expires = claims.get(EXP)
        co_holders = licence.get(EL_CO_HOLDERS, [])
        fields = licence.get(EL_FIELDS)
        if type(fields) not in _MAPS:
            raise ClaimsInvalid("the e-licence fields must be a map")
        if type(co_holders) not in _ARRAYS or (
            co_holders and not all(type(h) is str for h in co_holders)
        ):
            raise ClaimsInvalid("co-holders must be a list of codes")
        confirmation = claims.get(CNF)
        if confirmation is not None and type(confirmation) not in _MAPS:
            raise ClaimsInvalid("cnf must be a map")
        return cls(
            issuer=_text(claims, ISS, "iss"),
            subject=_text(claims, SUB, "sub"),
            identifier=_text(licence, EL_IDENTIFIER, "identifier"),
            fields=dict(fields),
            issued_at=_int(claims, IAT, "iat"),
            not_before=_int(claims, NBF, "nbf"),
            expires=None if expires is None else _int(claims, EXP, "exp"),
            co_holders=tuple(co_holders),
            status=_status(claims.get(STATUS)),
            confirmation=None if confirmation is None else dict(confirmation),
        )


def _text(claims: Mapping[Any, Any], key: int, name: str) -> str:
    value = claims.get(key)
    if type(value) is not str or not value:
        raise ClaimsInvalid(f"claim {name} must be a non-empty text string")
    return value


def _int(claims: Mapping[Any, Any], key: int, name: str) -> int:
    value = claims.get(key)
    if type(value) is not int:
        raise ClaimsInvalid(f"claim {name} must be an integer NumericDate")
    return value


def _status(value: object) -> StatusReference | None:
    if value is None:
        return None
    # Exact types first: the ABC checks cost up to 1 µs each, on every verify.
    entry = value.get("status_list") if _is_mapping(value) else None
    if not _is_mapping(entry):
        raise ClaimsInvalid("status claim must hold a status_list map")
    idx, uri = entry.get("idx"), entry.get("uri")
    if not isinstance(idx, int) or isinstance(idx, bool) or idx < 0 or not isinstance(uri, str):
        raise ClaimsInvalid("status_list needs a non-negative idx and a uri")
    return StatusReference(idx, uri)


def _is_mapping(value: object) -> TypeGuard[Mapping[Any, Any]]:
    return type(value) in _MAPS or isinstance(value, Mapping)
