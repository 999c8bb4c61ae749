"""Rate limits on a real ``elicense serve --demo`` over loopback: parallel requests
cannot beat a moving window, ``X-Forwarded-For`` is believed only from a configured
proxy, and ``--workers 2`` with ``memory://`` never allows more than the limit (each
worker counts alone, on half of it).
"""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.e2e.demo_server import demo_env, running_demo_server

QR = {"qr": "EL1:not-a-credential"}


def limited_env(database_url: str, **settings: str) -> dict[str, str]:
    env = demo_env(database_url)
    env.update(settings)
    return env


def post_verify(base: str, headers: dict[str, str] | None = None) -> httpx.Response:
    """One request on its own connection (as separate clients would come)."""
    return httpx.post(f"{base}/verify", json=QR, headers=headers, timeout=30)


def test_parallel_requests_cannot_beat_the_window(tmp_path: Path, database_url: str) -> None:
    env = limited_env(database_url, ELICENSE_RATE_LIMITS=json.dumps({"verify": "10/minute"}))
    with running_demo_server(tmp_path, env) as base, ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda _: post_verify(base), range(40)))
        assert Counter(a.status_code for a in answers) == {200: 10, 429: 30}
        for refused in (a for a in answers if a.status_code == 429):
            assert refused.json()["error"]["code"] == "rate_limited"
            assert 1 <= int(refused.headers["retry-after"]) <= 60
        # Nobody chooses their own key: the peer is no trusted proxy, so a forged
        # X-Forwarded-For is ignored and this is the same (full) count.
        forged = post_verify(base, {"X-Forwarded-For": "198.51.100.23"})
        assert forged.status_code == 429
    log = (tmp_path / "server.log").read_text()
    assert "Traceback" not in log


def test_a_trusted_proxy_names_the_client(tmp_path: Path, database_url: str) -> None:
    env = limited_env(
        database_url,
        ELICENSE_RATE_LIMITS=json.dumps({"verify": "2/minute"}),
        ELICENSE_TRUSTED_PROXIES="127.0.0.1",
    )
    alice = {"X-Forwarded-For": "198.51.100.7"}
    # A client's own header before the proxy's: the proxy appends the peer it saw.
    bob_through_proxy = {"X-Forwarded-For": "198.51.100.7, 203.0.113.9"}
    with running_demo_server(tmp_path, env) as base:
        assert [post_verify(base, alice).status_code for _ in range(3)] == [200, 200, 429]
        assert post_verify(base, bob_through_proxy).status_code == 200
        assert post_verify(base).status_code == 200  # the proxy's own address: its count


def test_workers_share_a_memory_limit(tmp_path: Path, database_url: str) -> None:
    """``serve --workers 2``, memory://: each worker allows half of ``4/minute``, so the
    two together allow at most 4, and a client whose requests all land on one worker
    gets 2 (how the kernel spreads connections over the workers is its own affair)."""
    env = limited_env(database_url, ELICENSE_RATE_LIMITS=json.dumps({"verify": "4/minute"}))
    with running_demo_server(tmp_path, env, workers=2) as base:
        answers = [post_verify(base).status_code for _ in range(20)]
    assert set(answers) == {200, 429}
    assert 2 <= answers.count(200) <= 4
