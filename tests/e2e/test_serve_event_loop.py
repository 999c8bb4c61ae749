"""``elicense serve`` runs every worker on uvloop with the httptools parser.

uvicorn's default ("auto") would fall back to asyncio and h11 without a word when
either is missing; serve names both. Checked on the real processes: every process
holding the server's listening socket (the one worker, or the supervisor and its
workers) is found through /proc, and each worker has uvloop's event loop and
httptools' parser loaded (their extension modules mapped in /proc/<pid>/maps).
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.e2e.demo_server import ELICENSE, HOST, demo_env, free_port

pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc")

STARTUP_S = 120  # two workers importing the app on a busy 2-core machine
UVLOOP = "/uvloop/loop."  # uvloop/loop.cpython-311-x86_64-linux-gnu.so
HTTPTOOLS = "/httptools/parser/parser."


@contextmanager
def serving(tmp_path: Path, database_url: str, workers: int) -> Iterator[int]:
    """``elicense serve --demo --workers N`` until the block ends; yields its port once
    ``/healthz`` answers and every worker has started its application."""
    port = free_port()
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [str(ELICENSE), "serve", "--demo", "--host", HOST, "--port", str(port),
             "--workers", str(workers)],
            cwd=tmp_path, env=demo_env(database_url), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + STARTUP_S
        while not _started(port, log_path, workers):
            assert server.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.3)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def _started(port: int, log_path: Path, workers: int) -> bool:
    try:
        answered = httpx.get(f"http://{HOST}:{port}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False
    return answered and log_path.read_text().count("Application startup complete") >= workers


def listening_inode(port: int) -> str:
    """The inode of the socket listening on 127.0.0.1:``port`` (/proc/net/tcp)."""
    wanted = f"0100007F:{port:04X}"
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == wanted and fields[3] == "0A":  # local address, state LISTEN
            return fields[9]
    raise AssertionError(f"nothing listens on 127.0.0.1:{port}")


def holders(inode: str) -> list[int]:
    """Every process with the socket ``inode`` open."""
    found = []
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            links = [os.readlink(fd) for fd in fd_dir.iterdir()]
        except OSError:  # gone, or not ours to read
            continue
        if f"socket:[{inode}]" in links:
            found.append(int(fd_dir.parent.name))
    return found


def loaded(pid: int) -> str:
    return Path(f"/proc/{pid}/maps").read_text()


@pytest.mark.parametrize("workers", [1, 2])
def test_every_worker_runs_uvloop_and_httptools(
    tmp_path: Path, database_url: str, workers: int
) -> None:
    with serving(tmp_path, database_url, workers) as port:
        pids = holders(listening_inode(port))
        running = [pid for pid in pids if UVLOOP in loaded(pid)]
        assert len(running) == workers, (pids, running)
        for pid in running:
            assert HTTPTOOLS in loaded(pid), f"worker {pid} has no httptools parser"
