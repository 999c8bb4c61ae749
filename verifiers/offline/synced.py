"""An online verifier that also recognises other regions (互认) through an ``elicense sync``
cache, and picks up each new sync without a restart.

:class:`SyncedCache` holds the cache directory loaded as an
:class:`~verifiers.offline.OfflineVerifier`, verified against the anchors it is
configured with (``ELICENSE_TRUST_ANCHORS``; never anything found in the cache
directory, which whoever runs ``sync`` can write). At most once per ``check_seconds`` it
looks at the modification times of the cache's directories (a sync writes every file
by creating a temporary file and renaming it over the old one, which changes the
directory's mtime) and loads the directory again when they changed. The loaded
verifier is replaced whole, never changed, so a verification in flight keeps the one
it started with. A change made within the filesystem's timestamp granularity of a load
could go unnoticed, so while the newest mtime is that recent the next check reloads
regardless (as git treats a "racily clean" index).

:func:`recognition_context` is the verifier a server uses: keys from its own registry
first, then from the synced trust lists (:class:`~issuers.registry.ChainKeyResolver`);
status from its own registry for its own lists, from the synced status lists for every
other list (:class:`RoutedStatusChecker`). A verdict that drew on synced data carries
its age (``data_age_seconds``) and any staleness warnings, as an offline one does.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from issuers.clock import Clock
from issuers.errors import ElicenseError, InvalidInput
from issuers.formats.cwt import StatusReference
from issuers.registry import ChainKeyResolver, IssuerInfo, KeyResolver, TrustedKey
from issuers.status_codes import StatusChecker
from issuers.trust import TrustAnchor
from verifiers.offline.anchors import load_anchors
from verifiers.offline.cache import STATUS, TRUST
from verifiers.offline.status import DEFAULT_TTL, StalePolicy, Usage
from verifiers.offline.verifier import OfflineSession, OfflineVerifier, with_data_age
from verifiers.verdict import Verdict, VerifierContext

log = logging.getLogger("elicense.synced")

RACY_SECONDS = 2.0  # mtimes this recent may hide a change made in the same tick


class LocalStatusChecker(StatusChecker, Protocol):
    """A status checker for the lists this server publishes itself."""

    def publishes(self, uri: str) -> bool: ...


class SyncedCache:
    """The cache directory as an :class:`OfflineVerifier`, reloaded when it changes."""

    def __init__(
        self,
        root: Path,
        *,
        anchors: Sequence[TrustAnchor],
        clock: Clock,
        stale_policy: StalePolicy = "refuse",
        default_ttl: timedelta = DEFAULT_TTL,
        check_seconds: float = 1.0,
    ) -> None:
        self.root = Path(root)
        self._anchors = tuple(anchors)
        self._clock = clock
        self._stale_policy: StalePolicy = stale_policy
        self._default_ttl = default_ttl
        self._check_seconds = check_seconds
        self._lock = threading.Lock()
        self._current = OfflineVerifier((), (), stale_policy=stale_policy)  # until loaded
        self._signature: tuple[int, ...] | None = None
        self._racy = False
        self._next_check = float("-inf")
        self.loads = 0  # how many times the directory was (re)loaded

    @classmethod
    def configured(
        cls,
        root: Path,
        anchors_file: Path | None,
        *,
        clock: Clock,
        stale_policy: StalePolicy = "refuse",
    ) -> SyncedCache:
        """The cache at ``root`` verified against the anchors in ``anchors_file``
        (``ELICENSE_TRUST_ANCHORS``). InvalidInput if there is none, if it is unusable, or
        if it lies inside ``root``: read once, when the server starts."""
        if anchors_file is None:
            raise InvalidInput(
                "ELICENSE_TRUST_CACHE_DIR needs ELICENSE_TRUST_ANCHORS", field="trust_anchors"
            )
        anchors = load_anchors([anchors_file], cache_dir=root)
        return cls(root, anchors=anchors, clock=clock, stale_policy=stale_policy)

    def current(self) -> OfflineVerifier:
        """The verifier over the cache as it is now (checked at most every
        ``check_seconds``)."""
        if time.monotonic() < self._next_check:
            return self._current
        with self._lock:
            if time.monotonic() >= self._next_check:
                self._refresh()
            return self._current

    def _refresh(self) -> None:
        self._next_check = time.monotonic() + self._check_seconds
        signature = self._read_signature()
        if signature == self._signature and not self._racy:
            return
        # Not a validity check: wall-clock time against the filesystem's own mtimes.
        self._racy = time.time() - max(signature) / 1e9 < RACY_SECONDS
        try:
            loaded = OfflineVerifier.load(
                self.root,
                anchors=self._anchors,
                now=self._clock(),
                stale_policy=self._stale_policy,
                default_ttl=self._default_ttl,
            )
        except (ElicenseError, OSError) as exc:  # keep what we had; try again next time
            log.warning("trust cache %s not reloaded: %s", self.root, exc)
            return
        self._current, self._signature = loaded, signature
        self.loads += 1
        report = loaded.report
        log.info(
            "trust cache %s loaded: trust lists %s, %d status lists, %d problems",
            self.root,
            ", ".join(report.trust_lists) or "none",
            report.status_lists,
            len(report.problems),
        )
        for problem in report.problems:
            log.warning("trust cache %s: %s: %s", problem.path, problem.code, problem.message)

    def _read_signature(self) -> tuple[int, ...]:
        """The mtimes (ns) of the cache directory and its two subdirectories."""
        stamps = []
        for directory in (self.root, self.root / TRUST, self.root / STATUS):
            try:
                stamps.append(directory.stat().st_mtime_ns)
            except OSError:
                stamps.append(0)
        return tuple(stamps)


class SyncedKeys:
    """A :class:`~issuers.registry.KeyResolver` over the current synced trust lists."""

    def __init__(self, cache: SyncedCache, clock: Clock) -> None:
        self._cache = cache
        self._clock = clock

    def resolve(self, kid: bytes) -> TrustedKey:
        return self._cache.current().lookup(kid, self._clock(), Usage())


class RoutedStatusChecker:
    """Our own lists from ``local``; every other list from ``other``."""

    def __init__(self, local: LocalStatusChecker, other: StatusChecker) -> None:
        self._local = local
        self._other = other

    def status_of(self, reference: StatusReference, now: datetime, issuer: IssuerInfo) -> int:
        if self._local.publishes(reference.uri):
            return self._local.status_of(reference, now, issuer)
        return self._other.status_of(reference, now, issuer)


class _CurrentStatus:
    """The current synced status lists, for use outside a session (no data age kept)."""

    def __init__(self, cache: SyncedCache) -> None:
        self._cache = cache

    def status_of(self, reference: StatusReference, now: datetime, issuer: IssuerInfo) -> int:
        return self._cache.current().status.status_of(reference, now, issuer)


class RecognitionSession:
    """One verification: our registry and one snapshot of the synced cache, noting what
    it drew from the cache."""

    def __init__(
        self, own_keys: KeyResolver, own_status: LocalStatusChecker, synced: OfflineSession
    ) -> None:
        self._synced = synced
        self.keys = ChainKeyResolver(own_keys, synced)
        self.status = RoutedStatusChecker(own_status, synced)

    def annotate(self, verdict: Verdict) -> Verdict:
        """Unchanged when the cache was not consulted; else its data age and warnings."""
        if not self._synced.usage.consulted:
            return verdict
        return with_data_age(verdict, self._synced, offline=False)


def recognition_context(
    own_keys: KeyResolver, own_status: LocalStatusChecker, cache: SyncedCache, clock: Clock
) -> VerifierContext:
    """Our own registry first, then the regions ``cache`` recognises; see the module."""

    def session(now: datetime) -> RecognitionSession:
        return RecognitionSession(own_keys, own_status, cache.current().session(now))

    return VerifierContext(
        keys=ChainKeyResolver(own_keys, SyncedKeys(cache, clock)),
        clock=clock,
        status=RoutedStatusChecker(own_status, _CurrentStatus(cache)),
        sessions=session,
    )
