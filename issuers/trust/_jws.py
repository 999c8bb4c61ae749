"""JWS Compact Serialization (RFC 7515 §3.1, §7.1), as much as a trust list needs.

https://www.rfc-editor.org/rfc/rfc7515

    BASE64URL(UTF8(JWS Protected Header)) || '.' || BASE64URL(JWS Payload) || '.' ||
    BASE64URL(JWS Signature)

Signatures go through :mod:`issuers.crypto.keys` (EdDSA per RFC 8037, ES256 as the
fixed-width ``r || s`` of RFC 7518 §3.4). Parsing is strict, because the header is
read before anything is verified:

* each segment is unpadded base64url and nothing else (§2), in its canonical form;
* the header is a JSON object without duplicate member names (§4: "the JWS Parser
  MUST either reject JWSs with duplicate Header Parameter names or ..."), and
  without ``crit`` (§4.1.11: extensions a recipient does not understand make the JWS
  invalid; we understand none).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from issuers.crypto.keys import SigningKey, b64url
from issuers.trust._errors import TrustListInvalid

MAX_HEADER_CHARS = 2048  # base64url of the protected header; ours is about 130
_SEGMENT = re.compile(r"[A-Za-z0-9_-]*")


@dataclass(frozen=True, slots=True)
class ParsedJws:
    header: dict[str, Any]
    payload: bytes
    signing_input: bytes  # ASCII(BASE64URL(header) || '.' || BASE64URL(payload)), §5.1
    signature: bytes


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON, the form we sign."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign(header: Mapping[str, Any], payload: bytes, key: SigningKey) -> str:
    signing_input = f"{b64url(dumps(dict(header)))}.{b64url(payload)}"
    return f"{signing_input}.{b64url(key.sign(signing_input.encode('ascii')))}"


def parse(text: str) -> ParsedJws:
    """Split and decode; nothing here is verified yet. Raises TrustListInvalid."""
    parts = text.split(".")
    if len(parts) != 3:
        _invalid("a JWS compact serialization has exactly three segments", "jws")
    header_b64, payload_b64, signature_b64 = parts
    if len(header_b64) > MAX_HEADER_CHARS:
        _invalid(f"the protected header is over {MAX_HEADER_CHARS} characters", "header")
    header = load_object(_segment(header_b64, "header"), "header")
    return ParsedJws(
        header=header,
        payload=_segment(payload_b64, "payload"),
        signing_input=f"{header_b64}.{payload_b64}".encode("ascii"),
        signature=_segment(signature_b64, "signature"),
    )


def load_object(data: bytes, field: str) -> dict[str, Any]:
    """A UTF-8 JSON object; duplicate members, NaN and Infinity are refused."""
    try:
        value = json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_object_without_duplicates,
            parse_constant=_refuse_constant,
        )
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeError are ValueErrors
        _invalid(f"not JSON: {exc.__class__.__name__}", field)
    if not isinstance(value, dict):
        _invalid("must be a JSON object", field)
    return value


def _segment(text: str, field: str) -> bytes:
    if not _SEGMENT.fullmatch(text):
        _invalid("not unpadded base64url", field)
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        _invalid("not base64url", field)
    if b64url(data) != text:  # leftover bits set: one value, one spelling
        _invalid("not canonical base64url", field)
    return data


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate member name")
    return result


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _invalid(message: str, field: str) -> NoReturn:
    raise TrustListInvalid(f"trust list {field}: {message}", field=field)
