"""Verify at the roadside with no network: trust and status from the cache directory.

:meth:`OfflineVerifier.load` verifies every cached trust list against the anchors it
is given (configuration, never read from the cache: :mod:`verifiers.offline.anchors`)
at ``now`` (a list that fails, e.g. ``trust_list_expired``, is
dropped and reported, so its issuers' credentials come out ``unknown_key``) and
resolves keys over the rest (:class:`~issuers.trust.TrustListKeyResolver`). Status
comes from :class:`~verifiers.offline.status.OfflineStatusChecker`.

What an :class:`OfflineVerifier` holds is settled when it is made and only read
afterwards, so one verifier serves any number of verifications at once, on any number
of threads. What a verification draws on (the age of the data, staleness warnings) is
noted by its own :class:`OfflineSession`, from :meth:`OfflineVerifier.session`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from issuers.crypto.keys import b64url
from issuers.errors import ElicenseError, TrustListInvalid, UnknownKey
from issuers.formats.cwt import StatusReference
from issuers.registry import IssuerInfo, TrustedKey
from issuers.trust import TrustAnchor, TrustList, TrustListKeyResolver, verify_trust_list
from verifiers.offline.cache import CacheDir, CachedStatusList, CacheProblem
from verifiers.offline.status import DEFAULT_TTL, OfflineStatusChecker, StalePolicy, Usage
from verifiers.verdict import Verdict


@dataclass(frozen=True, slots=True)
class LoadReport:
    anchors: tuple[str, ...]  # kids
    trust_lists: tuple[str, ...]  # "320000 #42" for each list in effect
    status_lists: int
    problems: tuple[CacheProblem, ...]


class OfflineVerifier:
    """Keys and status from verified cached data; see the module docstring.

    Give it trust lists that :func:`~issuers.trust.verify_trust_list` returned (or use
    :meth:`load`). Each verification goes through its own
    :meth:`session`; :func:`verifiers.offline.verify_offline` does that.
    """

    def __init__(
        self,
        trust_lists: Sequence[TrustList],
        status_lists: Iterable[CachedStatusList],
        *,
        stale_policy: StalePolicy = "refuse",
        default_ttl: timedelta = DEFAULT_TTL,
        anchors: Sequence[str] = (),
        problems: Sequence[CacheProblem] = (),
    ) -> None:
        self.resolver = TrustListKeyResolver(trust_lists)
        # Per key: when the oldest list in effect naming it was issued (its signed iat),
        # and when the first of them expires.
        self._issued: dict[bytes, datetime] = {}
        self._expires: dict[bytes, datetime] = {}
        for trust_list in self.resolver.trust_lists:
            at, end = trust_list.issued_at, trust_list.next_update
            for entry in trust_list.issuers:
                for key in entry.keys:
                    thumbprint = key.key.thumbprint
                    self._issued[thumbprint] = min(at, self._issued.get(thumbprint, at))
                    self._expires[thumbprint] = min(end, self._expires.get(thumbprint, end))
        self.status = OfflineStatusChecker(
            status_lists, self.resolver, stale_policy=stale_policy, default_ttl=default_ttl
        )
        self.report = LoadReport(
            anchors=tuple(anchors),
            trust_lists=tuple(f"{t.region_code} #{t.sequence}" for t in self.resolver.trust_lists),
            status_lists=len(self.status),
            problems=tuple(problems),
        )
        issued = [trust_list.issued_at for trust_list in self.resolver.trust_lists]
        self.oldest_trust_list = min(issued, default=None)

    @classmethod
    def load(
        cls,
        cache_dir: Path,
        *,
        anchors: Sequence[TrustAnchor],
        now: datetime,
        stale_policy: StalePolicy = "refuse",
        default_ttl: timedelta = DEFAULT_TTL,
    ) -> OfflineVerifier:
        """Read ``cache_dir`` and verify it against ``anchors``; whatever fails to
        verify is left out and reported."""
        cache = CacheDir(cache_dir)
        problems: list[CacheProblem] = []
        if not anchors:
            problems.append(CacheProblem("anchors", "no_anchors", "no trust anchor configured"))
        verified: list[TrustList] = []
        cached_lists, trust_problems = cache.trust_lists()
        problems.extend(trust_problems)
        for cached in cached_lists:
            name = cached.path.relative_to(cache.root).as_posix()
            try:
                trust_list = verify_trust_list(cached.text, anchors=anchors, now=now)
                if trust_list.region_code != cached.region_code:
                    raise TrustListInvalid(f"it is the list of {trust_list.region_code}")
            except ElicenseError as exc:
                problems.append(CacheProblem(name, exc.code, exc.message))
                continue
            verified.append(trust_list)
        status_lists, status_problems = cache.status_lists()
        problems.extend(status_problems)
        return cls(
            verified,
            status_lists,
            stale_policy=stale_policy,
            default_ttl=default_ttl,
            anchors=[anchor.kid for anchor in anchors],
            problems=problems,
        )

    def session(self, now: datetime) -> OfflineSession:
        """A view of this verifier for one verification at ``now``."""
        return OfflineSession(self, now)

    def lookup(self, kid: bytes, now: datetime, usage: Usage) -> TrustedKey:
        """The key a trust list in effect names, noting in ``usage`` when that list was
        issued; refused once the list is past its ``exp`` (``next_update``)."""
        usage.consulted = True
        trusted = self.resolver.resolve(kid)
        if now >= self._expires[kid]:
            raise UnknownKey(
                f"the trust list naming key {b64url(kid)[:43]} expired at "
                f"{self._expires[kid].isoformat()}; sync again"
            )
        usage.issued.append(self._issued[kid])
        return trusted


class OfflineSession:
    """One verification's view of an :class:`OfflineVerifier`: its key resolver and
    status checker, noting in this session's own :class:`Usage` what they drew on."""

    def __init__(self, verifier: OfflineVerifier, now: datetime) -> None:
        self.verifier = verifier
        self.now = now
        self.usage = Usage()

    @property
    def keys(self) -> OfflineSession:
        return self

    @property
    def status(self) -> OfflineSession:
        return self

    def resolve(self, kid: bytes) -> TrustedKey:
        return self.verifier.lookup(kid, self.now, self.usage)

    def status_of(self, reference: StatusReference, now: datetime, issuer: IssuerInfo) -> int:
        return self.verifier.status.check(reference, now, issuer, self.usage)

    @property
    def warnings(self) -> list[str]:
        return list(self.usage.warnings)

    def data_age(self) -> timedelta | None:
        """How old the oldest cached data this verification used is, by the signed
        ``iat`` of the trust list that named the credential's key and of the status list
        consulted. If it got no further than looking up the key, the oldest trust list
        loaded."""
        oldest = min(self.usage.issued, default=self.verifier.oldest_trust_list)
        if oldest is None:
            return None
        return max(self.now - oldest, timedelta(0))

    def annotate(self, verdict: Verdict) -> Verdict:
        """The verdict with ``offline=True``, the data's age and any staleness warnings."""
        return with_data_age(verdict, self, offline=True)


def with_data_age(verdict: Verdict, session: OfflineSession, *, offline: bool) -> Verdict:
    age = session.data_age()
    return verdict.model_copy(
        update={
            "offline": offline,
            "data_age_seconds": None if age is None else int(age.total_seconds()),
            "warnings": [*verdict.warnings, *session.warnings],
        }
    )
