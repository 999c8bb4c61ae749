"""Status from cached status list tokens, and what one verification drew on (:class:`Usage`).

:class:`OfflineStatusChecker` answers a credential's status reference from the cached
status list with that ``uri``: none cached is ``status_unavailable``. Every list's
signature is checked when the checker is made, through the trust-list resolver; what
verified is kept, unchanged from then on, so one checker serves many verifications at
once. The list must be signed by the credential's own issuer (the ``issuer`` argument
of :meth:`~OfflineStatusChecker.status_of`).

A list's age is judged from what its issuer signed, never from the cache's sidecar
(``fetched_at`` is unsigned: anyone who can write the cache could make an old list
read as new). IETF Token Status List: ``ttl`` is "the maximum amount of time, in
seconds, that the Status List Token can be cached by a consumer before a fresh copy
SHOULD be retrieved"; we count it from the list's own ``iat``, never later than when
we fetched it, so never longer than the spec allows. A copy is stale once ``now`` is
past ``iat + ttl`` (``default_ttl`` when the list has none) or at or past its ``exp``,
or while its ``iat`` is ahead of ``now`` by more than ``CLOCK_SKEW`` (its age is then
unknown, and taking it for fresh would keep it fresh until that future).
``stale_policy="refuse"`` then raises ``status_list_expired``; ``"warn"`` answers from
the stale copy and notes a warning in the verification's :class:`Usage`. A publisher
must therefore hand out young copies (ours re-signs every tenth of the ttl:
:mod:`issuers.store.publication`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from issuers.errors import ElicenseError, StatusListExpired, StatusUnavailable
from issuers.formats.cwt import StatusReference
from issuers.formats.status_list import StatusListToken
from issuers.formats.status_list_token import verify_jwt
from issuers.registry import IssuerInfo, KeyResolver, TrustedKey
from issuers.trust import CLOCK_SKEW
from verifiers.offline.cache import CachedStatusList

StalePolicy = Literal["refuse", "warn"]
STALE_POLICIES: tuple[StalePolicy, ...] = ("refuse", "warn")
DEFAULT_TTL = timedelta(hours=24)  # for a status list that states no ttl
# verify_jwt refuses a list past its exp as of ``now``; a cached list is verified once,
# when loaded, and its exp judged at each use (_staleness), so it is verified as of a
# time before any exp rather than as of the unsigned fetched_at.
_BEFORE_ANY_EXP = datetime(1970, 1, 2, tzinfo=UTC)


@dataclass
class Usage:
    """What one verification drew on from the cache. One per verification, never shared:
    when each cached document it used was issued (its signed ``iat``), and the warnings
    to pass on."""

    consulted: bool = False  # it looked something up in the cache, found or not
    issued: list[datetime] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Verified:
    token: StatusListToken
    signer: str  # USCC of the issuer whose key signed the list


@dataclass(frozen=True, slots=True)
class _Failed:
    """Why a cached list did not verify: raised afresh (no shared traceback) on each use."""

    error: type[StatusUnavailable]
    message: str


class _NotingKeys:
    """Resolves through ``resolver`` and remembers whose key it was (one list's check)."""

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
    ) -> None:
        if stale_policy not in STALE_POLICIES:
            raise ValueError(f"stale_policy must be one of {STALE_POLICIES}")
        entries = {entry.uri: entry for entry in cached}
        # uri -> the entry and its verified token, or why it did not verify. Filled here
        # and only read afterwards.
        self._lists: dict[str, tuple[CachedStatusList, _Verified | _Failed]] = {
            uri: (entry, _verify(entry, keys)) for uri, entry in entries.items()
        }
        self._policy = stale_policy
        self._default_ttl = default_ttl

    def __len__(self) -> int:
        return len(self._lists)

    def status_of(self, reference: StatusReference, now: datetime, issuer: IssuerInfo) -> int:
        """The status; under ``"warn"`` a staleness warning is not kept anywhere: use
        :meth:`check` with the verification's :class:`Usage` to pass it on."""
        return self.check(reference, now, issuer, Usage())

    def check(
        self, reference: StatusReference, now: datetime, issuer: IssuerInfo, usage: Usage
    ) -> int:
        """:meth:`status_of`, noting in ``usage`` the list's age and any warning."""
        usage.consulted = True
        found = self._lists.get(reference.uri)
        if found is None:
            raise StatusUnavailable(f"no cached status list {reference.uri}; sync first")
        entry, verified = found
        if isinstance(verified, _Failed):
            raise verified.error(verified.message)
        if verified.signer != issuer.uscc:
            raise StatusUnavailable(
                f"the cached status list {entry.uri} is signed by {verified.signer}, "
                f"not by the credential's issuer {issuer.uscc}"
            )
        usage.issued.append(verified.token.issued_at)
        stale = self._staleness(verified.token, entry.uri, now)
        if stale is not None:
            if self._policy == "refuse":
                raise StatusListExpired(f"{stale}; sync again")
            usage.warnings.append(f"status_list_stale: {stale}; answered from that copy")
        return verified.token.status_list.get(reference.idx)

    def _staleness(self, token: StatusListToken, uri: str, now: datetime) -> str | None:
        """Why the list is stale at ``now``, from its signed claims alone; None if fresh."""
        if token.issued_at > now + CLOCK_SKEW:
            # Its age is unknown, not negative: else a list an issuer signed with its
            # clock a year ahead would read as fresh for a year, revoked or not.
            return (
                f"the cached status list {uri} says it was issued at "
                f"{token.issued_at.isoformat()}, in the future of this verifier's clock"
            )
        ttl = timedelta(seconds=token.ttl) if token.ttl is not None else self._default_ttl
        age = now - token.issued_at
        if token.expires is not None and now >= token.expires:
            return f"the cached status list {uri} expired at {token.expires.isoformat()}"
        if age > ttl:
            return (
                f"the cached status list {uri} was issued {int(age.total_seconds())} s "
                f"ago, past its ttl of {int(ttl.total_seconds())} s"
            )
        return None


def _verify(entry: CachedStatusList, resolver: KeyResolver) -> _Verified | _Failed:
    """Signature, ``sub`` and signer; age and ``exp`` are judged on each use."""
    keys = _NotingKeys(resolver)
    try:
        token = verify_jwt(entry.text, keys=keys, now=_BEFORE_ANY_EXP, expected_uri=entry.uri)
    except StatusUnavailable as exc:
        return _Failed(type(exc), exc.message)
    except ElicenseError as exc:
        return _Failed(
            StatusUnavailable,
            f"the cached status list {entry.uri} does not verify: {exc.code}: {exc.message}",
        )
    assert keys.signer is not None  # verify_jwt resolved the key before succeeding
    return _Verified(token, keys.signer)
