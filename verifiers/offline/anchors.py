"""Trust anchors as a verifier is configured with them: public keys, given out of band.

An anchor file is JSON: a public JWK (RFC 7517, e.g. ``VerifyingKey.public_jwk()``), a
``{"region_code", "region_name", "jwk"}`` object (one entry of ``GET /trust/anchors``)
or an array of either. A file holding a private key is refused rather than copied.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from issuers.crypto.keys import VerifyingKey
from issuers.errors import InvalidInput

REGION = re.compile(r"[0-9]{6}")
MAX_ANCHOR_FILE_BYTES = 1 << 20
_PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


@dataclass(frozen=True, slots=True)
class Anchor:
    """A trust-anchor public key a verifier is configured with (out of band)."""

    key: VerifyingKey
    region_code: str | None = None  # informational: which region's lists it signs


def parse_anchors(value: object, *, source: str) -> list[Anchor]:
    """Anchors from JSON: a public JWK, a ``{"region_code", "jwk"}`` object (one entry
    of ``GET /trust/anchors``) or an array of either. Raises InvalidInput."""
    items = value if isinstance(value, list) else [value]
    if not items:
        raise InvalidInput(f"{source}: no anchor in it", field="anchor")
    anchors = []
    for item in items:
        if not isinstance(item, dict):
            raise InvalidInput(f"{source}: an anchor is a JSON object", field="anchor")
        jwk = item.get("jwk", item)
        region = item.get("region_code")
        if not isinstance(jwk, dict):
            raise InvalidInput(f"{source}: jwk must be an object", field="anchor")
        if _PRIVATE_JWK_MEMBERS & jwk.keys():
            raise InvalidInput(f"{source}: holds a private key; give the public JWK only")
        if region is not None and (not isinstance(region, str) or not REGION.fullmatch(region)):
            raise InvalidInput(f"{source}: region_code must be six digits", field="anchor")
        try:
            key = VerifyingKey.from_jwk(jwk)
        except InvalidInput as exc:
            raise InvalidInput(f"{source}: {exc.message}", field="anchor") from None
        if jwk.get("kid", key.kid) != key.kid:
            raise InvalidInput(f"{source}: kid is not the key's RFC 7638 thumbprint")
        if jwk.get("alg", key.alg.value) != key.alg.value:
            raise InvalidInput(f"{source}: alg {jwk.get('alg')!r} is not the key's")
        anchors.append(Anchor(key, region))
    return anchors


def read_anchor_file(path: Path) -> list[Anchor]:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_ANCHOR_FILE_BYTES + 1)
        if len(data) > MAX_ANCHOR_FILE_BYTES:
            raise ValueError(f"over {MAX_ANCHOR_FILE_BYTES} bytes")
        value = json.loads(data.decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{path}: not a readable JSON file ({exc})", field="anchor") from None
    return parse_anchors(value, source=str(path))
