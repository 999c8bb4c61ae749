"""JWS Compact Serialization (RFC 7515 §3.1, §7.1): the project's one JWS.

https://www.rfc-editor.org/rfc/rfc7515

    BASE64URL(UTF8(JWS Protected Header)) || '.' || BASE64URL(JWS Payload) || '.' ||
    BASE64URL(JWS Signature)

Used by the trust list (:mod:`issuers.trust`) and the status list JWT
(:mod:`issuers.formats.status_list_token`). Signatures go through
:mod:`issuers.crypto.keys` (EdDSA per RFC 8037, ES256 as the fixed-width ``r || s``
of RFC 7518 §3.4); this module never sees key bytes. Parsing is strict, because the
header is read before anything is verified:

* each segment is unpadded base64url and nothing else (§2), in its canonical form;
* the header is a JSON object without duplicate member names (§4: "the JWS Parser
  MUST either reject JWSs with duplicate Header Parameter names or ...").

What a header must say (``typ``, no ``crit``, ``kid``) is the caller's check: each
format names its own ``typ`` and finds keys its own way. Every failure is raised as
the ``error`` class the caller passes, so a trust list reports ``trust_list_invalid``
and a status list ``malformed``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from issuers.crypto.base64url import b64url, parse_b64url
from issuers.crypto.keys import Algorithm, SigningKey, VerifyingKey
from issuers.errors import ElicenseError, InvalidInput, Malformed, SignatureInvalid

__all__ = [
    "ALGORITHMS",
    "MAX_HEADER_CHARS",
    "ParsedJws",
    "dumps",
    "load_object",
    "media_type",
    "parse",
    "sign",
    "verify",
]

ALGORITHMS = frozenset(alg.value for alg in Algorithm)  # no "none", no MACs (RFC 8725 §3.1)
MAX_HEADER_CHARS = 2048  # base64url of the protected header; ours are about 130


@dataclass(frozen=True, slots=True)
class ParsedJws:
    """A decoded JWS whose signature has not been checked: see :func:`verify`."""

    header: dict[str, Any]
    payload: bytes
    signing_input: bytes  # ASCII(BASE64URL(header) || '.' || BASE64URL(payload)), §5.1
    signature: bytes


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON, the form we sign."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign(header: Mapping[str, Any], payload: bytes, key: SigningKey) -> str:
    """§5.1: the compact serialization of ``payload`` under ``header``, signed by ``key``.

    ``header["alg"]`` must be the key's algorithm; a header that lied about it would
    make a JWS no verifier accepts."""
    if header.get("alg") != key.alg.value:
        raise InvalidInput(f"the header alg is not the key's {key.alg.value}", field="alg")
    signing_input = f"{b64url(dumps(dict(header)))}.{b64url(payload)}"
    return f"{signing_input}.{b64url(key.sign(signing_input.encode('ascii')))}"


def parse(text: str, *, error: type[ElicenseError] = Malformed) -> ParsedJws:
    """Split and decode (§5.2 steps 1-6); nothing here is verified yet. Raises ``error``."""
    if not isinstance(text, str):
        _invalid(error, "must be text", "jws")
    parts = text.split(".")
    if len(parts) != 3:
        _invalid(error, "a compact serialization has exactly three segments", "jws")
    header_b64, payload_b64, signature_b64 = parts
    if len(header_b64) > MAX_HEADER_CHARS:
        _invalid(error, f"the protected header is over {MAX_HEADER_CHARS} characters", "header")
    header = load_object(_segment(header_b64, "header", error), "header", error=error)
    return ParsedJws(
        header=header,
        payload=_segment(payload_b64, "payload", error),
        signing_input=f"{header_b64}.{payload_b64}".encode("ascii"),
        signature=_segment(signature_b64, "signature", error),
    )


def load_object(
    data: bytes, field: str, *, error: type[ElicenseError] = Malformed
) -> dict[str, Any]:
    """A UTF-8 JSON object (RFC 8259 §8.1); duplicate members, NaN and Infinity are
    refused with ``error``."""
    try:
        value = json.loads(
            data.decode("utf-8"),  # json.loads(bytes) would guess UTF-16/32
            object_pairs_hook=_object_without_duplicates,
            parse_constant=_refuse_constant,
        )
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeError are ValueErrors
        _invalid(error, f"not JSON: {exc.__class__.__name__}", field)
    if not isinstance(value, dict):
        _invalid(error, "must be a JSON object", field)
    return value


def verify(
    parsed: ParsedJws, key: VerifyingKey, *, error: type[ElicenseError] = SignatureInvalid
) -> None:
    """§5.2 step 8: ``alg`` must be the key's algorithm and the signature must verify
    over the signing input; otherwise raise ``error``. Run it before reading claims."""
    alg = parsed.header.get("alg")
    if alg != key.alg.value:
        raise error(f"the JWS alg is {alg!r} but the key is {key.alg.value}", field="alg")
    try:
        key.verify(parsed.signature, parsed.signing_input)
    except SignatureInvalid:
        raise error("the JWS signature does not match the key") from None


def media_type(typ: object) -> str | None:
    """``typ`` as a comparable media type, RFC 7515 §4.1.9: case-insensitive, and
    "application/" may be left out when no other "/" appears. None if not text."""
    if not isinstance(typ, str):
        return None
    typ = typ.lower()
    return typ.removeprefix("application/") if typ.count("/") == 1 else typ


def _segment(text: str, field: str, error: type[ElicenseError]) -> bytes:
    try:
        return parse_b64url(text, canonical=True)  # one value, one spelling
    except ValueError as exc:
        _invalid(error, str(exc), field)


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate member name")
    return result


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _invalid(error: type[ElicenseError], message: str, field: str) -> NoReturn:
    raise error(f"JWS {field}: {message}", field=field)
