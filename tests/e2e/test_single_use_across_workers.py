"""Single-use presentations hold across worker processes (issue 8, item 7).

A real ``elicense serve --demo --workers 2`` with ``ELICENSE_SINGLE_USE_PRESENTATIONS=1``
and its database from ``database_url`` (SQLite, or PostgreSQL when the run targets
it). One live code scanned by 12 clients at once, each on its own connection so the
scans spread over both workers: exactly one is valid and the other eleven are
``replayed``. A guard held in each process's memory let one scan per worker through.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.demo_server import demo_env, running_demo_server
from tests.helpers import ZHANG_WEI
from wallet.server.demo import DEMO_PASSWORD

SCANS = 12
WORKERS = 2

pytestmark = pytest.mark.slow


@pytest.fixture
def two_workers(database_url: str, tmp_path: Path) -> Iterator[str]:
    env = demo_env(database_url)
    env["ELICENSE_SINGLE_USE_PRESENTATIONS"] = "1"
    with running_demo_server(tmp_path, env, workers=WORKERS) as base:
        yield base


def live_code(base: str) -> str:
    """A demo citizen's live presentation, as the web wallet's show page gets it."""
    login = httpx.post(
        f"{base}/wallet/login",
        json={"id_number": ZHANG_WEI, "password": DEMO_PASSWORD},
        timeout=30,
    )
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    certificates = httpx.get(f"{base}/wallet/certificates", headers=headers, timeout=30).json()
    identifier = certificates[0]["identifier"]
    shown = httpx.post(
        f"{base}/wallet/certificates/{identifier}/presentation", headers=headers, timeout=30
    )
    assert shown.status_code == 200, shown.text
    payload: str = shown.json()["payload"]
    return payload


def test_one_live_code_scanned_twelve_times_over_two_workers_is_valid_once(
    two_workers: str,
) -> None:
    payload = live_code(two_workers)
    verdicts: list[dict[str, Any]] = []
    errors: list[str] = []
    lock = threading.Lock()
    start_line = threading.Barrier(SCANS)

    def scan() -> None:
        # A client of its own (a new connection) per scan, so the kernel spreads the
        # scans over both workers' accept queues.
        with httpx.Client(timeout=60) as http:
            start_line.wait()
            response = http.post(f"{two_workers}/verify", json={"qr": payload})
        with lock:
            if response.status_code == 200:
                verdicts.append(response.json())
            else:
                errors.append(f"{response.status_code} {response.text[:200]}")

    threads = [threading.Thread(target=scan) for _ in range(SCANS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    valid = [v for v in verdicts if v["valid"]]
    assert len(valid) == 1, [v.get("code") for v in verdicts]
    assert valid[0]["kind"] == "dynamic"
    assert sorted(v["code"] for v in verdicts if not v["valid"]) == ["replayed"] * (SCANS - 1)
