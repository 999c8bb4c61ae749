"""Review of issue 8 items 4, 5, 6, 10 and 16, as a hostile user with write access to
the offline cache and control of a network server would attack them.

Each test is a problem that was reproduced: a FIFO planted in the cache hung the
verifier (offline, and the online server's recognition cache with its lock held); a
redirect to ``ftp://`` and a name with many silent addresses each escaped the fetch
deadline; a status list or trust list issued in the future read as fresh and pinned
``sync``'s rollback guards; and with two anchors configured for one region (a rotation)
``sync`` took an older list from the other anchor over the held one.

Built as in :mod:`tests.verifiers.offline_world` (in memory, injected clock) and
:mod:`tests.verifiers.trickler` (real loopback sockets, short deadlines).
"""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from issuers.crypto.keys import SigningKey
from issuers.trust import (
    CLOCK_SKEW,
    KeyEntry,
    KeyState,
    TrustedIssuerEntry,
    sign_trust_list,
    trust_list_from_issuers,
    verify_trust_list,
)
from tests.app_fixtures import FixedClock
from tests.helpers import client_for
from tests.verifiers.offline_world import (
    CONFIGURED,
    ISSUERS,
    JS_TRANSPORT,
    KEYS,
    NOW,
    REVOKED_IDX,
    VALID_IDX,
    WEEK,
    ZJ_ANCHOR,
    ZJ_TRANSPORT,
    ZJ_URI,
    FakeNet,
    anchor_files,
    check,
    credential,
    ed25519,
    fill_cache,
    status_list,
    two_servers,
    write_anchors,
)
from tests.verifiers.trickler import SLACK_S, running_trickler
from verifiers.offline import (
    Anchor,
    CacheDir,
    Deadline,
    FetchFailed,
    OfflineVerifier,
    sync,
    urllib_fetch,
    verify_offline,
)
from verifiers.offline.synced import SyncedCache
from wallet.server.settings import Settings

YEAR = timedelta(days=365)


# --- a FIFO in the cache ---------------------------------------------------------------


def _load_offline(root: Path) -> OfflineVerifier:
    return OfflineVerifier.load(root, anchors=CONFIGURED, now=NOW)


def _load_online(root: Path) -> OfflineVerifier:
    return SyncedCache(root, anchors=CONFIGURED, clock=lambda: NOW).current()


@pytest.mark.parametrize("load", [_load_offline, _load_online], ids=["offline", "online"])
@pytest.mark.parametrize("kind", ["trust", "status"])
def test_a_fifo_planted_in_the_cache_is_a_problem_not_a_hang(
    tmp_path: Path, kind: str, load: Callable[[Path], OfflineVerifier]
) -> None:
    """Opening a FIFO for reading waits for a writer that never comes: verify --offline
    hung for ever, and so did the server's recognition cache, holding the lock every
    POST /verify then waits on. A file that is not a regular file is unusable."""
    cache = fill_cache(tmp_path)
    target = tmp_path / "trust" / "330000.jwt" if kind == "trust" else cache._status_path(ZJ_URI)
    target.unlink()
    os.mkfifo(target)
    loaded: list[OfflineVerifier] = []
    thread = threading.Thread(target=lambda: loaded.append(load(tmp_path)), daemon=True)
    thread.start()
    thread.join(timeout=5)
    hung = thread.is_alive()
    if hung:  # let the stuck reader go: a writer that closes at once is an EOF
        os.close(os.open(target, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(timeout=5)
    assert not hung, "loading the cache blocked on a FIFO"
    [verifier] = loaded
    name = target.relative_to(tmp_path).as_posix()
    assert (name, "cache_file_unreadable") in [(p.path, p.code) for p in verifier.report.problems]
    # The rest of the cache still serves.
    assert check(tmp_path, credential(JS_TRANSPORT, VALID_IDX), NOW).valid


# --- the fetch deadline ----------------------------------------------------------------


def test_a_redirect_to_ftp_does_not_escape_the_deadline() -> None:
    """urllib follows a redirect to ftp://, whose connection no deadline watched: an FTP
    "server" trickling its greeting held the fetch (and so sync) as long as it liked."""
    # An FTP server speaks first: 20 bytes, DRIP_S apart, 6 s.
    with running_trickler(b"220", b"-" * 20, listen_first=False) as ftp:
        redirect = f"HTTP/1.1 302 Found\r\nLocation: ftp://127.0.0.1:{ftp.port}/x\r\n"
        head = (redirect + "Content-Length: 0\r\n\r\n").encode()
        with running_trickler(head, b"") as web:
            started = time.monotonic()
            with Deadline(1.0) as deadline, pytest.raises(FetchFailed):
                urllib_fetch(f"http://127.0.0.1:{web.port}/trust/anchors", {}, deadline=deadline)
            assert time.monotonic() - started < 1.0 + SLACK_S


def test_a_name_with_many_silent_addresses_is_bounded_by_the_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """socket.create_connection tries each address in turn with the same timeout, and
    the watch starts only once one answers: a name with sixteen addresses that never
    answer took sixteen times the budget."""
    silent = socket.create_server(("127.0.0.1", 0), backlog=0)
    port = silent.getsockname()[1]
    queued = socket.create_connection(("127.0.0.1", port))  # the backlog is now full
    real = socket.getaddrinfo

    def many(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "many.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))] * 16
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", many)
    started = time.monotonic()
    try:
        with Deadline(0.5) as deadline, pytest.raises(FetchFailed):
            urllib_fetch(f"http://many.example:{port}/", {}, deadline=deadline, timeout=10)
        assert time.monotonic() - started < 0.5 + SLACK_S
    finally:
        queued.close()
        silent.close()


# --- documents from the future ---------------------------------------------------------


def test_a_status_list_issued_in_the_future_is_not_fresh(tmp_path: Path) -> None:
    """An issuer whose clock once ran a year ahead signed a list saying every permit is
    valid. Its age (now - iat) is negative, so it read as fresh for a year, whatever
    was revoked since."""
    future = status_list(ZJ_URI, ZJ_TRANSPORT, at=NOW + YEAR, revoked=None)
    fill_cache(tmp_path, status={ZJ_URI: (ZJ_TRANSPORT, future)})
    later = NOW + timedelta(days=2)  # the trust lists hold for a week
    refused = check(tmp_path, credential(ZJ_TRANSPORT, REVOKED_IDX), later)
    assert (refused.valid, refused.code) == (False, "status_list_expired")
    assert "future" in (refused.message or "")
    warned = check(tmp_path, credential(ZJ_TRANSPORT, VALID_IDX), later, stale="warn")
    assert warned.valid
    assert any("future" in w for w in warned.warnings), warned.warnings
    # A list less than CLOCK_SKEW ahead of our clock is only a clock difference: fresh.
    ahead = status_list(ZJ_URI, ZJ_TRANSPORT, at=NOW + CLOCK_SKEW - timedelta(seconds=1))
    fill_cache(tmp_path, status={ZJ_URI: (ZJ_TRANSPORT, ahead)})
    assert check(tmp_path, credential(ZJ_TRANSPORT, VALID_IDX), NOW).valid


def test_a_status_list_from_the_future_does_not_pin_sync(tmp_path: Path) -> None:
    """sync kept a list from the future, then refused every real list after it as a
    rollback (an older iat): the verifier never learnt of a revocation again."""
    net = FakeNet()
    two_servers(net)
    future = status_list(ZJ_URI, ZJ_TRANSPORT, at=NOW + YEAR, revoked=None)
    net.routes[ZJ_URI] = future.encode()
    cache_dir, anchors = tmp_path / "cache", anchor_files(tmp_path)
    report = sync(["https://zj.example"], cache_dir, anchors, now=NOW, fetch=net.fetch)
    assert ("skipped", ZJ_URI) in [(i.outcome, i.name) for i in report.items]
    later = NOW + timedelta(seconds=60)
    net.routes[ZJ_URI] = status_list(ZJ_URI, ZJ_TRANSPORT, at=later).encode()
    sync(["https://zj.example"], cache_dir, anchors, now=later, fetch=net.fetch)
    assert check(cache_dir, credential(ZJ_TRANSPORT, REVOKED_IDX), later).code == "revoked"

    # A copy from the future already held (an older sync kept it) does not pin it either.
    CacheDir(cache_dir).write_status_list(
        ZJ_URI, future, issuer=ZJ_TRANSPORT, fetched_at=NOW, source=None
    )
    sync(["https://zj.example"], cache_dir, anchors, now=later, fetch=net.fetch)
    assert check(cache_dir, credential(ZJ_TRANSPORT, REVOKED_IDX), later).code == "revoked"


def zj_list_with(state: KeyState, *, at: datetime, seq: int, anchor: SigningKey = ZJ_ANCHOR) -> str:
    key = KeyEntry.of(
        KEYS[ZJ_TRANSPORT].public,
        state=state,
        not_before=NOW - timedelta(days=90),
        compromised_at=NOW - timedelta(days=1) if state == "compromised" else None,
    )
    entries = [TrustedIssuerEntry(ISSUERS[ZJ_TRANSPORT], (key,))]
    unsigned = trust_list_from_issuers("330000", entries, sequence=seq, now=at, validity=WEEK)
    return sign_trust_list(unsigned, anchor)


def test_a_trust_list_from_the_future_is_refused_so_it_cannot_pin_sync(tmp_path: Path) -> None:
    """Our server numbers a list by its clock (seq = iat). An anchor whose clock once
    ran a year ahead signed a list sync kept; every real list after it had a lower seq
    and was refused as a rollback, so a key compromised since stayed trusted."""
    net = FakeNet()
    two_servers(net)
    url = "https://zj.example/trust/lists/330000"
    ahead = NOW + YEAR
    net.routes[url] = zj_list_with("active", at=ahead, seq=int(ahead.timestamp())).encode()
    cache_dir, anchors = tmp_path / "cache", anchor_files(tmp_path)
    report = sync(["https://zj.example"], cache_dir, anchors, now=NOW, fetch=net.fetch)
    assert ("skipped", "330000", "trust_list_invalid") in [
        (i.outcome, i.name, i.code) for i in report.items
    ]
    later = NOW + timedelta(seconds=60)
    compromised = zj_list_with("compromised", at=later, seq=int(later.timestamp()))
    net.routes[url] = compromised.encode()
    sync(["https://zj.example"], cache_dir, anchors, now=later, fetch=net.fetch)
    verdict = check(cache_dir, credential(ZJ_TRANSPORT, VALID_IDX), later)
    assert (verdict.valid, verdict.code) == (False, "key_compromised")
    # Less than CLOCK_SKEW ahead is a clock difference, not the future.
    skewed = later + CLOCK_SKEW - timedelta(seconds=1)
    verify_trust_list(zj_list_with("active", at=skewed, seq=1), anchors=CONFIGURED, now=later)


# --- rollback across a region's anchors ------------------------------------------------


def test_sync_does_not_take_an_older_list_from_the_regions_other_anchor(tmp_path: Path) -> None:
    """Zhejiang rotates its anchor; inspectors configure the old and the new one. The
    new anchor's list declares the transport department's key compromised; a server
    serving the old anchor's earlier list (still unexpired) made sync replace it,
    since "a list from another anchor always may", and the key was trusted again."""
    new_anchor = ed25519(0x34)
    configured = [*CONFIGURED, Anchor(new_anchor.public, "330000")]
    anchors = [*anchor_files(tmp_path), tmp_path / "zj-new.json"]
    anchors[-1].write_text(json.dumps(advertised(new_anchor)))
    net = FakeNet()
    two_servers(net)
    url = "https://zj.example/trust/lists/330000"
    net.routes[url] = zj_list_with("compromised", at=NOW, seq=10, anchor=new_anchor).encode()
    net.routes["https://zj.example/trust/anchors"] = json.dumps([advertised(new_anchor)]).encode()
    cache_dir = tmp_path / "cache"
    sync(["https://zj.example"], cache_dir, anchors, now=NOW, fetch=net.fetch)
    qr = credential(ZJ_TRANSPORT, VALID_IDX)
    verifier = OfflineVerifier.load(cache_dir, anchors=configured, now=NOW)
    assert verify_offline(qr, verifier, NOW).code == "key_compromised"

    # The hostile server now advertises the old anchor and replays its last list.
    older = zj_list_with("active", at=NOW - timedelta(days=1), seq=9, anchor=ZJ_ANCHOR)
    net.routes[url] = older.encode()
    net.routes["https://zj.example/trust/anchors"] = json.dumps([advertised(ZJ_ANCHOR)]).encode()
    later = NOW + timedelta(seconds=60)
    report = sync(["https://zj.example"], cache_dir, anchors, now=later, fetch=net.fetch)
    assert ("skipped", "330000", "trust_list_rollback") in [
        (i.outcome, i.name, i.code) for i in report.items
    ]
    verifier = OfflineVerifier.load(cache_dir, anchors=configured, now=later)
    assert verify_offline(qr, verifier, later).code == "key_compromised"


def advertised(anchor: SigningKey) -> dict[str, Any]:
    return {"region_code": "330000", "jwk": anchor.public.public_jwk()}


# --- a hostile server's JSON -----------------------------------------------------------


@pytest.mark.parametrize("path", ["trust/anchors", "status/lists"])
def test_deeply_nested_json_from_a_server_is_malformed_not_a_crash(
    tmp_path: Path, path: str
) -> None:
    """json.loads raises RecursionError, not a ValueError, past the recursion limit: a
    server answering "[[[[..." stopped sync with a traceback."""
    net = FakeNet()
    two_servers(net)
    net.routes[f"https://zj.example/{path}"] = b"[" * 100_000
    report = sync(
        ["https://zj.example"], tmp_path / "cache", anchor_files(tmp_path), now=NOW, fetch=net.fetch
    )
    assert ("failed", f"https://zj.example/{path}", "malformed") in [
        (i.outcome, i.name, i.code) for i in report.items
    ]


def test_a_status_list_entry_that_is_no_url_is_skipped_not_the_end_of_sync(
    tmp_path: Path,
) -> None:
    """urlsplit raises ValueError for "http://[::1/": one such entry ended the whole
    sync (every later list and server unfetched, no report)."""
    net = FakeNet()
    two_servers(net)
    entries = [
        {"uri": "http://[::1/", "issuer": ZJ_TRANSPORT},
        {"uri": ZJ_URI, "issuer": ZJ_TRANSPORT},
    ]
    net.routes["https://zj.example/status/lists"] = json.dumps(entries).encode()
    report = sync(
        ["https://zj.example"], tmp_path / "cache", anchor_files(tmp_path), now=NOW, fetch=net.fetch
    )
    assert [(i.outcome, i.code) for i in report.items if i.kind == "status_list"] == [
        ("skipped", "malformed"),
        ("stored", None),
    ]


def _unhashable_alg() -> str:
    """A status list JWT whose header alg is a JSON object: no key, no signature needed."""

    def b64(value: object) -> str:
        raw = json.dumps(value).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return f"{b64({'alg': {}, 'kid': 'AAAA', 'typ': 'statuslist+jwt'})}.{b64({})}.AAAA"


def test_a_status_list_with_an_object_for_alg_is_malformed_not_a_type_error(
    tmp_path: Path,
) -> None:
    """verify_jwt tested ``alg in ALGORITHMS`` on whatever the header held: a dict is
    unhashable, so a TypeError (no signature needed) ended sync, made verify --offline
    a traceback, and made the server's recognition cache fail every POST /verify."""
    net = FakeNet()
    two_servers(net)
    net.routes[ZJ_URI] = _unhashable_alg().encode()
    report = sync(
        ["https://zj.example"], tmp_path / "sync", anchor_files(tmp_path), now=NOW, fetch=net.fetch
    )
    assert ("skipped", ZJ_URI, "malformed") in [(i.outcome, i.name, i.code) for i in report.items]

    # Planted in the cache: a problem with that list only, offline and online.
    fill_cache(tmp_path, status={ZJ_URI: (ZJ_TRANSPORT, _unhashable_alg())})
    verdict = check(tmp_path, credential(ZJ_TRANSPORT, VALID_IDX), NOW)
    assert verdict.code == "status_unavailable"
    online = SyncedCache(tmp_path, anchors=CONFIGURED, clock=lambda: NOW).current()
    assert online.report.trust_lists == ("320000 #1", "330000 #1")


def test_the_server_answers_verify_with_a_planted_bad_status_list_in_its_trust_cache(
    settings: Settings, tmp_path: Path
) -> None:
    """ELICENSE_TRUST_CACHE_DIR: the TypeError above was a 500 for every POST /verify."""
    fill_cache(tmp_path / "trust-cache", status={ZJ_URI: (ZJ_TRANSPORT, _unhashable_alg())})
    configured = settings.model_copy(
        update={
            "trust_cache_dir": tmp_path / "trust-cache",
            "trust_anchors": write_anchors(tmp_path / "anchors.json"),
        }
    )
    for client in client_for(configured, FixedClock(NOW)):
        answer = client.post("/verify", json={"qr": credential(ZJ_TRANSPORT, VALID_IDX)})
        assert answer.status_code == 200, answer.text
        assert answer.json()["code"] == "status_unavailable"


@pytest.mark.parametrize("kind", ["trust", "status"])
def test_a_sidecar_nested_past_the_recursion_limit_is_a_problem_not_a_crash(
    settings: Settings, tmp_path: Path, kind: str
) -> None:
    """A planted ``.meta.json`` of "[[[[...": json.loads raised RecursionError (not a
    ValueError), so verify --offline was a traceback and, in ELICENSE_TRUST_CACHE_DIR,
    every POST /verify a 500."""
    root = tmp_path / "trust-cache"
    cache = fill_cache(root)
    document = root / "trust" / "330000.jwt" if kind == "trust" else cache._status_path(ZJ_URI)
    meta = document.with_name(document.name.removesuffix(".jwt") + ".meta.json")
    meta.write_text("[" * 100_000)
    report = OfflineVerifier.load(root, anchors=CONFIGURED, now=NOW).report
    name = meta.relative_to(root).as_posix().replace(".meta.json", ".jwt")
    assert (name, "cache_file_unreadable") in [(p.path, p.code) for p in report.problems]
    configured = settings.model_copy(
        update={"trust_cache_dir": root, "trust_anchors": write_anchors(tmp_path / "a.json")}
    )
    for client in client_for(configured, FixedClock(NOW)):
        answer = client.post("/verify", json={"qr": credential(JS_TRANSPORT, VALID_IDX)})
        assert answer.status_code == 200, answer.text


def test_a_sidecar_uri_with_a_lone_surrogate_is_a_problem_not_a_crash(
    settings: Settings, tmp_path: Path
) -> None:
    """JSON can spell a lone surrogate ("\\ud800"); hashing it to find its file raised
    UnicodeEncodeError: verify --offline a traceback, every POST /verify a 500."""
    root = tmp_path / "trust-cache"
    document = fill_cache(root)._status_path(ZJ_URI)
    meta = document.with_name(document.name.removesuffix(".jwt") + ".meta.json")
    meta.write_text('{"uri": "\\ud800", "fetched_at": "2026-11-02T08:00:00+00:00"}')
    report = OfflineVerifier.load(root, anchors=CONFIGURED, now=NOW).report
    name = document.relative_to(root).as_posix()
    assert (name, "cache_meta_invalid") in [(p.path, p.code) for p in report.problems]
    configured = settings.model_copy(
        update={"trust_cache_dir": root, "trust_anchors": write_anchors(tmp_path / "a.json")}
    )
    for client in client_for(configured, FixedClock(NOW)):
        answer = client.post("/verify", json={"qr": credential(JS_TRANSPORT, VALID_IDX)})
        assert answer.status_code == 200, answer.text
