"""Verify at the roadside with no network: trust and status from the cache directory.

:meth:`OfflineVerifier.load` reads the configured anchors, verifies every cached trust
list against them at ``now`` (a list that fails, e.g. ``trust_list_expired``, is
dropped and reported, so its issuers' credentials come out ``unknown_key``) and
resolves keys over the rest (:class:`~issuers.trust.TrustListKeyResolver`).

:class:`OfflineStatusChecker` answers a credential's status reference from the cached
status list with that ``uri``: none cached is ``status_unavailable``. The list's
signature is checked through the same resolver, once, and the verified list is kept
in memory. It must be signed by the credential's own issuer. A cached copy is stale
once ``now`` is past ``fetched_at + ttl`` (``default_ttl`` when the list has none) or
past the list's ``exp``. ``stale_policy="refuse"`` then raises
``status_list_expired``; ``"warn"`` answers from the stale copy and records a warning.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from issuers.crypto.keys import b64url
from issuers.errors import (
    ElicenseError,
    StatusListExpired,
    StatusUnavailable,
    TrustListInvalid,
    UnknownKey,
)
from issuers.formats.cwt import StatusReference
from issuers.formats.status_list import StatusListToken
from issuers.formats.status_list_token import verify_jwt
from issuers.registry import KeyResolver, TrustedKey
from issuers.trust import TrustList, TrustListKeyResolver, verify_trust_list
from verifiers.offline.cache import CacheDir, CachedStatusList, CacheProblem

StalePolicy = Literal["refuse", "warn"]
STALE_POLICIES: tuple[StalePolicy, ...] = ("refuse", "warn")
DEFAULT_TTL = timedelta(hours=24)  # for a status list that states no ttl


@dataclass
class Usage:
    """What one verification drew on: the credential's issuer and the data's ages."""

    now: datetime | None = None
    issuer: str | None = None
    fetched: list[datetime] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class LoadReport:
    anchors: tuple[str, ...]  # kids
    trust_lists: tuple[str, ...]  # "320000 #42" for each list in effect
    status_lists: int
    problems: tuple[CacheProblem, ...]


@dataclass(frozen=True, slots=True)
class _Verified:
    token: StatusListToken
    signer: str  # USCC of the issuer whose key signed the list


class _RecordingKeys:
    """The trust-list resolver, noting which issuer a verification's credential is from,
    when the list naming its key was fetched, and refusing a list past its ``exp``."""

    def __init__(self, trust_lists: Sequence[tuple[TrustList, datetime]]) -> None:
        self.resolver = TrustListKeyResolver(trust_list for trust_list, _ in trust_lists)
        in_effect = {id(trust_list) for trust_list in self.resolver.trust_lists}
        self._fetched: dict[bytes, datetime] = {}
        self._expires: dict[bytes, datetime] = {}
        for trust_list, at in trust_lists:
            if id(trust_list) not in in_effect:
                continue
            end = trust_list.next_update
            for entry in trust_list.issuers:
                for key in entry.keys:
                    thumbprint = key.key.thumbprint
                    self._fetched[thumbprint] = min(at, self._fetched.get(thumbprint, at))
                    self._expires[thumbprint] = min(end, self._expires.get(thumbprint, end))
        self.usage = Usage()

    def resolve(self, kid: bytes) -> TrustedKey:
        trusted = self.resolver.resolve(kid)
        now = self.usage.now
        if now is not None and now >= self._expires[kid]:
            raise UnknownKey(
                f"the trust list naming key {b64url(kid)[:43]} expired at "
                f"{self._expires[kid].isoformat()}; sync again"
            )
        self.usage.issuer = trusted.issuer.uscc
        self.usage.fetched.append(self._fetched[kid])
        return trusted


class _NotingKeys:
    """Resolves through ``resolver`` and remembers whose key it was."""

    def __init__(self, resolver: KeyResolver) -> None:
        self._resolver = resolver
        self.signer: str | None = None

    def resolve(self, kid: bytes) -> TrustedKey:
        trusted = self._resolver.resolve(kid)
        self.signer = trusted.issuer.uscc
        return trusted


class OfflineStatusChecker:
    """A :class:`~issuers.status_codes.StatusChecker` over cached status list tokens."""

    def __init__(
        self,
        cached: Iterable[CachedStatusList],
        keys: KeyResolver,
        *,
        stale_policy: StalePolicy = "refuse",
        default_ttl: timedelta = DEFAULT_TTL,
        usage: Usage | None = None,
    ) -> None:
        if stale_policy not in STALE_POLICIES:
            raise ValueError(f"stale_policy must be one of {STALE_POLICIES}")
        self._cached = {entry.uri: entry for entry in cached}
        self._keys = keys
        self._policy = stale_policy
        self._default_ttl = default_ttl
        self._verified: dict[str, _Verified | StatusUnavailable] = {}
        self.usage = usage if usage is not None else Usage()

    def __len__(self) -> int:
        return len(self._cached)

    def status_of(self, reference: StatusReference, now: datetime) -> int:
        entry = self._cached.get(reference.uri)
        if entry is None:
            raise StatusUnavailable(f"no cached status list {reference.uri}; sync first")
        verified = self._verified.get(entry.uri)
        if verified is None:
            verified = self._verified[entry.uri] = self._verify(entry)
        if isinstance(verified, StatusUnavailable):
            raise verified
        expected = self.usage.issuer or entry.issuer
        if expected is not None and verified.signer != expected:
            raise StatusUnavailable(
                f"the cached status list {entry.uri} is signed by {verified.signer}, "
                f"not by the credential's issuer {expected}"
            )
        self.usage.fetched.append(entry.fetched_at)
        stale = self._staleness(verified.token, entry, now)
        if stale is not None:
            if self._policy == "refuse":
                raise StatusListExpired(f"{stale}; sync again")
            self.usage.warnings.append(f"status_list_stale: {stale}; answered from that copy")
        return verified.token.status_list.get(reference.idx)

    def _verify(self, entry: CachedStatusList) -> _Verified | StatusUnavailable:
        """Signature, ``sub`` and signer, as of when it was fetched; age is judged later."""
        keys = _NotingKeys(self._keys)
        try:
            token = verify_jwt(entry.text, keys=keys, now=entry.fetched_at, expected_uri=entry.uri)
        except StatusUnavailable as exc:
            return exc
        except ElicenseError as exc:
            return StatusUnavailable(
                f"the cached status list {entry.uri} does not verify: {exc.code}: {exc.message}"
            )
        assert keys.signer is not None  # verify_jwt resolved the key before succeeding
        return _Verified(token, keys.signer)

    def _staleness(
        self, token: StatusListToken, entry: CachedStatusList, now: datetime
    ) -> str | None:
        ttl = timedelta(seconds=token.ttl) if token.ttl is not None else self._default_ttl
        age = now - entry.fetched_at
        if token.expires is not None and now >= token.expires:
            return f"the cached status list {entry.uri} expired at {token.expires.isoformat()}"
        if age > ttl:
            return (
                f"the cached status list {entry.uri} was fetched {int(age.total_seconds())} s "
                f"ago, past its ttl of {int(ttl.total_seconds())} s"
            )
        return None


class OfflineVerifier:
    """Keys and status from verified cached data; see the module docstring.

    Give it trust lists that :func:`~issuers.trust.verify_trust_list` returned, each with
    when it was fetched (or use :meth:`load`). One verification at a time:
    :func:`verifiers.offline.verify_offline` calls :meth:`begin`, then reads
    :meth:`data_age` and :attr:`warnings`.
    """

    def __init__(
        self,
        trust_lists: Sequence[tuple[TrustList, datetime]],
        status_lists: Iterable[CachedStatusList],
        *,
        stale_policy: StalePolicy = "refuse",
        default_ttl: timedelta = DEFAULT_TTL,
        anchors: Sequence[str] = (),
        problems: Sequence[CacheProblem] = (),
    ) -> None:
        self.keys = _RecordingKeys(trust_lists)
        self.resolver = self.keys.resolver
        self.status = OfflineStatusChecker(
            status_lists,
            self.resolver,
            stale_policy=stale_policy,
            default_ttl=default_ttl,
            usage=self.keys.usage,
        )
        self.report = LoadReport(
            anchors=tuple(anchors),
            trust_lists=tuple(f"{t.region_code} #{t.sequence}" for t in self.resolver.trust_lists),
            status_lists=len(self.status),
            problems=tuple(problems),
        )
        self._trust_fetched = sorted(at for _, at in trust_lists)

    @classmethod
    def load(
        cls,
        cache_dir: Path,
        *,
        now: datetime,
        stale_policy: StalePolicy = "refuse",
        default_ttl: timedelta = DEFAULT_TTL,
    ) -> OfflineVerifier:
        """Read ``cache_dir``; whatever fails to verify is left out and reported."""
        cache = CacheDir(cache_dir)
        anchors, problems = cache.anchors()
        anchor_keys = [anchor.key for anchor in anchors]
        if not anchor_keys:
            problems.append(CacheProblem("anchors", "no_anchors", "no trust anchor configured"))
        verified: list[tuple[TrustList, datetime]] = []
        cached_lists, trust_problems = cache.trust_lists()
        problems.extend(trust_problems)
        for cached in cached_lists:
            name = cached.path.relative_to(cache.root).as_posix()
            try:
                trust_list = verify_trust_list(cached.text, anchors=anchor_keys, now=now)
                if trust_list.region_code != cached.region_code:
                    raise TrustListInvalid(f"it is the list of {trust_list.region_code}")
            except ElicenseError as exc:
                problems.append(CacheProblem(name, exc.code, exc.message))
                continue
            verified.append((trust_list, cached.fetched_at))
        status_lists, status_problems = cache.status_lists()
        problems.extend(status_problems)
        return cls(
            verified,
            status_lists,
            stale_policy=stale_policy,
            default_ttl=default_ttl,
            anchors=[anchor.key.kid for anchor in anchors],
            problems=problems,
        )

    def begin(self, now: datetime) -> None:
        """Start recording a new verification at ``now``."""
        usage = self.keys.usage
        usage.now, usage.issuer = now, None
        usage.fetched.clear()
        usage.warnings.clear()

    @property
    def warnings(self) -> list[str]:
        return list(self.keys.usage.warnings)

    def data_age(self, now: datetime) -> timedelta | None:
        """How old the oldest cached data the last verification used is: the trust list
        that named the credential's key and the status list consulted. If it got no
        further than looking up the key, the oldest trust list loaded."""
        used = self.keys.usage.fetched or self._trust_fetched[:1]
        if not used:
            return None
        return max(now - min(used), timedelta(0))
