"""The chain's arithmetic: canonical JSON, entry hashes, the signed head, checkpoints.

Pure functions over values, so the appender and the verifier compute the same bytes.

* An entry's hash is ``SHA-256(prev_hash bytes || canonical JSON of {seq, at, kind,
  actor, summary, grant_id, holder_refs})``, hex; the first entry's ``prev_hash`` is 64
  zeros. Canonical JSON: keys sorted, no white space, UTF-8, no NaN (the shape of
  RFC 8785 for the values we store: strings, integers, lists and objects).
* ``at`` is ISO 8601 in UTC with microseconds, the precision every backend keeps.
* The head and checkpoints state ``{count, hash, at}``; the head carries a bare
  signature by the platform key (Ed25519, or SM2 with ``ELICENSE_PLATFORM_KEY_ALG``)
  over its canonical JSON, a checkpoint the same statement as a compact JWS (RFC 7515)
  of ``typ`` :data:`CHECKPOINT_TYP`. A verifier picks the platform key by the ``kid``
  each names (:class:`PlatformKeys`): a log kept across a switch of algorithm holds
  checkpoints by both keys.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from issuers.crypto.base64url import b64url, parse_b64url
from issuers.crypto.keys import SigningKey, VerifyingKey
from issuers.errors import SignatureInvalid
from issuers.formats import jws

__all__ = [
    "CHECKPOINT_TYP",
    "GENESIS_HASH",
    "PlatformKeys",
    "canonical_json",
    "checkpoint_jws",
    "entry_hash",
    "iso_utc",
    "read_checkpoint",
    "sign_statement",
    "statement",
    "verify_statement",
]

GENESIS_HASH = "0" * 64
CHECKPOINT_TYP = "audit-checkpoint+jwt"


@dataclass(frozen=True, slots=True)
class PlatformKeys:
    """The platform's public keys: the first signs now, the others signed before. A kid
    none of them has gets the first, whose check then fails."""

    keys: tuple[VerifyingKey, ...]
    _by_kid: dict[str, VerifyingKey] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.keys:
            raise ValueError("the platform has at least one key")
        object.__setattr__(self, "_by_kid", {key.kid: key for key in reversed(self.keys)})

    @property
    def current(self) -> VerifyingKey:
        return self.keys[0]

    def named(self, kid: object) -> VerifyingKey:
        return self._by_kid.get(kid, self.keys[0]) if isinstance(kid, str) else self.keys[0]


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no white space, UTF-8; refuses NaN and Infinity."""
    return json.dumps(
        value, ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False
    ).encode("utf-8")


def iso_utc(at: datetime) -> str:
    """``at`` in UTC with microseconds, e.g. ``2026-11-01T09:30:00.000000+00:00``."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(
    prev_hash: str,
    *,
    seq: int,
    at: datetime,
    kind: str,
    actor: str,
    summary: Mapping[str, Any],
    grant_id: str | None,
    holder_refs: Sequence[str],
) -> str:
    """The hash an entry commits to: its content and, through ``prev_hash``, the chain."""
    body = {
        "seq": seq,
        "at": iso_utc(at),
        "kind": kind,
        "actor": actor,
        "summary": dict(summary),
        "grant_id": grant_id,
        "holder_refs": sorted(holder_refs),
    }
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical_json(body)).hexdigest()


def statement(count: int, head_hash: str, at: datetime) -> dict[str, Any]:
    """What the head and every checkpoint state."""
    return {"count": count, "hash": head_hash, "at": iso_utc(at)}


def sign_statement(key: SigningKey, count: int, head_hash: str, at: datetime) -> str:
    """The head's signature: the platform key's over the canonical statement, base64url."""
    return b64url(key.sign(canonical_json(statement(count, head_hash, at))))


def verify_statement(
    key: VerifyingKey, count: int, head_hash: str, at: datetime, signature: str
) -> None:
    """Raises :class:`SignatureInvalid` unless ``signature`` signs this statement."""
    try:
        raw = parse_b64url(signature)
    except ValueError:
        raise SignatureInvalid("the signature is not base64url") from None
    key.verify(raw, canonical_json(statement(count, head_hash, at)))


def checkpoint_jws(key: SigningKey, count: int, head_hash: str, at: datetime) -> str:
    """The checkpoint as published: a compact JWS over the statement."""
    header = {"alg": key.alg.value, "typ": CHECKPOINT_TYP, "kid": key.public.kid}
    return jws.sign(header, canonical_json(statement(count, head_hash, at)), key)


def read_checkpoint(text: str, key: VerifyingKey | PlatformKeys) -> dict[str, Any]:
    """The statement a checkpoint JWS signs, once its ``typ`` and signature check (by
    the platform key its ``kid`` names, given several)."""
    parsed = jws.parse(text, error=SignatureInvalid)
    if jws.media_type(parsed.header.get("typ")) != CHECKPOINT_TYP:
        raise SignatureInvalid("not an audit checkpoint (typ)", field="typ")
    if isinstance(key, PlatformKeys):
        key = key.named(parsed.header.get("kid"))
    jws.verify(parsed, key)
    return jws.load_object(parsed.payload, "payload", error=SignatureInvalid)
