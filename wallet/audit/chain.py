"""The chain's arithmetic: canonical JSON, entry hashes, the signed head, checkpoints.

Pure functions over values, so the appender and the verifier compute the same bytes.

* An entry's hash is ``SHA-256(prev_hash bytes || canonical JSON of {seq, at, kind,
  actor, summary, grant_id, holder_refs})``, hex; the first entry's ``prev_hash`` is 64
  zeros. Canonical JSON: keys sorted, no white space, UTF-8, no NaN (the shape of
  RFC 8785 for the values we store: strings, integers, lists and objects).
* ``at`` is ISO 8601 in UTC with microseconds, the precision every backend keeps.
* The head and checkpoints state ``{count, hash, at}``; the head carries a bare
  Ed25519 signature over its canonical JSON, a checkpoint the same statement as a
  compact JWS (RFC 7515) of ``typ`` :data:`CHECKPOINT_TYP`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from issuers.crypto.base64url import b64url, parse_b64url
from issuers.crypto.keys import SigningKey, VerifyingKey
from issuers.errors import SignatureInvalid
from issuers.formats import jws

__all__ = [
    "CHECKPOINT_TYP",
    "GENESIS_HASH",
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
    """The head's signature: Ed25519 over the canonical statement, base64url."""
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


def read_checkpoint(text: str, key: VerifyingKey) -> dict[str, Any]:
    """The statement a checkpoint JWS signs, once its ``typ`` and signature check."""
    parsed = jws.parse(text, error=SignatureInvalid)
    if jws.media_type(parsed.header.get("typ")) != CHECKPOINT_TYP:
        raise SignatureInvalid("not an audit checkpoint (typ)", field="typ")
    jws.verify(parsed, key)
    return jws.load_object(parsed.payload, "payload", error=SignatureInvalid)
