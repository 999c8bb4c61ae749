"""Offline verification (跨省互认 at the roadside): sync signed lists, verify from a cache.

``sync`` fetches, while online and within one deadline, the trust lists of the regions
whose anchors the verifier is configured with and the status lists they vouch for,
keeping only what verifies; ``OfflineVerifier.load`` + ``verify_offline`` then verify
QR credentials against those same anchors (configuration, never the cache: see
:mod:`verifiers.offline.anchors`) with no network at all, from any number of threads
at once (each verification has its own :class:`OfflineSession`). ``synced`` serves the
same cache to an online verifier (``POST /verify``) and reloads it when a new sync
changes it. Framework-free: no FastAPI, SQLAlchemy or HTTP client library (the default
fetch is ``urllib.request``).
"""

from verifiers.offline.anchors import Anchor, load_anchors, parse_anchors, read_anchor_file
from verifiers.offline.cache import CacheDir, CacheProblem
from verifiers.offline.fetch import (
    DEFAULT_DEADLINE_S,
    Deadline,
    DeadlinePassed,
    Fetch,
    FetchFailed,
    urllib_fetch,
)
from verifiers.offline.report import SyncItem, SyncReport
from verifiers.offline.status import (
    DEFAULT_TTL,
    STALE_POLICIES,
    OfflineStatusChecker,
    StalePolicy,
    Usage,
)
from verifiers.offline.sync import sync
from verifiers.offline.verifier import LoadReport, OfflineSession, OfflineVerifier
from verifiers.offline.verify import verify_offline

__all__ = [
    "DEFAULT_DEADLINE_S",
    "DEFAULT_TTL",
    "STALE_POLICIES",
    "Anchor",
    "CacheDir",
    "CacheProblem",
    "Deadline",
    "DeadlinePassed",
    "Fetch",
    "FetchFailed",
    "LoadReport",
    "OfflineSession",
    "OfflineStatusChecker",
    "OfflineVerifier",
    "StalePolicy",
    "SyncItem",
    "SyncReport",
    "Usage",
    "load_anchors",
    "parse_anchors",
    "read_anchor_file",
    "sync",
    "urllib_fetch",
    "verify_offline",
]
