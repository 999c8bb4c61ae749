"""Offline verification at the roadside (verifiers/offline, wallet/cli_offline).

Everything is built in memory, no server: a Jiangsu and a Zhejiang anchor sign trust
lists naming their transport departments' keys, each department signs its status
list, credentials carry status references into those lists, and the cache directory
is written with :class:`~verifiers.offline.CacheDir` (the world is in
:mod:`tests.verifiers.offline_world`). ``sync`` runs against a fake
fetch (and once, through the CLI, against a loopback stdlib HTTP server). The clock
is always injected.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from issuers.catalogue import CATALOGUE
from issuers.crypto.keys import SigningKey
from issuers.formats.cwt import StatusReference
from issuers.formats.presentation import present
from issuers.minting import build_record, sign_qr
from tests.verifiers.offline_world import (
    CERTIFICATES,
    CONFIGURED,
    ISSUERS,
    JS_ANCHOR,
    JS_TRANSPORT,
    JS_URI,
    KEYS,
    NOW,
    REVOKED_IDX,
    ROGUE,
    SH_POLICE,
    SH_URI,
    SUSPENDED_IDX,
    TTL,
    VALID_IDX,
    WEEK,
    ZJ_ANCHOR,
    ZJ_TRANSPORT,
    ZJ_URI,
    FakeNet,
    anchor_files,
    check,
    credential,
    fill_cache,
    js_credential,
    json_bytes,
    status_list,
    trust_list,
    two_servers,
    write_anchors,
    zj_list,
)
from verifiers.offline import (
    CacheDir,
    FetchFailed,
    OfflineVerifier,
    sync,
    urllib_fetch,
    verify_offline,
)
from verifiers.offline import cache as cache_module
from wallet.cli.fields import UsageError
from wallet.cli.inspector import add_offline_verbs

ROOT = Path(__file__).resolve().parents[2]


# --- verdicts from the cache ------------------------------------------------------------


def test_valid_revoked_suspended_across_two_regions(tmp_path: Path) -> None:
    fill_cache(tmp_path)
    later = NOW + timedelta(seconds=100)
    for qr in (js_credential(VALID_IDX), credential(ZJ_TRANSPORT, VALID_IDX)):
        verdict = check(tmp_path, qr, later)
        assert verdict.valid, verdict
        assert verdict.offline
        assert verdict.status_checked
        assert verdict.data_age_seconds == 100
        assert verdict.warnings == []
    revoked = check(tmp_path, credential(ZJ_TRANSPORT, REVOKED_IDX), later)
    assert (revoked.valid, revoked.code, revoked.offline) == (False, "revoked", True)
    suspended = check(tmp_path, js_credential(SUSPENDED_IDX), later)
    assert (suspended.valid, suspended.code) == (False, "suspended")


def test_one_verifier_answers_many_scans_and_keeps_each_verdict_apart(tmp_path: Path) -> None:
    fill_cache(tmp_path)
    verifier = OfflineVerifier.load(tmp_path, anchors=CONFIGURED, now=NOW, stale_policy="warn")
    stale = NOW + timedelta(seconds=TTL + 1)
    first = verify_offline(js_credential(VALID_IDX), verifier, stale)
    assert first.valid
    assert len(first.warnings) == 1
    fresh = verify_offline(js_credential(VALID_IDX), verifier, NOW + timedelta(seconds=5))
    assert fresh.valid
    assert fresh.warnings == []
    assert fresh.data_age_seconds == 5
    assert verify_offline(js_credential(REVOKED_IDX), verifier, NOW).code == "revoked"


def test_one_verifier_serves_many_threads_and_no_call_sees_anothers_data(
    tmp_path: Path,
) -> None:
    """8 threads x 50 verifications through one OfflineVerifier, each of a different
    credential at a different ``now``: every verdict, data age and warning is its own."""
    zj_at = NOW - timedelta(seconds=100)  # Zhejiang's data is 100 s older than Jiangsu's
    cache = fill_cache(tmp_path, status={})
    cache.write_trust_list("330000", zj_list(at=zj_at), fetched_at=zj_at, source=None)
    for uri, signer, at in ((JS_URI, JS_TRANSPORT, NOW), (ZJ_URI, ZJ_TRANSPORT, zj_at)):
        text = status_list(uri, signer, at=at)
        cache.write_status_list(uri, text, issuer=signer, fetched_at=at, source=None)
    verifier = OfflineVerifier.load(tmp_path, anchors=CONFIGURED, now=NOW, stale_policy="warn")
    offset = {JS_TRANSPORT: 0, ZJ_TRANSPORT: 100, SH_POLICE: 100}  # SH: oldest trust list
    cases = [
        (credential(uscc, idx), uscc, code)
        for uscc in (JS_TRANSPORT, ZJ_TRANSPORT)
        for idx, code in [
            (VALID_IDX, None),
            (7, None),
            (11, None),
            (REVOKED_IDX, "revoked"),
            (SUSPENDED_IDX, "suspended"),
        ]
    ]
    cases.append((credential(SH_POLICE, VALID_IDX, SH_URI), SH_POLICE, "unknown_key"))
    start = threading.Barrier(8)

    def scan(worker: int) -> list[str]:
        start.wait(timeout=30)
        wrong = []
        for n in range(50):
            qr, uscc, code = cases[(worker * 7 + n) % len(cases)]
            seconds = (worker * 50 + n) * 7 % (2 * TTL)  # half of them past the ttl
            verdict = verify_offline(qr, verifier, NOW + timedelta(seconds=seconds))
            age = seconds + offset[uscc]
            stale = uscc != SH_POLICE and age > TTL
            got = (verdict.valid, verdict.code, verdict.data_age_seconds, len(verdict.warnings))
            if got != (code is None, code, age, int(stale)):
                wrong.append(f"worker {worker} scan {n} ({uscc}, +{seconds} s): {got}")
            elif code is None and (
                verdict.credential is None or verdict.credential.issuer.uscc != uscc
            ):
                wrong.append(f"worker {worker} scan {n}: credential of another issuer")
            elif stale and not verdict.warnings[0].startswith("status_list_stale:"):
                wrong.append(f"worker {worker} scan {n}: {verdict.warnings}")
        return wrong

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, so that calls interleave
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(scan, range(8)))
    finally:
        sys.setswitchinterval(switch)
    assert [w for worker in results for w in worker] == []


def test_a_list_older_than_its_ttl_is_refused_or_used_with_a_warning(tmp_path: Path) -> None:
    fill_cache(tmp_path)
    qr = credential(ZJ_TRANSPORT, VALID_IDX)
    at_ttl = NOW + timedelta(seconds=TTL)
    assert check(tmp_path, qr, at_ttl).valid  # fetched_at + ttl itself is still fresh
    past = at_ttl + timedelta(seconds=1)
    refused = check(tmp_path, qr, past)
    assert (refused.valid, refused.code) == (False, "status_list_expired")
    assert refused.data_age_seconds == TTL + 1
    warned = check(tmp_path, qr, past, stale="warn")
    assert warned.valid
    assert warned.status_checked
    assert warned.data_age_seconds == TTL + 1
    [warning] = warned.warnings
    assert warning.startswith("status_list_stale:")
    assert ZJ_URI in warning
    assert "ttl" in warning
    # A stale list still says what it says: revoked stays revoked under "warn".
    assert check(tmp_path, credential(ZJ_TRANSPORT, REVOKED_IDX), past, "warn").code == "revoked"


def test_past_the_lists_exp_is_stale_too_and_no_ttl_falls_back_to_a_day(tmp_path: Path) -> None:
    fill_cache(
        tmp_path,
        status={ZJ_URI: (ZJ_TRANSPORT, status_list(ZJ_URI, ZJ_TRANSPORT, ttl=None, expires=WEEK))},
    )
    qr = credential(ZJ_TRANSPORT, VALID_IDX)
    assert check(tmp_path, qr, NOW + timedelta(hours=23)).valid
    assert check(tmp_path, qr, NOW + timedelta(hours=25)).code == "status_list_expired"
    fill_cache(
        tmp_path,
        status={
            ZJ_URI: (ZJ_TRANSPORT, status_list(ZJ_URI, ZJ_TRANSPORT, expires=timedelta(seconds=60)))
        },
    )
    just_after_exp = NOW + timedelta(seconds=61)  # ttl 300 not reached, exp passed
    assert check(tmp_path, qr, just_after_exp).code == "status_list_expired"
    warned = check(tmp_path, qr, just_after_exp, "warn")
    assert warned.valid
    assert "expired at" in warned.warnings[0]


def test_an_expired_trust_list_is_dropped_so_its_issuers_are_unknown(tmp_path: Path) -> None:
    fill_cache(
        tmp_path,
        trust={
            "320000": trust_list("320000", JS_TRANSPORT),
            "330000": zj_list(validity=timedelta(hours=1)),
        },
    )
    later = NOW + timedelta(hours=2)
    verifier = OfflineVerifier.load(tmp_path, anchors=CONFIGURED, now=later, stale_policy="warn")
    [problem] = verifier.report.problems
    assert (problem.path, problem.code) == ("trust/330000.jwt", "trust_list_expired")
    assert verifier.report.trust_lists == ("320000 #1",)
    verdict = verify_offline(credential(ZJ_TRANSPORT, VALID_IDX), verifier, later)
    assert (verdict.valid, verdict.code) == (False, "unknown_key")
    assert verdict.data_age_seconds == 7200  # the trust lists it went by
    assert verify_offline(js_credential(VALID_IDX), verifier, later).valid

    # Loaded while the list was current, used after it expired: refused all the same.
    verifier = OfflineVerifier.load(tmp_path, anchors=CONFIGURED, now=NOW)
    assert verifier.report.problems == ()
    assert verify_offline(credential(ZJ_TRANSPORT, VALID_IDX), verifier, later).code == (
        "unknown_key"
    )


def test_a_third_regions_issuer_is_not_trusted(tmp_path: Path) -> None:
    """Shanghai's list sits in the cache, but its anchor is not configured."""
    fill_cache(
        tmp_path,
        trust={
            "320000": trust_list("320000", JS_TRANSPORT),
            "310000": trust_list("310000", SH_POLICE),
        },
        status={SH_URI: (SH_POLICE, status_list(SH_URI, SH_POLICE))},
    )
    verifier = OfflineVerifier.load(tmp_path, anchors=CONFIGURED, now=NOW)
    assert [(p.path, p.code) for p in verifier.report.problems] == [
        ("trust/310000.jwt", "untrusted_anchor")
    ]
    verdict = verify_offline(credential(SH_POLICE, VALID_IDX, SH_URI), verifier, NOW)
    assert (verdict.valid, verdict.code) == (False, "unknown_key")
    # Nor does a trusted anchor's list let it in: a list names only its own region.
    with pytest.raises(Exception, match="outside"):
        trust_list("320000", JS_TRANSPORT, SH_POLICE)


def test_status_unavailable_when_missing_forged_or_signed_by_another_issuer(
    tmp_path: Path,
) -> None:
    qr = credential(ZJ_TRANSPORT, VALID_IDX)
    fill_cache(tmp_path, status={})
    assert check(tmp_path, qr, NOW).code == "status_unavailable"

    # 江苏省交通运输厅 (trusted) signs a list for 浙江's URI that says "all valid".
    fill_cache(tmp_path, status={ZJ_URI: (ZJ_TRANSPORT, status_list(ZJ_URI, JS_TRANSPORT))})
    impostor = check(tmp_path, credential(ZJ_TRANSPORT, REVOKED_IDX), NOW)
    assert (impostor.code, "signed by " + JS_TRANSPORT in (impostor.message or "")) == (
        "status_unavailable",
        True,
    )

    header, payload, signature = status_list(ZJ_URI, ZJ_TRANSPORT).split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    fill_cache(tmp_path, status={ZJ_URI: (ZJ_TRANSPORT, forged)})
    verdict = check(tmp_path, qr, NOW)
    assert verdict.code == "status_unavailable"
    assert "signature" in (verdict.message or "")

    fill_cache(tmp_path, status={ZJ_URI: (ZJ_TRANSPORT, status_list(JS_URI, ZJ_TRANSPORT))})
    assert check(tmp_path, qr, NOW).code == "status_unavailable"  # sub is another URI

    fill_cache(tmp_path, status={ZJ_URI: (ZJ_TRANSPORT, status_list(ZJ_URI, ZJ_TRANSPORT))})
    assert check(tmp_path, credential(ZJ_TRANSPORT, 200), NOW).code == "status_unavailable"


def test_data_age_is_that_of_the_oldest_data_used(tmp_path: Path) -> None:
    hour_ago = NOW - timedelta(hours=1)  # the trust lists' own iat: what the age counts from
    trust = {
        "320000": trust_list("320000", JS_TRANSPORT, at=hour_ago),
        "330000": zj_list(at=hour_ago),
    }
    fill_cache(tmp_path, fetched_at=hour_ago, trust=trust, status={})
    cache = CacheDir(tmp_path)
    cache.write_status_list(
        ZJ_URI, status_list(ZJ_URI, ZJ_TRANSPORT), issuer=ZJ_TRANSPORT, fetched_at=NOW, source=None
    )
    verdict = check(tmp_path, credential(ZJ_TRANSPORT, VALID_IDX), NOW + timedelta(seconds=60))
    assert verdict.valid
    assert verdict.data_age_seconds == 3660
    empty = tmp_path / "empty"
    CacheDir(empty).ensure()
    nothing = check(empty, credential(ZJ_TRANSPORT, VALID_IDX), NOW)
    assert (nothing.code, nothing.data_age_seconds) == ("unknown_key", None)
    problems = OfflineVerifier.load(empty, anchors=[], now=NOW).report.problems
    assert [p.code for p in problems] == ["no_anchors"]


def test_cache_problems_are_reported_not_raised(tmp_path: Path) -> None:
    cache = fill_cache(tmp_path)
    (tmp_path / "trust" / "330000.meta.json").unlink()
    status_meta = cache_module._meta_path(cache._status_path(JS_URI))
    status_meta.write_text(json.dumps({"uri": ZJ_URI, "fetched_at": NOW.isoformat()}))
    report = OfflineVerifier.load(tmp_path, anchors=CONFIGURED, now=NOW).report
    assert sorted(p.code for p in report.problems) == [
        "cache_meta_invalid",
        "cache_meta_missing",
    ]
    assert report.trust_lists == ("320000 #1",)
    assert report.status_lists == 1


def test_atomic_write_keeps_the_old_file_when_the_rename_never_happens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "trust" / "320000.jwt"
    cache_module.atomic_write(target, b"old")

    def crash(src: object, dst: object) -> None:
        raise KeyboardInterrupt  # the process is going down mid-write

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        cache_module.atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in target.parent.iterdir()] == ["320000.jwt"]  # no temp file left


# --- sync against fake servers -----------------------------------------------------------


def outcomes(report: Any) -> list[tuple[str, str, str, str | None]]:
    return [(i.outcome, i.kind, i.name, i.code) for i in report.items]


def test_sync_stores_only_what_verifies_and_says_why_not(tmp_path: Path) -> None:
    net = FakeNet()
    two_servers(net)
    # A third server advertises Zhejiang's real anchor but serves a list of its own
    # making, and a status list only its own issuer key signs.
    evil_uri = f"https://evil.example/status/{ZJ_TRANSPORT}/9"
    net.serve(
        "https://evil.example",
        [("330000", ZJ_ANCHOR)],
        {"330000": trust_list("330000", ZJ_TRANSPORT, anchor=ROGUE, seq=99)},
        {evil_uri: (ZJ_TRANSPORT, status_list(ZJ_URI, ZJ_TRANSPORT))},
    )
    cache_dir = tmp_path / "cache"
    servers = ["https://js.example/", "https://zj.example", "https://evil.example"]
    report = sync(servers, cache_dir, anchor_files(tmp_path), now=NOW, fetch=net.fetch)
    assert outcomes(report) == [
        ("skipped", "trust_list", "310000", "anchor_not_configured"),  # never even fetched
        ("stored", "trust_list", "320000", None),
        ("stored", "trust_list", "330000", None),
        ("skipped", "trust_list", "330000", "untrusted_anchor"),
        ("stored", "status_list", JS_URI, None),
        ("stored", "status_list", ZJ_URI, None),
        ("skipped", "status_list", evil_uri, "claims_invalid"),  # its sub is ZJ_URI
    ]
    assert "https://js.example/trust/lists/310000" not in [url for url, _ in net.requested]
    assert ("https://js.example/status/lists", "application/json") in net.requested
    assert (ZJ_URI, "application/statuslist+jwt") in net.requested
    assert sorted(p.name for p in (cache_dir / "trust").iterdir()) == [
        "320000.jwt",
        "320000.meta.json",
        "330000.jwt",
        "330000.meta.json",
    ]
    assert not (cache_dir / "anchors").exists()  # anchors are configuration, not cache
    meta = json.loads((cache_dir / "trust" / "330000.meta.json").read_text())
    assert meta["fetched_at"] == NOW.isoformat()
    assert meta["region_code"] == "330000"
    later = NOW + timedelta(seconds=30)
    verdict = check(cache_dir, credential(ZJ_TRANSPORT, VALID_IDX), later)
    assert verdict.valid
    assert verdict.data_age_seconds == 30
    assert check(cache_dir, js_credential(REVOKED_IDX), later).code == "revoked"


def test_sync_refuses_an_older_trust_list_and_an_unknown_signer(tmp_path: Path) -> None:
    net = FakeNet()
    two_servers(net, at=NOW)
    cache_dir, anchors = tmp_path / "cache", anchor_files(tmp_path)
    sync(["https://zj.example"], cache_dir, anchors, now=NOW, fetch=net.fetch)
    held = (cache_dir / "trust" / "330000.jwt").read_bytes()
    net.routes["https://zj.example/trust/lists/330000"] = zj_list(seq=3).encode()  # replayed
    net.routes[ZJ_URI] = status_list(ZJ_URI, ZJ_TRANSPORT, at=NOW - timedelta(hours=1)).encode()
    report = sync(["https://zj.example"], cache_dir, anchors, now=NOW, fetch=net.fetch)
    assert [i.code for i in report.of("skipped")] == ["trust_list_rollback", "status_list_rollback"]
    assert (cache_dir / "trust" / "330000.jwt").read_bytes() == held

    # The server names the wrong issuer for a list: the signature says otherwise.
    net.routes["https://zj.example/status/lists"] = json_bytes(
        [{"uri": ZJ_URI, "issuer": JS_TRANSPORT}]
    )
    net.routes[ZJ_URI] = status_list(ZJ_URI, ZJ_TRANSPORT, at=NOW + timedelta(hours=1)).encode()
    report = sync(["https://zj.example"], cache_dir, anchors, now=NOW, fetch=net.fetch)
    assert outcomes(report)[-1] == ("skipped", "status_list", ZJ_URI, "untrusted_issuer")

    # A status list whose issuer no trusted list names: not stored.
    net.routes["https://zj.example/status/lists"] = json_bytes(
        [{"uri": SH_URI, "issuer": SH_POLICE}]
    )
    net.routes[SH_URI] = status_list(SH_URI, SH_POLICE).encode()
    report = sync(["https://zj.example"], cache_dir, anchors, now=NOW, fetch=net.fetch)
    assert outcomes(report)[-1] == ("skipped", "status_list", SH_URI, "unknown_key")
    assert CacheDir(cache_dir).status_list(SH_URI) is None


def test_sync_carries_on_past_a_failed_fetch(tmp_path: Path) -> None:
    net = FakeNet()
    two_servers(net)
    del net.routes[JS_URI]
    net.routes["https://zj.example/status/lists"] = b"<html>oops</html>"
    report = sync(
        ["https://js.example", "https://down.example", "https://zj.example"],
        tmp_path / "cache",
        anchor_files(tmp_path),
        now=NOW,
        fetch=net.fetch,
    )
    failed = [(i.name, i.code) for i in report.of("failed")]
    assert failed == [
        ("https://down.example/trust/anchors", "fetch_failed"),
        ("320000", "fetch_failed"),  # down: tried the configured anchors' regions
        ("330000", "fetch_failed"),
        (JS_URI, "fetch_failed"),
        ("https://down.example/status/lists", "fetch_failed"),
        ("https://zj.example/status/lists", "malformed"),
    ]
    assert [i.name for i in report.of("stored")] == ["320000", "330000"]
    assert report.to_dict()["failed"] == 6


def test_a_crash_mid_sync_leaves_the_previous_cache_usable(tmp_path: Path) -> None:
    net = FakeNet()
    two_servers(net, at=NOW)
    cache_dir, anchors = tmp_path / "cache", anchor_files(tmp_path)
    sync(["https://js.example", "https://zj.example"], cache_dir, anchors, now=NOW, fetch=net.fetch)
    before = {p.name: p.read_bytes() for p in (cache_dir / "status").iterdir()}

    later = NOW + timedelta(minutes=10)
    two_servers(net, at=later, zj_revoked=VALID_IDX)  # 浙江 revokes; then the power fails
    net.crash_on = ZJ_URI  # the second status list
    with pytest.raises(RuntimeError, match="power cut"):
        sync(
            ["https://js.example", "https://zj.example"],
            cache_dir,
            anchors,
            now=later,
            fetch=net.fetch,
        )
    after = {p.name: p.read_bytes() for p in (cache_dir / "status").iterdir()}
    assert after.keys() == before.keys()  # no torn or temporary files
    zj_file = cache_module.status_file_stem(ZJ_URI)
    assert after[f"{zj_file}.jwt"] == before[f"{zj_file}.jwt"]
    assert after[f"{zj_file}.meta.json"] == before[f"{zj_file}.meta.json"]
    js_file = cache_module.status_file_stem(JS_URI)
    assert after[f"{js_file}.jwt"] != before[f"{js_file}.jwt"]  # got there before the crash
    # The old Zhejiang list still answers (the revocation never arrived), and says so.
    verifier = OfflineVerifier.load(cache_dir, anchors=CONFIGURED, now=later, stale_policy="warn")
    assert verifier.report.problems == ()
    verdict = verify_offline(credential(ZJ_TRANSPORT, VALID_IDX), verifier, later)
    assert verdict.valid
    assert verdict.data_age_seconds == 600
    assert verdict.warnings

    net.crash_on = None
    sync(
        ["https://js.example", "https://zj.example"], cache_dir, anchors, now=later, fetch=net.fetch
    )
    assert check(cache_dir, credential(ZJ_TRANSPORT, VALID_IDX), later).code == "revoked"


def test_sync_refuses_bad_arguments_before_touching_the_cache(tmp_path: Path) -> None:
    private = tmp_path / "private.json"
    private.write_text(json.dumps({**JS_ANCHOR.public.public_jwk(), "d": "AAAA"}))
    wrong_kid = tmp_path / "kid.json"
    wrong_kid.write_text(
        json.dumps({**JS_ANCHOR.public.public_jwk(), "kid": "nope", "region_code": "320000"})
    )
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(JS_ANCHOR.public.public_jwk()))
    twice = tmp_path / "twice.json"
    twice.write_text(
        json.dumps(
            [{"region_code": r, "jwk": JS_ANCHOR.public.public_jwk()} for r in ("320000", "310000")]
        )
    )
    cache_dir = tmp_path / "cache"
    planted = cache_dir / "anchors.json"  # inside the cache: not created, refused by path
    for servers, anchors, message in [
        ([], anchor_files(tmp_path), "at least one server"),
        (["file:///etc"], anchor_files(tmp_path), "not an http"),
        (["https://js.example"], [], "at least one trust anchor"),
        (["https://js.example"], [private], "private key"),
        (["https://js.example"], [wrong_kid], "thumbprint"),
        (["https://js.example"], [tmp_path / "missing.json"], "not a readable JSON"),
        (["https://js.example"], [bare], "region"),
        (["https://js.example"], [twice], "configured for 320000 and for 310000"),
        (["https://js.example"], [planted], "inside the cache directory"),
    ]:
        with pytest.raises(Exception, match=message) as caught:
            sync(servers, cache_dir, anchors, now=NOW, fetch=FakeNet().fetch)
        assert getattr(caught.value, "code", None) == "invalid_input"
    assert not cache_dir.exists()


# --- the CLI verbs, and the default fetch over real loopback HTTP ---------------------------


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="elicense")
    common = argparse.ArgumentParser(add_help=False)
    add_offline_verbs(root.add_subparsers(dest="verb", required=True), common)
    return root


@pytest.fixture
def loopback() -> Iterator[tuple[str, dict[str, tuple[str, bytes]]]]:
    """A stdlib HTTP server on 127.0.0.1 serving ``routes`` (path -> (type, body))."""
    routes: dict[str, tuple[str, bytes]] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            content_type, body = routes.get(self.path, ("text/plain", b""))
            self.send_response(200 if self.path in routes else 404)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", routes
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_cli_sync_then_verify_offline(
    tmp_path: Path,
    loopback: tuple[str, dict[str, tuple[str, bytes]]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    base, routes = loopback
    uri = f"{base}/status/{ZJ_TRANSPORT}/1"
    anchors = [
        {"region_code": "330000", "region_name": "浙江省", "jwk": ZJ_ANCHOR.public.public_jwk()}
    ]
    routes["/trust/anchors"] = ("application/json", json_bytes(anchors))
    routes["/trust/lists/330000"] = ("application/trustlist+jwt", zj_list().encode())
    routes["/status/lists"] = (
        "application/json",
        json_bytes([{"uri": uri, "issuer": ZJ_TRANSPORT}]),
    )
    routes[f"/status/{ZJ_TRANSPORT}/1"] = (
        "application/statuslist+jwt",
        status_list(uri, ZJ_TRANSPORT).encode(),
    )
    anchor = tmp_path / "zj.json"
    anchor.write_text(json.dumps(anchors))  # the /trust/anchors answer, handed over out of band
    cache = tmp_path / "cache"
    clock = lambda: NOW  # noqa: E731

    args = parser().parse_args(
        ["sync", "--server", base, "--anchor", str(anchor), "--cache", str(cache), "--json"]
    )
    assert args.handler(args, clock=clock) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["stored"], summary["skipped"], summary["failed"]) == (2, 0, 0)

    qr_file = tmp_path / "qr.txt"
    qr_file.write_text(credential(ZJ_TRANSPORT, VALID_IDX, uri) + "\n")
    argv = [
        "verify-offline",
        str(qr_file),
        "--cache",
        str(cache),
        "--anchor",
        str(anchor),
        "--json",
    ]
    args = parser().parse_args(argv)
    assert args.handler(args, clock=lambda: NOW + timedelta(seconds=42)) == 0
    verdict = json.loads(capsys.readouterr().out)
    assert (verdict["valid"], verdict["offline"], verdict["data_age_seconds"]) == (True, True, 42)

    from issuers.formats.qr_image import render_png

    image = tmp_path / "qr.png"
    image.write_bytes(render_png(credential(ZJ_TRANSPORT, REVOKED_IDX, uri)))
    args = parser().parse_args(
        ["verify-offline", str(image), "--cache", str(cache), "--anchor", str(anchor)]
    )
    assert args.handler(args, clock=clock) == 1
    assert capsys.readouterr().out.startswith("INVALID revoked: ")

    stale = NOW + timedelta(hours=2)
    args = parser().parse_args(
        [
            "verify-offline",
            str(qr_file),
            "--cache",
            str(cache),
            "--anchor",
            str(anchor),
            "--stale",
            "warn",
        ]
    )
    assert args.handler(args, clock=lambda: stale) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("VALID 道路运输经营许可证")
    assert out[0].endswith("(offline, data 2 h old)")
    assert out[1].startswith("warning: status_list_stale")
    args = parser().parse_args(
        ["verify-offline", str(qr_file), "--cache", str(cache), "--anchor", str(anchor)]
    )
    assert args.handler(args, clock=lambda: stale) == 1
    assert "INVALID status_list_expired" in capsys.readouterr().out

    routes.pop("/status/lists")  # the server now 404s: sync reports it and exits 1
    args = parser().parse_args(
        ["sync", "--server", base, "--anchor", str(anchor), "--cache", str(cache)]
    )
    assert args.handler(args, clock=clock) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "1 stored, 0 skipped, 1 failed"
    assert any(line.startswith("failed  status_lists") and "HTTP 404" in line for line in lines)


def test_cli_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as caught:
        parser().parse_args(
            ["verify-offline", "EL1:X", "--cache", str(tmp_path), "--stale", "maybe"]
        )
    assert caught.value.code == 2
    args = parser().parse_args(["verify-offline", "EL1:X", "--cache", str(tmp_path / "none")])
    with pytest.raises(UsageError, match="not a directory"):
        args.handler(args)
    (tmp_path / "etc").mkdir()
    anchors = str(write_anchors(tmp_path / "etc" / "anchors.json"))
    empty = tmp_path / "empty"
    empty.mkdir()
    argv = ["verify-offline", "no-such-file", "--cache", str(empty), "--anchor", anchors]
    with pytest.raises(UsageError, match="neither QR text"):
        parser().parse_args(argv).handler(parser().parse_args(argv))
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "anchors.json").write_text(Path(anchors).read_text())
    argv = [
        "verify-offline",
        "EL1:X",
        "--cache",
        str(cache),
        "--anchor",
        str(cache / "anchors.json"),
    ]
    with pytest.raises(UsageError, match="inside the cache directory"):
        parser().parse_args(argv).handler(parser().parse_args(argv))
    args = parser().parse_args(
        ["sync", "--server", "ftp://x", "--anchor", "a.json", "--cache", str(tmp_path)]
    )
    with pytest.raises(UsageError, match="not an http"):
        args.handler(args)


def test_urllib_fetch_caps_size_and_refuses_other_schemes(
    loopback: tuple[str, dict[str, tuple[str, bytes]]],
) -> None:
    base, routes = loopback
    routes["/big"] = ("application/octet-stream", b"x" * 2048)
    assert urllib_fetch(f"{base}/big", {}, max_bytes=2048) == b"x" * 2048
    with pytest.raises(FetchFailed, match="cap"):
        urllib_fetch(f"{base}/big", {}, max_bytes=2047)
    with pytest.raises(FetchFailed, match="HTTP 404"):
        urllib_fetch(f"{base}/missing", {})
    with pytest.raises(FetchFailed, match="only http"):
        urllib_fetch("file:///etc/passwd", {})


def test_the_offline_verb_runs_with_the_web_stack_blocked(tmp_path: Path) -> None:
    """DESIGN.md: the offline verifier runs with FastAPI and SQLAlchemy absent."""
    fill_cache(tmp_path / "cache")
    anchors = write_anchors(tmp_path / "anchors.json")
    (tmp_path / "qr.txt").write_text(credential(ZJ_TRANSPORT, REVOKED_IDX))
    program = textwrap.dedent(
        f"""
        import argparse, sys
        from datetime import datetime
        from importlib.abc import MetaPathFinder

        BLOCKED = ("fastapi", "starlette", "sqlalchemy", "alembic", "uvicorn", "httpx")

        class Block(MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in BLOCKED:
                    raise ImportError(f"blocked for this test: {{name}}")
                return None

        sys.meta_path.insert(0, Block())
        from wallet.cli.inspector import add_offline_verbs

        root = argparse.ArgumentParser()
        add_offline_verbs(root.add_subparsers(), argparse.ArgumentParser(add_help=False))
        args = root.parse_args(
            ["verify-offline", sys.argv[1], "--cache", sys.argv[2], "--anchor", sys.argv[3]]
        )
        code = args.handler(args, clock=lambda: datetime.fromisoformat({NOW.isoformat()!r}))
        leaked = [m for m in sys.modules if m.split(".")[0] in BLOCKED]
        print(code, leaked)
        """
    )
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            program,
            str(tmp_path / "qr.txt"),
            str(tmp_path / "cache"),
            str(anchors),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert completed.returncode == 0, completed.stderr
    verdict_line, result = completed.stdout.strip().splitlines()
    assert verdict_line.startswith("INVALID revoked")
    assert result == "1 []"


def test_elicense_verify_offline_runs_with_the_web_stack_blocked(tmp_path: Path) -> None:
    """The real entry point, ``elicense verify --offline``, not only the handler."""
    fill_cache(tmp_path / "cache")
    anchors = write_anchors(tmp_path / "anchors.json")
    (tmp_path / "qr.txt").write_text(credential(ZJ_TRANSPORT, REVOKED_IDX))
    program = textwrap.dedent(
        """
        import json, sys
        from importlib.abc import MetaPathFinder

        BLOCKED = ("fastapi", "starlette", "sqlalchemy", "alembic", "uvicorn", "httpx")

        class Block(MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in BLOCKED:
                    raise ImportError(f"blocked for this test: {name}")
                return None

        sys.meta_path.insert(0, Block())
        from wallet.cli.main import main

        code = main(["verify", "--offline", sys.argv[1], "--cache", sys.argv[2],
                     "--anchor", sys.argv[3], "--stale", "warn", "--json"])
        leaked = [m for m in sys.modules if m.split(".")[0] in BLOCKED]
        print(json.dumps({"code": code, "leaked": leaked}))
        """
    )
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            program,
            str(tmp_path / "qr.txt"),
            str(tmp_path / "cache"),
            str(anchors),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert completed.returncode == 0, completed.stderr
    verdict_line, result_line = completed.stdout.strip().splitlines()
    verdict, result = json.loads(verdict_line), json.loads(result_line)
    assert verdict["offline"] is True
    assert verdict["valid"] is False  # revoked, or its lists expired by today's clock
    assert result == {"code": 1, "leaked": []}


def test_a_live_presentation_verifies_offline_and_goes_stale(tmp_path: Path) -> None:
    """At the roadside, without a network: a Zhejiang driver's live code (亮证) read by a
    verifier whose cache holds Zhejiang's trust and status lists."""
    fill_cache(tmp_path)
    holder = SigningKey.generate()
    item = next(c for c in CERTIFICATES if c["type"] == "ride_hailing_driver")
    record = build_record(
        CATALOGUE["ride_hailing_driver"],
        ISSUERS[ZJ_TRANSPORT],
        item["fields"],
        serial=VALID_IDX + 1,
        now=NOW - timedelta(days=30),
        valid_from=date(2026, 1, 1),
        status=StatusReference(VALID_IDX, ZJ_URI),
        holder_key=holder.public,
    )
    shown_at = NOW + timedelta(seconds=100)
    live = present(sign_qr(record, KEYS[ZJ_TRANSPORT]), holder, now=shown_at)
    verdict = check(tmp_path, live, shown_at + timedelta(seconds=5))
    assert verdict.valid, verdict
    assert verdict.kind == "dynamic"
    assert verdict.offline
    assert verdict.status_checked
    stale = check(tmp_path, live, shown_at + timedelta(seconds=60 + 30 + 1))
    assert (stale.valid, stale.code) == (False, "presentation_stale")
