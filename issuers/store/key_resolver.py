"""Issuer keys for online verification, from this server's database.

:class:`DatabaseKeyResolver` is the verifier core's ``KeyResolver``
(:mod:`issuers.registry`) over the ``issuer_keys`` table: a COSE ``kid`` (the RFC 7638
thumbprint of the key) resolves to the key and its issuer, state and validity.
"""

from __future__ import annotations

from time import monotonic

from sqlalchemy import Engine

from issuers.crypto.keys import b64url
from issuers.errors import UnknownKey
from issuers.registry import TrustedKey
from issuers.store import repository as repo


class DatabaseKeyResolver:
    """Resolves COSE kids against the issuer keys in our database.

    Hits are cached for ``ttl_seconds`` (monotonic time), so a key marked compromised
    by another worker stops verifying here within that time, not at the next restart.
    """

    def __init__(self, engine: Engine, ttl_seconds: float = 10.0) -> None:
        self._engine = engine
        self._ttl = ttl_seconds
        self._cache: dict[bytes, tuple[float, TrustedKey]] = {}

    def resolve(self, kid: bytes) -> TrustedKey:
        cached = self._cache.get(kid)
        if cached is not None and monotonic() - cached[0] < self._ttl:
            return cached[1]
        with self._engine.connect() as conn:
            found = repo.trusted_key(conn, b64url(kid)) if len(kid) == 32 else None
        if found is None:
            raise UnknownKey(f"no issuer key has kid {kid.hex()[:16]}…")
        self._cache[kid] = (monotonic(), found)
        return found

    def forget(self) -> None:
        self._cache.clear()
