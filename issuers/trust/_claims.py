"""Trust-list JWT claims <-> :class:`TrustList`, with every check a verifier makes.

The payload is read only after its signature verified, but an anchor's software can
still be wrong, so nothing is taken on faith: each failure is a
:class:`TrustListInvalid` naming the offending member (``issuers[2].keys[0].kid``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NoReturn

from issuers.catalogue import CATALOGUE
from issuers.codes import validate_region, validate_uscc
from issuers.codes.gb32100 import registration_region
from issuers.crypto.keys import PRIVATE_JWK_MEMBERS, VerifyingKey
from issuers.errors import InvalidCode, InvalidInput, TrustListInvalid
from issuers.registry import IssuerInfo
from issuers.trust._model import (
    KEY_STATES,
    NATIONAL_REGION,
    KeyEntry,
    TrustedIssuerEntry,
    TrustList,
    covers,
    in_province,
)

MAX_SEQUENCE = 2**53 - 1  # I-JSON (RFC 7493 §2.2): integers every JSON parser holds exactly
MAX_NUMERIC_DATE = 253402300799  # 9999-12-31T23:59:59Z, the last second datetime holds
MAX_TEXT = 200


def to_claims(trust_list: TrustList) -> dict[str, Any]:
    claims: dict[str, Any] = {"iss": trust_list.region_code}
    if trust_list.region_name is not None:
        claims["region_name"] = trust_list.region_name
    claims["iat"] = _numeric_date(trust_list.issued_at, "issued_at")
    claims["exp"] = _numeric_date(trust_list.next_update, "next_update")
    claims["seq"] = trust_list.sequence
    claims["issuers"] = [
        {
            "uscc": entry.info.uscc,
            "name_zh": entry.info.name_zh,
            "name_en": entry.info.name_en,
            "region_code": entry.info.region_code,
            "allowed_types": sorted(entry.info.allowed_types),
            "keys": [_key_claims(key) for key in entry.keys],
        }
        for entry in trust_list.issuers
    ]
    return claims


def _key_claims(entry: KeyEntry) -> dict[str, Any]:
    jwk: dict[str, Any] = {**entry.key.public_jwk(), "status": entry.state}
    for member, value in (
        ("nbf", entry.not_before),
        ("exp", entry.not_after),
        ("compromised_at", entry.compromised_at),
    ):
        if value is not None:
            jwk[member] = _numeric_date(value, member)
    return jwk


def _numeric_date(value: datetime, field: str) -> int:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput("times must carry a time zone", field=field)
    return int(value.timestamp())


def from_claims(claims: dict[str, Any], *, anchor_kid: str) -> TrustList:
    region = _region(claims.get("iss"), "iss")
    region_name = claims.get("region_name")
    if region_name is not None:
        region_name = _text(region_name, "region_name")
    issued_at = _date(claims.get("iat"), "iat")
    next_update = _date(claims.get("exp"), "exp")
    if next_update <= issued_at:
        _invalid("must be after iat", "exp")
    sequence = claims.get("seq")
    if type(sequence) is not int or not 0 <= sequence <= MAX_SEQUENCE:
        _invalid(f"must be an integer from 0 to {MAX_SEQUENCE}", "seq")
    raw_issuers = claims.get("issuers")
    if not isinstance(raw_issuers, list):
        _invalid("must be an array", "issuers")
    usccs: set[str] = set()
    kids: set[str] = set()
    issuers = []
    for i, item in enumerate(raw_issuers):
        entry = _issuer(item, f"issuers[{i}]", region)
        if entry.info.uscc in usccs:
            _invalid(f"{entry.info.uscc} is listed twice", f"issuers[{i}].uscc")
        usccs.add(entry.info.uscc)
        for j, key in enumerate(entry.keys):
            if key.kid in kids:
                _invalid("the same key is listed twice", f"issuers[{i}].keys[{j}].kid")
            kids.add(key.kid)
        issuers.append(entry)
    return TrustList(
        region_code=region,
        region_name=region_name,
        anchor_kid=anchor_kid,
        sequence=sequence,
        issued_at=issued_at,
        next_update=next_update,
        issuers=tuple(issuers),
    )


def _issuer(item: object, field: str, scope: str) -> TrustedIssuerEntry:
    if not isinstance(item, dict):
        _invalid("must be an object", field)
    uscc = item.get("uscc")
    try:
        if validate_uscc(uscc, field=f"{field}.uscc") != uscc:  # type: ignore[arg-type]
            _invalid("must be written in capitals without spaces", f"{field}.uscc")
    except InvalidCode as exc:
        _invalid(exc.message, exc.field or f"{field}.uscc")
    registered = registration_region(uscc)
    if not (registered.isdigit() and in_province(scope, registered)):
        _invalid(
            f"{uscc} is registered in region {registered}, outside the province of the "
            f"list's region {scope}: an anchor vouches only for its own province's issuers",
            f"{field}.uscc",
        )
    region = _region(item.get("region_code"), f"{field}.region_code")
    if not covers(scope, region):
        _invalid(f"{region} lies outside the list's region {scope}", f"{field}.region_code")
    types = item.get("allowed_types")
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        _invalid("must be an array of strings", f"{field}.allowed_types")
    unknown = [t for t in types if t not in CATALOGUE]
    if unknown:
        _invalid(f"unknown certificate types {unknown}", f"{field}.allowed_types")
    if len(set(types)) != len(types):
        _invalid("lists a type twice", f"{field}.allowed_types")
    keys = item.get("keys")
    if not isinstance(keys, list):
        _invalid("must be an array", f"{field}.keys")
    info = IssuerInfo(
        uscc=uscc,
        name_zh=_text(item.get("name_zh"), f"{field}.name_zh"),
        name_en=_text(item.get("name_en"), f"{field}.name_en", allow_empty=True),
        region_code=region,
        allowed_types=frozenset(types),
    )
    return TrustedIssuerEntry(
        info, tuple(_key(k, f"{field}.keys[{j}]") for j, k in enumerate(keys))
    )


def _key(item: object, field: str) -> KeyEntry:
    if not isinstance(item, dict):
        _invalid("must be a JWK object", field)
    if PRIVATE_JWK_MEMBERS & item.keys():
        _invalid("carries private key members", field)
    try:
        key = VerifyingKey.from_jwk(item)
    except InvalidInput as exc:
        _invalid(exc.message, field)
    canonical = key.to_jwk()
    if any(item[member] != value for member, value in canonical.items()):
        _invalid("key members are not in their canonical encoding", field)
    if item.get("kid") != key.kid:
        _invalid("must be the key's RFC 7638 thumbprint", f"{field}.kid")
    if item.get("alg") != key.alg.value:
        _invalid(f"must be {key.alg.value} for this key", f"{field}.alg")
    if item.get("use", "sig") != "sig":
        _invalid('must be "sig"', f"{field}.use")
    state = next((s for s in KEY_STATES if s == item.get("status")), None)
    if state is None:
        _invalid(f"must be one of {', '.join(KEY_STATES)}", f"{field}.status")
    not_before = _optional_date(item, "nbf", field)
    not_after = _optional_date(item, "exp", field)
    if not_before is not None and not_after is not None and not_after < not_before:
        _invalid("must not be before nbf", f"{field}.exp")
    compromised_at = _optional_date(item, "compromised_at", field)
    if compromised_at is not None and state != "compromised":
        _invalid('only a "compromised" key has it', f"{field}.compromised_at")
    return KeyEntry(key, key.kid, key.alg, not_before, not_after, state, compromised_at)


def _region(value: object, field: str) -> str:
    if value == NATIONAL_REGION:
        return NATIONAL_REGION
    try:
        return validate_region(value, field=field)  # type: ignore[arg-type]
    except InvalidCode as exc:
        _invalid(exc.message, field)


def _text(value: object, field: str, *, allow_empty: bool = False) -> str:
    if (
        not isinstance(value, str)
        or len(value) > MAX_TEXT
        or not (allow_empty or value.strip())
        or not value.isprintable()  # no control characters, no lone surrogates
    ):
        _invalid(f"must be printable text of at most {MAX_TEXT} characters", field)
    return value


def _date(value: object, field: str) -> datetime:
    if type(value) is not int or not 0 <= value <= MAX_NUMERIC_DATE:
        _invalid("must be a NumericDate: whole seconds since 1970 up to year 9999", field)
    return datetime.fromtimestamp(value, UTC)


def _optional_date(item: dict[str, Any], member: str, field: str) -> datetime | None:
    value = item.get(member)
    return None if value is None else _date(value, f"{field}.{member}")


def _invalid(message: str, field: str) -> NoReturn:
    raise TrustListInvalid(f"trust list {field}: {message}", field=field)
