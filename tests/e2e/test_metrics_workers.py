"""/metrics under a real ``elicense serve --demo --workers 2`` and an ``elicense worker
--metrics-port``: whichever HTTP worker answers a scrape, it reports the sum of both
(prometheus-client's multiprocess files in the directory ``serve`` made, removed when
it stops); the queue depth comes from DBOS's tables; the bundle items are counted by
the worker that ran them, on its own port. SQLite, or PostgreSQL with
ELICENSE_DATABASE_URL."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.e2e.bundle_workers import RUNNING, api_only_env
from tests.e2e.demo_server import ELICENSE, HOST, demo_env, free_port
from tests.helpers import PUBLIC_SECURITY, sample
from tests.wallet.server.test_metrics import Samples, parsed, value
from wallet.cli.demo_newborn import APPLY, FATHER, MOTHER, NewbornDemo

pytestmark = pytest.mark.slow

VERIFIES = 40
STARTUP_TIMEOUT_S = 120
SCRAPES = 5


def _scrape(url: str, token: str | None = None) -> Samples:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.get(url, headers=headers, timeout=10)  # a new connection each time
    assert response.status_code == 200, response.text
    return parsed(response.text)


def _verify(base: str, qr: str) -> int:
    return httpx.post(f"{base}/verify", json={"qr": qr}, timeout=30).status_code


def test_two_workers_report_one_sum_and_the_bundle_worker_its_items(
    database_url: str, tmp_path: Path
) -> None:
    scratch = tmp_path / "tmp"  # where serve makes the workers' directory
    scratch.mkdir()
    env = {**api_only_env(demo_env(database_url)), "TMPDIR": str(scratch)}
    with _two_workers(tmp_path, env) as base:
        token = (tmp_path / "var" / "demo-admin-token").read_text().strip()
        shared = list(scratch.glob("elicense-metrics-*"))
        assert len(shared) == 1, "serve made one directory for its workers' files"
        assert httpx.get(f"{base}/metrics", timeout=10).status_code == 401

        mint = httpx.post(
            f"{base}/issuers/{PUBLIC_SECURITY}/certificates",
            json={"type": "resident_id", "fields": sample("resident_id")["fields"]},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert mint.status_code == 201, mint.text
        with ThreadPoolExecutor(8) as pool:  # fresh connections, spread over both workers
            statuses = list(pool.map(lambda _: _verify(base, mint.json()["qr"]), range(VERIFIES)))
        assert statuses == [200] * VERIFIES
        pids = {path.stem.rpartition("_")[2] for path in shared[0].glob("counter_*.db")}
        assert len(pids) == 2, f"both workers answered ({sorted(pids)})"
        valid = {"channel": "api", "code": "valid"}
        requests = {"method": "POST", "route": "/verify", "status": "200"}
        minted = {"type": "resident_id", "province": "310000"}
        for _ in range(SCRAPES):
            samples = _scrape(f"{base}/metrics", token)
            assert value(samples, "elicense_verdicts_total", **valid) == VERIFIES
            assert value(samples, "elicense_http_requests_total", **requests) == VERIFIES
            assert value(samples, "elicense_certificates_minted_total", **minted) == 1

        demo = NewbornDemo(base, FATHER, MOTHER, out=lambda _: None, admin_token=token)
        demo.login(FATHER)
        demo.as_(FATHER, "POST", APPLY, {"holders": {"mother": MOTHER}})
        samples = _scrape(f"{base}/metrics", token)  # no worker yet: it waits in the queue
        depth = "elicense_bundle_queue_depth"
        assert value(samples, depth, queue="bundle_applications", status="ENQUEUED") == 1

        port = free_port()
        worker, log_path = _start_worker(tmp_path, env, port)
        try:
            problems = demo.run(timeout=90)
            assert problems == [], problems
            items = _scrape(f"http://127.0.0.1:{port}/metrics")
        finally:
            worker.terminate()
            assert worker.wait(timeout=20) == 0, log_path.read_text()
        samples = _scrape(f"{base}/metrics", token)
    assert not shared[0].exists(), "the workers' files went with the server"
    succeeded = sum(
        v for (name, labels), v in items.items()
        if name == "elicense_bundle_items_total" and ("event", "succeeded") in labels
    )  # fmt: skip
    assert succeeded == 7, items  # the newborn bundle's seven items, one each
    started = {"bundle": "newborn", "item": "birth_registration", "event": "started"}
    assert value(items, "elicense_bundle_items_total", **started) >= 1
    for queue in ("bundle_applications", "bundle_items"):
        assert value(samples, depth, queue=queue, status="ENQUEUED") == 0


@contextmanager
def _two_workers(tmp_path: Path, env: dict[str, str]) -> Iterator[str]:
    """``elicense serve --demo --workers 2`` until both workers have started: as
    tests/e2e/demo_server.py does, with more patience (two spawned workers import the
    app; at load 13 on two cores that took longer than its 30 s)."""
    port = free_port()
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [str(ELICENSE), "serve", "--demo", "--port", str(port), "--host", HOST,
             "--workers", "2"],
            cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while log_path.read_text().count("Application startup complete") < 2:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"server not up:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield f"http://{HOST}:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)


def _start_worker(
    tmp_path: Path, env: dict[str, str], port: int
) -> tuple[subprocess.Popen[bytes], Path]:
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [str(ELICENSE), "worker", "--demo", "--metrics-port", str(port)],
            cwd=tmp_path, env={**env, "ELICENSE_WORKER_ID": "metrics-1"},
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while RUNNING not in log_path.read_text():
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            pytest.fail(f"worker not running:\n{log_path.read_text()}")
        time.sleep(0.1)
    assert f"metrics at http://127.0.0.1:{port}/metrics" in log_path.read_text()
    return worker, log_path


def test_a_worker_whose_metrics_port_is_taken_says_so_and_runs_nothing(
    database_url: str, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        completed = subprocess.run(
            [str(ELICENSE), "worker", "--demo", "--metrics-port", str(port)],
            cwd=tmp_path, env=demo_env(database_url), capture_output=True, text=True,
            timeout=STARTUP_TIMEOUT_S, check=False,
        )  # fmt: skip
    assert completed.returncode == 2, completed.stderr
    assert f"cannot serve metrics on {HOST}:{port}" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert ": running (" not in completed.stderr
