"""A throwaway PostgreSQL cluster of one test's own, which the test may restart.

The fault tests restart PostgreSQL under a running server; the shared test cluster
(scripts/ci_postgres.sh) serves every other test and must never be touched. So this
makes a private one with the installed server binaries (``/usr/lib/postgresql/<N>/bin``,
the highest version): ``initdb`` into a temporary directory, its own loopback port and
socket directory, trust authentication for its one role ``elicense`` on 127.0.0.1
only. PostgreSQL refuses to run as root, so as root (CI runs as root) every command
runs as the ``postgres`` user (``runuser``) and the directory is handed to it.

Without the binaries the test is skipped, unless ``ELICENSE_TEST_REQUIRE_POSTGRES`` is
set (CI), when it fails. Not a test module.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.conftest import postgres_required
from tests.e2e.demo_server import HOST, free_port

ROLE = "elicense"
DATABASE = "elicense"
PG_CTL_WAIT_S = 60
SETTINGS = (
    f"listen_addresses = '{HOST}'",
    "max_connections = 100",
    "shared_buffers = 32MB",
    # Seeding the demo need not survive a power cut: fsync is off until durable().
    "fsync = off",
    "synchronous_commit = on",  # a commit is acknowledged once its WAL is written
    "log_min_messages = warning",
    # After a crash, sync the data directory with one syncfs() rather than an fsync
    # per file (PostgreSQL 14+): the restart then takes about a second, not ten.
    "recovery_init_sync_method = syncfs",
)


def server_binaries() -> Path | None:
    """The highest installed PostgreSQL's bin directory with initdb and pg_ctl."""
    root = Path("/usr/lib/postgresql")
    found = [
        d / "bin"
        for d in (root.iterdir() if root.is_dir() else [])
        if (d / "bin" / "initdb").is_file() and (d / "bin" / "pg_ctl").is_file()
    ]
    found.sort(key=lambda b: [int(p) if p.isdigit() else 0 for p in b.parent.name.split(".")])
    return found[-1] if found else None


@dataclass(frozen=True)
class PrivateCluster:
    bin: Path
    directory: Path
    port: int

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{ROLE}@{HOST}:{self.port}/{DATABASE}"

    def run(self, tool: str, *argv: str, timeout: float = PG_CTL_WAIT_S + 10) -> str:
        """A server tool as the cluster's owner; its output (it must succeed)."""
        command = [str(self.bin / tool), *argv]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(
            command, cwd=self.directory, capture_output=True, text=True,
            timeout=timeout, check=False,
        )  # fmt: skip
        assert done.returncode == 0, f"{tool} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def pg_ctl(self, *argv: str) -> str:
        return self.run(
            "pg_ctl", "-D", str(self.data), "-w", "-t", str(PG_CTL_WAIT_S),
            "-l", str(self.directory / "server.log"), *argv,
        )  # fmt: skip

    def durable(self) -> None:
        """fsync on from now (a reload, no restart): an acknowledged commit is on disk,
        as in production."""
        with psycopg.connect(self.libpq, autocommit=True) as conn:
            conn.execute("ALTER SYSTEM SET fsync = on")
            conn.execute("SELECT pg_reload_conf()")
            deadline = time.monotonic() + PG_CTL_WAIT_S
            while conn.execute("SHOW fsync").fetchone() != ("on",):
                assert time.monotonic() < deadline, "fsync did not turn on"
                time.sleep(0.05)

    @property
    def libpq(self) -> str:
        return f"host={HOST} port={self.port} user={ROLE} dbname={DATABASE}"

    def restart(self, mode: str = "fast") -> None:
        """``pg_ctl restart -m <mode>``: every connection is cut; back when it returns."""
        self.pg_ctl("-m", mode, "restart")


def _skip_or_fail(reason: str) -> None:
    if postgres_required():
        pytest.fail(f"{reason} (ELICENSE_TEST_REQUIRE_POSTGRES is set)")
    pytest.skip(reason)


@contextmanager
def private_cluster() -> Iterator[PrivateCluster]:
    """A running private cluster with database ``elicense``; stopped and removed after."""
    binaries = server_binaries()
    if binaries is None:
        _skip_or_fail("no PostgreSQL server binaries under /usr/lib/postgresql")
    assert binaries is not None
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        _skip_or_fail("running as root without runuser: cannot start PostgreSQL")
    # Under /tmp (world-traversable), not pytest's tmp_path (root's 0700 directories
    # would keep the postgres user out).
    directory = Path(tempfile.mkdtemp(prefix="elicense-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    cluster = PrivateCluster(bin=binaries, directory=directory, port=free_port())
    try:
        cluster.run(
            "initdb", "-D", str(cluster.data), "-U", ROLE, "-A", "trust",
            "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        settings = (*SETTINGS, f"port = {cluster.port}", f"unix_socket_directories = '{directory}'")
        with (cluster.data / "postgresql.conf").open("a") as conf:
            conf.write("\n".join(settings) + "\n")
        cluster.pg_ctl("start")
        try:
            cluster.run("createdb", "-h", HOST, "-p", str(cluster.port), "-U", ROLE, DATABASE)
            yield cluster
        finally:
            cluster.pg_ctl("-m", "immediate", "stop")
    finally:
        shutil.rmtree(directory, ignore_errors=True)
