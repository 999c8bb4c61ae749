"""PostgreSQL crashes and comes back under a stream of mints, pulls and bundle steps.

A real ``elicense serve --demo`` (the bundle workflows in its process) on a private
throwaway cluster (:mod:`tests.e2e.private_postgres`; the shared test cluster is never
touched). Four bounded client loops mint certificates, pull under an approved grant,
and file and cancel newborn applications (each a DBOS workflow whose steps read and
write the database) while the cluster is stopped with ``pg_ctl stop -m immediate`` (a
crash: every connection cut, recovery from the WAL at the next start), held down for
:data:`DOWN_S` seconds and started again. Then:

* every request was answered within the client's bound: a 2xx, or a 503 with
  ``Retry-After`` and a typed code (``database_unavailable``, ``engine_unavailable``
  or ``busy``): never a 500, a hang or a reset;
* the fault was felt (some 503s) and the service came back by itself: the mint and
  pull streams got 2xx answers after the start, and a fresh mint, pull and newborn
  application succeed at once;
* no acknowledged write was lost: each 2xx mint's certificate is stored, each 2xx
  pull's audit receipt is in the audit chain and the grant counts at least every
  acknowledged pull (and no more than were tried), each 201 application is stored, each
  acknowledged cancel left it cancelled;
* the workflows resumed: each cancelled application's workflow ends (SUCCESS or
  CANCELLED, never ERROR), and each one left open, and one filed after the restart,
  reaches ``awaiting_consent`` with its consent request made;
* the server's log has no 500 and no traceback but DBOS's own warnings.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text

from tests.e2e.demo_server import demo_env, running_demo_server
from tests.e2e.fault_streams import GENEROUS_LIMITS, SH_POLICE, Ledger, mint_body, run_stream
from tests.e2e.issue10_demo import ASK, LI_NA, PURPOSE, ZHANG_WEI, Demo, bearer
from tests.e2e.private_postgres import PrivateCluster, private_cluster

pytestmark = pytest.mark.slow

BEFORE_S = 1.5  # streams run this long before the crash
DOWN_S = 2.0  # the cluster stays down this long
AFTER_S = 3.0  # and run this long after it is back
CREATES = 7  # newborn applications 张伟 files in the stream (10 a day are allowed)
TYPED_CODES = {"database_unavailable", "engine_unavailable", "busy"}
ENDED = {"SUCCESS", "ERROR", "CANCELLED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED"}  # DBOS's
NEW = "/wallet/bundles/newborn/applications"
APPS = "/wallet/bundles/applications"


@pytest.fixture
def demo_on_private_cluster(tmp_path: Path) -> Iterator[tuple[Demo, PrivateCluster]]:
    with private_cluster() as cluster:
        env = demo_env(cluster.url)
        env["ELICENSE_RATE_LIMITS"] = GENEROUS_LIMITS
        with (
            running_demo_server(tmp_path, env) as base,
            httpx.Client(base_url=base, timeout=20) as http,
        ):
            yield Demo(base, tmp_path, env, http, cluster.url), cluster


class Applications:
    """张伟 files a newborn application, cancels it, files the next (bounded by
    :data:`CREATES`); the last one stays open."""

    def __init__(self, headers: dict[str, str]) -> None:
        self.headers = headers
        self.open: str | None = None
        self.created = 0
        self.cancel_refused = False

    def step(self, http: httpx.Client, _: int) -> tuple[httpx.Response, str] | None:
        if self.open is not None and self.created < CREATES:
            answer = http.post(f"{APPS}/{self.open}/cancel", headers=self.headers)
            if answer.status_code == 409 and self.cancel_refused:
                # The refused try had committed before the fault cut its answer off (a
                # 503 promises nothing either way): read the application as a client would.
                answer = http.get(f"{APPS}/{self.open}", headers=self.headers)
            self.cancel_refused = answer.status_code == 503
            done = f"cancel:{self.open}"
            if answer.is_success:
                self.open = None
            return answer, done
        if self.created >= CREATES:
            return None
        answer = http.post(NEW, json={"holders": {"mother": LI_NA}}, headers=self.headers)
        if answer.status_code == 201:
            self.created += 1
            self.open = answer.json()["id"]
            return answer, f"create:{self.open}"
        return answer, "create:?"


def _scalar(engine: Engine, sql: str, **params: object) -> object:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def _workflows_end(engine: Engine, ids: list[str], bound_s: float = 30.0) -> dict[str, str]:
    """Each workflow's DBOS status once none is still running (or ``bound_s`` passed)."""
    deadline = time.monotonic() + bound_s
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT workflow_uuid, status FROM dbos.workflow_status "
                     "WHERE workflow_uuid = ANY(:ids)"),
                {"ids": ids},
            ).all()  # fmt: skip
        found = {str(r[0]): str(r[1]) for r in rows}
        if all(found.get(i) in ENDED for i in ids) or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def test_a_postgresql_crash_loses_no_acknowledged_write(
    demo_on_private_cluster: tuple[Demo, PrivateCluster], tmp_path: Path
) -> None:
    demo, cluster = demo_on_private_cluster
    cluster.durable()
    grant = demo.approved_by_all({ZHANG_WEI: ASK, LI_NA: ASK}, max_uses=1000)["id"]
    service, admin = bearer(demo.service_token()), demo.admin()
    applications = Applications(demo.citizen(ZHANG_WEI))
    ledger, stop = Ledger(), threading.Event()

    def mint(offset: int) -> Callable[[httpx.Client, int], tuple[httpx.Response, str]]:
        def step(http: httpx.Client, n: int) -> tuple[httpx.Response, str]:
            answer = http.post(
                f"/issuers/{SH_POLICE}/certificates", json=mint_body(offset + n), headers=admin
            )
            return answer, answer.json().get("identifier", "") if answer.is_success else ""

        return step

    def pull(http: httpx.Client, _: int) -> tuple[httpx.Response, str]:
        answer = http.post(
            f"/consent/grants/{grant}/pull",
            json={"purpose": PURPOSE}, headers=service,
        )  # fmt: skip
        if not answer.is_success:
            return answer, ""
        return answer, ",".join(share["audit_receipt"] for share in answer.json()["shares"])

    streams = [
        run_stream(ledger, "mint", stop, mint(0), demo.base),
        run_stream(ledger, "mint", stop, mint(100_000), demo.base),
        run_stream(ledger, "pull", stop, pull, demo.base),
        run_stream(ledger, "bundle", stop, applications.step, demo.base, pause_s=0.3),
    ]
    time.sleep(BEFORE_S)
    crashed = time.monotonic()
    cluster.pg_ctl("-m", "immediate", "stop")
    time.sleep(DOWN_S)
    cluster.pg_ctl("start")
    back = time.monotonic()
    time.sleep(AFTER_S)
    stop.set()
    for thread in streams:
        thread.join(timeout=60)
        assert not thread.is_alive(), f"{thread.name} still running"

    assert ledger.transport == [], "requests left unanswered"
    assert ledger.refusals, "the crash was not felt by any request"
    for refusal in ledger.refusals:
        assert refusal.status == 503, refusal
        assert refusal.code in TYPED_CODES, refusal
        assert refusal.retry_after is not None, refusal
        assert refusal.retry_after.isdigit(), refusal
        assert refusal.at > crashed, f"refused before the crash: {refusal}"
    # The bundle stream has a bound of its own (CREATES): the application filed below
    # shows bundles work after the restart.
    for kind in ("mint", "pull"):
        assert ledger.acked_after(kind, back) > 0, f"no {kind} succeeded after the restart"
    fresh = demo.http.post(
        f"/issuers/{SH_POLICE}/certificates", json=mint_body(900_000), headers=admin
    )
    assert fresh.status_code == 201, fresh.text
    again = demo.http.post(
        f"/consent/grants/{grant}/pull", json={"purpose": PURPOSE}, headers=service
    )
    assert again.status_code == 200, again.text
    filed = demo.http.post(NEW, json={"holders": {"mother": LI_NA}}, headers=applications.headers)
    assert filed.status_code == 201, filed.text

    engine = create_engine(cluster.url)
    try:
        minted = ledger.acks["mint"]
        stored = _scalar(
            engine, "SELECT count(*) FROM certificates WHERE identifier = ANY(:ids)", ids=minted
        )
        assert stored == len(set(minted)) == len(minted)
        pulls = ledger.acks["pull"]
        receipts = [r for joined in pulls for r in joined.split(",")]
        kept = _scalar(
            engine, "SELECT count(*) FROM audit_entries WHERE entry_hash = ANY(:h)", h=receipts
        )
        assert kept == len(set(receipts))
        tried = len(pulls) + sum(1 for r in ledger.refusals if r.kind == "pull")
        uses = _scalar(engine, "SELECT uses_taken FROM consent_requests WHERE id = :g", g=grant)
        assert isinstance(uses, int)
        assert len(pulls) + 1 <= uses <= tried + 1  # +1: the fresh pull above
        _applications_hold(engine, ledger.acks["bundle"], applications, filed.json()["id"])
    finally:
        engine.dispose()
    _log_is_clean((tmp_path / "server.log").read_text())


def _log_is_clean(log: str) -> None:
    """No 500 and no traceback of ours: the only tracebacks are DBOS's own warnings
    (its scheduler and queue threads log the refused connection while they wait; a
    workflow awaiting one that was cancelled), each in a record DBOS began."""
    assert '"status": 500' not in log
    assert " 500 " not in log
    assert "unhandled error" not in log
    records = re.split(r"\n(?=\{|\d\d:\d\d:\d\d \[|INFO:|elicense:)", log)
    ours = [r for r in records if "Traceback" in r and "(dbos:" not in r.split("\n", 1)[0]]
    assert ours == [], ours[0][:3000]


def _awaits_consent(engine: Engine, application: str, bound_s: float = 30.0) -> bool:
    """True once the application's workflow has made its consent request and waits."""
    deadline = time.monotonic() + bound_s
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            state, request = conn.execute(
                text("SELECT state, consent_request_id FROM bundle_applications WHERE id = :i"),
                {"i": application},
            ).one()
        if state == "awaiting_consent" and request is not None:
            return True
        time.sleep(0.5)
    return False


def _applications_hold(
    engine: Engine, acks: list[str], applications: Applications, fresh: str
) -> None:
    created = [a.split(":", 1)[1] for a in acks if a.startswith("create:")]
    cancelled = [a.split(":", 1)[1] for a in acks if a.startswith("cancel:")]
    assert len(created) == applications.created >= 2
    with engine.connect() as conn:
        states: dict[str, str] = dict(
            conn.execute(
                text("SELECT id, state FROM bundle_applications WHERE id = ANY(:ids)"),
                {"ids": created},
            ).all()
        )
    assert set(states) == set(created)  # every 201 stored
    assert all(states[a] == "cancelled" for a in cancelled), states
    ended = _workflows_end(engine, cancelled)
    # CANCELLED: the cancel reached the workflow while it waited; SUCCESS: it read the
    # cancel in a step and ended. Never ERROR (a step failing on the fault) or stuck.
    assert set(ended) == set(cancelled), ended
    assert set(ended.values()) <= {"SUCCESS", "CANCELLED"}, ended
    for application in set(created) - set(cancelled) | {fresh}:
        assert _awaits_consent(engine, application), application
