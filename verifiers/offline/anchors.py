"""Trust anchors as a verifier is configured with them: public keys, given out of band.

An anchor is a region's public key *and* the region it is the anchor of
(:class:`issuers.trust.TrustAnchor`): the region decides which list the key may sign,
and so which province's issuers it can vouch for. An anchor file is JSON: a
``{"region_code", "jwk"}`` object (one entry of ``GET /trust/anchors``), a public JWK
(RFC 7517, e.g. ``VerifyingKey.public_jwk()``) with a ``region_code`` member, or an
array of either (``GET /trust/anchors`` saved whole). A bare JWK without its region is
refused, and so is a file holding a private key.

Anchors are configuration, never cache: they are read from files the verifier is
given (``--anchor FILE``, ``ELICENSE_TRUST_ANCHORS``), and :func:`load_anchors` refuses
a file inside the cache directory, which ``elicense sync`` writes and anyone who can
write the cache could plant an anchor in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from issuers.crypto.keys import PRIVATE_JWK_MEMBERS, VerifyingKey
from issuers.errors import InvalidInput
from issuers.trust import TrustAnchor

REGION = re.compile(r"[0-9]{6}")
MAX_ANCHOR_FILE_BYTES = 1 << 20

Anchor = TrustAnchor  # the name the offline verifier has always used


def parse_anchors(value: object, *, source: str) -> list[Anchor]:
    """Anchors from JSON: a ``{"region_code", "jwk"}`` object (one entry of
    ``GET /trust/anchors``), a public JWK with ``region_code``, or an array of either.
    Raises InvalidInput."""
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
        if PRIVATE_JWK_MEMBERS & jwk.keys():
            raise InvalidInput(f"{source}: holds a private key; give the public JWK only")
        if region is None:
            raise InvalidInput(
                f"{source}: an anchor names the region it is the anchor of: give the entry "
                'of GET /trust/anchors ({"region_code": ..., "jwk": ...}), not the bare JWK',
                field="anchor",
            )
        if not isinstance(region, str) or not REGION.fullmatch(region):
            raise InvalidInput(f"{source}: region_code must be six digits", field="anchor")
        try:
            key = VerifyingKey.from_jwk(jwk)
            anchor = TrustAnchor(key, region)
        except InvalidInput as exc:
            raise InvalidInput(f"{source}: {exc.message}", field="anchor") from None
        if jwk.get("kid", key.kid) != key.kid:
            raise InvalidInput(f"{source}: kid is not the key's RFC 7638 thumbprint")
        if jwk.get("alg", key.alg.value) != key.alg.value:
            raise InvalidInput(f"{source}: alg {jwk.get('alg')!r} is not the key's")
        anchors.append(anchor)
    return anchors


def read_anchor_file(path: Path) -> list[Anchor]:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_ANCHOR_FILE_BYTES + 1)
        if len(data) > MAX_ANCHOR_FILE_BYTES:
            raise ValueError(f"over {MAX_ANCHOR_FILE_BYTES} bytes")
        value = json.loads(data.decode("utf-8"))
    except (OSError, ValueError, RecursionError) as exc:  # deep nesting: RecursionError
        raise InvalidInput(f"{path}: not a readable JSON file ({exc})", field="anchor") from None
    return parse_anchors(value, source=str(path))


def load_anchors(paths: Sequence[Path], *, cache_dir: Path | None = None) -> list[Anchor]:
    """The anchors in ``paths``; InvalidInput if there are none, if a file is unusable,
    if one key is configured for two regions, or if a file lies inside ``cache_dir``."""
    anchors: dict[str, Anchor] = {}
    for path in paths:
        path = Path(path)
        if cache_dir is not None and _inside(path, Path(cache_dir)):
            raise InvalidInput(
                f"anchor file {path} lies inside the cache directory {cache_dir}, which "
                "elicense sync writes: keep anchors in a file of their own, elsewhere",
                field="anchor",
            )
        for anchor in read_anchor_file(path):
            held = anchors.setdefault(anchor.kid, anchor)
            if held.region_code != anchor.region_code:
                raise InvalidInput(
                    f"anchor {anchor.kid} is configured for {held.region_code} and for "
                    f"{anchor.region_code}; a key is the anchor of one region",
                    field="anchor",
                )
    if not anchors:
        raise InvalidInput("configure at least one trust anchor", field="anchor")
    return list(anchors.values())


def _inside(path: Path, directory: Path) -> bool:
    """Whether ``path`` is (or, through links, resolves to) a file under ``directory``."""
    resolved, root = path.resolve(), directory.resolve()
    return resolved == root or root in resolved.parents
