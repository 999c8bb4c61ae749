"""The bundle workflows in a separate ``elicense worker`` process (issue 11): a real
``elicense serve --demo`` with its in-process workflows off only enqueues; an
application filed while no worker runs waits in the queue, and the worker started
afterwards takes it. A whole newborn application then completes through the worker;
SIGTERM stops the worker cleanly, exit 0, its log a line per state change and no
personal data. On SQLite, and on PostgreSQL with ELICENSE_DATABASE_URL."""

from __future__ import annotations

import json
import re
import signal
import time
from pathlib import Path

from tests.e2e.bundle_workers import api_only_env, running_worker
from tests.e2e.demo_server import demo_env, running_demo_server
from wallet.cli.demo_newborn import APPLY, APPS, FATHER, MOTHER, NewbornDemo

ID_NUMBER = re.compile(r"\d{17}[\dX]")


def test_a_worker_process_runs_the_applications_and_stops_on_sigterm(
    database_url: str, tmp_path: Path
) -> None:
    env = api_only_env(demo_env(database_url))
    with running_demo_server(tmp_path, env) as base:
        assert "bundle workflows run in `elicense worker`s" in (tmp_path / "server.log").read_text()
        token = (tmp_path / "var" / "demo-admin-token").read_text().strip()
        lines: list[str] = []
        demo = NewbornDemo(base, FATHER, MOTHER, out=lines.append, admin_token=token)
        demo.login(FATHER)
        queued = demo.as_(FATHER, "POST", APPLY, {"holders": {"mother": MOTHER}})
        time.sleep(1.5)  # no worker: nothing runs, the workflow waits in its queue
        assert demo.application(queued["id"])["consent_request_id"] is None

        with running_worker(tmp_path, env) as (worker, log_path):
            deadline = time.monotonic() + 20
            while demo.application(queued["id"])["consent_request_id"] is None:
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.1)
            cancelled = demo.as_(FATHER, "POST", f"{APPS}/{queued['id']}/cancel")
            assert cancelled["state"] == "cancelled"

            problems = demo.run(timeout=60)
            assert problems == [], "\n".join(lines + problems)
            assert any("[■■■■■■■] 7/7" in line for line in lines)

            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=20) == 0
        raw = log_path.read_text()

    # One JSON object a line (wallet.server.logs); what each says is its msg.
    records = [json.loads(line) for line in raw.splitlines() if line.startswith("{")]
    log = "\n".join(str(record["msg"]) for record in records)
    assert "worker-1: starting" in log
    assert log.rstrip().endswith("worker-1: stopped")
    assert f"bundle application {queued['id']}: awaiting_consent" in log
    done = [line for line in log.splitlines() if line.endswith(": completed")]
    assert len(done) == 1
    assert len(re.findall(r" item \w+: done", log)) == 7
    assert not ID_NUMBER.search(raw), "the worker's log names no one"
