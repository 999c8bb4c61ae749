"""Who may issue what, and with which keys: the data a verifier trusts.

These are plain values. Where they come from (our database, a JWKS file, later a
signed trust list) is the business of a :class:`KeyResolver`, which verifiers take as
a parameter, so tests pass a :class:`StaticKeyResolver` and no monkeypatching.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from issuers.crypto.keys import VerifyingKey
from issuers.errors import UnknownKey


@dataclass(frozen=True, slots=True)
class IssuerInfo:
    uscc: str
    name_zh: str
    name_en: str
    region_code: str
    allowed_types: frozenset[str]  # catalogue slugs


@dataclass(frozen=True, slots=True)
class TrustedKey:
    key: VerifyingKey
    issuer: IssuerInfo
    not_before: datetime | None = None
    not_after: datetime | None = None
    state: str = "active"  # active | retired | compromised


class KeyResolver(Protocol):
    def resolve(self, kid: bytes) -> TrustedKey:
        """Return the key with this COSE ``kid`` or raise :class:`UnknownKey`."""
        ...


class StaticKeyResolver:
    """An in-memory resolver over a fixed set of keys."""

    def __init__(self, keys: Iterable[TrustedKey]) -> None:
        self._by_kid = {entry.key.thumbprint: entry for entry in keys}

    def resolve(self, kid: bytes) -> TrustedKey:
        try:
            return self._by_kid[kid]
        except KeyError:
            raise UnknownKey(f"no trusted key has kid {kid.hex()[:16]}…") from None

    def __len__(self) -> int:
        return len(self._by_kid)


class ChainKeyResolver:
    """Asks each resolver in turn: the first that knows the ``kid`` answers.

    Only :class:`UnknownKey` passes the question on; any other error (an ambiguous
    key, a database that is down) is the answer. E.g. our own registry first, then the
    trust lists of the other regions we recognise.
    """

    def __init__(self, *resolvers: KeyResolver) -> None:
        if not resolvers:
            raise ValueError("ChainKeyResolver needs at least one resolver")
        self.resolvers = resolvers

    def resolve(self, kid: bytes) -> TrustedKey:
        for resolver in self.resolvers[:-1]:
            try:
                return resolver.resolve(kid)
            except UnknownKey:
                continue
        return self.resolvers[-1].resolve(kid)
