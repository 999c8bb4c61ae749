"""An online verifier that recognises other regions from a synced cache (verifiers.offline.synced).

Jiangsu plays the server: its own registry is a static resolver over 江苏省交通运输厅's
key and a fake status checker for ``https://js.example/status/``; the cache, built as
in :mod:`tests.verifiers.offline_world`, holds Jiangsu's and Zhejiang's signed lists.
Clocks are injected; the cache's reload check runs every call (``check_seconds=0``).
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from issuers.errors import KeyUnavailable, StatusUnavailable, UnknownKey
from issuers.formats.cwt import StatusReference
from issuers.registry import ChainKeyResolver, IssuerInfo, StaticKeyResolver, TrustedKey
from tests.verifiers.offline_world import (
    CONFIGURED,
    ISSUERS,
    JS_TRANSPORT,
    KEYS,
    NOW,
    REVOKED_IDX,
    SH_POLICE,
    SH_URI,
    SUSPENDED_IDX,
    TTL,
    VALID_IDX,
    ZJ_TRANSPORT,
    ZJ_URI,
    credential,
    fill_cache,
    js_credential,
    status_list,
    trust_list,
    zj_list,
)
from verifiers.offline import StalePolicy
from verifiers.offline.cache import STATUS, TRUST
from verifiers.offline.synced import SyncedCache, recognition_context
from verifiers.verdict import Verdict, VerifierContext, verdict_for

OWN_KEYS = StaticKeyResolver([TrustedKey(KEYS[JS_TRANSPORT].public, ISSUERS[JS_TRANSPORT])])


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class OwnStatus:
    """Jiangsu's registry: every entry valid but ``suspended``; notes each question."""

    def __init__(self, suspended: int = SUSPENDED_IDX) -> None:
        self.suspended = suspended
        self.asked: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def publishes(self, uri: str) -> bool:
        return uri.startswith("https://js.example/status/")

    def status_of(self, reference: StatusReference, now: datetime, issuer: IssuerInfo) -> int:
        with self._lock:
            self.asked.append((reference.uri, issuer.uscc))
        return 2 if reference.idx == self.suspended else 0


def server(
    root: Path, clock: Clock, own: OwnStatus, stale: StalePolicy = "refuse"
) -> tuple[VerifierContext, SyncedCache]:
    cache = SyncedCache(root, anchors=CONFIGURED, clock=clock, stale_policy=stale, check_seconds=0)
    return recognition_context(OWN_KEYS, own, cache, clock), cache


def verdict(context: VerifierContext, qr: str) -> Verdict:
    return verdict_for(qr, context)


def test_chain_key_resolver_asks_in_turn_and_only_unknown_passes_on() -> None:
    js = TrustedKey(KEYS[JS_TRANSPORT].public, ISSUERS[JS_TRANSPORT])
    zj = TrustedKey(KEYS[ZJ_TRANSPORT].public, ISSUERS[ZJ_TRANSPORT])

    class Down:
        def resolve(self, kid: bytes) -> TrustedKey:
            raise KeyUnavailable("the registry is down")

    chain = ChainKeyResolver(StaticKeyResolver([js]), StaticKeyResolver([zj]))
    assert chain.resolve(js.key.thumbprint) is js
    assert chain.resolve(zj.key.thumbprint) is zj
    with pytest.raises(UnknownKey):
        chain.resolve(KEYS[SH_POLICE].public.thumbprint)
    with pytest.raises(KeyUnavailable):  # not "unknown": the answer, not a reason to go on
        ChainKeyResolver(Down(), StaticKeyResolver([zj])).resolve(zj.key.thumbprint)
    with pytest.raises(ValueError, match="at least one"):
        ChainKeyResolver()


def test_own_registry_first_then_the_synced_regions(tmp_path: Path) -> None:
    fill_cache(tmp_path)
    clock, own = Clock(NOW + timedelta(seconds=40)), OwnStatus()
    context, _ = server(tmp_path, clock, own)

    mine = verdict(context, js_credential(VALID_IDX))
    assert (mine.valid, mine.status_checked, mine.data_age_seconds, mine.offline) == (
        True,
        True,
        None,  # live data only
        False,
    )
    assert own.asked == [(f"https://js.example/status/{JS_TRANSPORT}/1", JS_TRANSPORT)]
    # Our registry answers for our lists, even where the cache holds a copy.
    assert verdict(context, js_credential(REVOKED_IDX)).valid
    assert verdict(context, js_credential(SUSPENDED_IDX)).code == "suspended"

    theirs = verdict(context, credential(ZJ_TRANSPORT, VALID_IDX))
    assert (theirs.valid, theirs.status_checked, theirs.data_age_seconds) == (True, True, 40)
    assert theirs.credential is not None
    assert theirs.credential.issuer.region_code == "330000"
    revoked = verdict(context, credential(ZJ_TRANSPORT, REVOKED_IDX))
    assert (revoked.code, revoked.data_age_seconds) == ("revoked", 40)
    unknown = verdict(context, credential(SH_POLICE, VALID_IDX, SH_URI))
    assert (unknown.code, unknown.data_age_seconds) == ("unknown_key", 40)  # lists consulted
    assert len(own.asked) == 3  # never asked about Zhejiang's or Shanghai's lists

    # The shared keys and status (no session) answer alike, with no data age to note.
    zj_kid = KEYS[ZJ_TRANSPORT].public.thumbprint
    assert context.keys.resolve(zj_kid).issuer.uscc == ZJ_TRANSPORT
    assert context.status is not None
    reference = StatusReference(REVOKED_IDX, ZJ_URI)
    assert context.status.status_of(reference, clock.now, ISSUERS[ZJ_TRANSPORT]) == 1
    with pytest.raises(StatusUnavailable, match="not by the credential's issuer"):
        context.status.status_of(reference, clock.now, ISSUERS[JS_TRANSPORT])


def test_stale_synced_lists_are_refused_or_warned_about_online(tmp_path: Path) -> None:
    fill_cache(tmp_path)
    past = Clock(NOW + timedelta(seconds=TTL + 1))
    refused, _ = server(tmp_path, past, OwnStatus())
    stale = verdict(refused, credential(ZJ_TRANSPORT, VALID_IDX))
    assert (stale.code, stale.data_age_seconds) == ("status_list_expired", TTL + 1)
    assert verdict(refused, js_credential(VALID_IDX)).valid  # ours: no ttl in question
    warned, _ = server(tmp_path, past, OwnStatus(), stale="warn")
    answer = verdict(warned, credential(ZJ_TRANSPORT, VALID_IDX))
    assert (answer.valid, answer.data_age_seconds, answer.offline) == (True, TTL + 1, False)
    [warning] = answer.warnings
    assert warning.startswith("status_list_stale:")
    assert verdict(warned, js_credential(VALID_IDX)).warnings == []


def age_directories(root: Path) -> None:
    """Back-date the cache's directories, as if the last sync were long ago."""
    then = time.time() - 3600
    for directory in (root, root / TRUST, root / STATUS):
        os.utime(directory, (then, then))


def test_a_new_sync_is_picked_up_without_a_restart(tmp_path: Path) -> None:
    cache_dir = fill_cache(tmp_path, trust={"320000": trust_list("320000", JS_TRANSPORT)}).root
    age_directories(tmp_path)
    clock = Clock(NOW)
    context, cache = server(tmp_path, clock, OwnStatus())
    zj = credential(ZJ_TRANSPORT, VALID_IDX)
    assert verdict(context, zj).code == "unknown_key"
    assert verdict(context, zj).code == "unknown_key"
    assert cache.loads == 1  # nothing changed: not read again

    later = NOW + timedelta(minutes=1)
    fill_cache(
        cache_dir,
        fetched_at=later,
        trust={"330000": zj_list(at=later, seq=2)},
        status={ZJ_URI: (ZJ_TRANSPORT, status_list(ZJ_URI, ZJ_TRANSPORT, at=later))},
    )
    clock.now = later + timedelta(seconds=5)
    fresh = verdict(context, zj)
    assert (fresh.valid, fresh.data_age_seconds) == (True, 5)
    assert cache.loads == 2

    revoked = status_list(ZJ_URI, ZJ_TRANSPORT, revoked=VALID_IDX, at=later)
    fill_cache(cache_dir, fetched_at=later, trust={}, status={ZJ_URI: (ZJ_TRANSPORT, revoked)})
    assert verdict(context, zj).code == "revoked"


def test_the_check_runs_at_most_every_check_seconds(tmp_path: Path) -> None:
    fill_cache(tmp_path)
    clock = Clock(NOW)
    cache = SyncedCache(tmp_path, anchors=CONFIGURED, clock=clock, check_seconds=3600)
    context = recognition_context(OWN_KEYS, OwnStatus(), cache, clock)
    assert verdict(context, credential(ZJ_TRANSPORT, VALID_IDX)).valid
    revoked = status_list(ZJ_URI, ZJ_TRANSPORT, revoked=VALID_IDX)
    fill_cache(tmp_path, trust={}, status={ZJ_URI: (ZJ_TRANSPORT, revoked)})
    assert verdict(context, credential(ZJ_TRANSPORT, VALID_IDX)).valid  # not looked yet
    assert cache.loads == 1


def test_a_missing_cache_recognises_no_one_until_it_appears(tmp_path: Path) -> None:
    root = tmp_path / "not-synced-yet"
    clock = Clock(NOW)
    context, cache = server(root, clock, OwnStatus())
    assert verdict(context, js_credential(VALID_IDX)).valid
    none_yet = verdict(context, credential(ZJ_TRANSPORT, VALID_IDX))
    assert (none_yet.code, none_yet.data_age_seconds) == ("unknown_key", None)
    fill_cache(root)
    assert verdict(context, credential(ZJ_TRANSPORT, VALID_IDX)).valid
    assert cache.loads == 2


def test_concurrent_verdicts_keep_their_own_data_age(tmp_path: Path) -> None:
    fill_cache(tmp_path)
    context, _ = server(tmp_path, Clock(NOW + timedelta(seconds=9)), OwnStatus())
    cases = [
        (js_credential(VALID_IDX), True, None),
        (credential(ZJ_TRANSPORT, VALID_IDX), True, 9),
        (credential(ZJ_TRANSPORT, REVOKED_IDX), False, 9),
        (js_credential(SUSPENDED_IDX), False, None),
    ]
    start = threading.Barrier(4)

    def scan(worker: int) -> list[str]:
        start.wait(timeout=30)
        wrong = []
        for n in range(25):
            qr, valid, age = cases[(worker + n) % len(cases)]
            got = verdict(context, qr)
            if (got.valid, got.data_age_seconds) != (valid, age):
                wrong.append(f"{worker}/{n}: {got.valid} {got.code} {got.data_age_seconds}")
        return wrong

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert [w for found in pool.map(scan, range(4)) for w in found] == []
