"""Crash safety of the bundle engine, proven by really killing a worker (issue 11).

A real ``elicense worker`` process runs 林小龙's newborn application (the sample
definition, the real department handlers, :class:`IssuanceMinter`) with a test-only
failpoint (``ELICENSE_FAILPOINTS``) that makes it SIGKILL itself:

* ``before_item:medical_insurance_enrolment``: between two items (出生登记 done, its
  register v2 minted; 医保参保 not started);
* ``after_mint:social_security_card``: inside the handler's step, after the card was
  minted and committed, before DBOS recorded the step.

The process must have died of SIGKILL (returncode -9). A second worker with the same
``ELICENSE_WORKER_ID`` and no failpoint then recovers the pending workflows (DBOS
re-runs the step cut short) and the application completes, with every output minted
exactly once: one certificate per mint key, the household register in versions 1 (05
失效) and 2 only, one vaccination, one medical insurance and one social-security card
for the child (and for each guardian who holds a copy).

The test process plays the API side with no server: the bundle service dispatches
through a :class:`~wallet.bundles.engine.ClientDispatcher` (DBOSClient) and runs no
workflow; the parents sign in and approve the consent request over HTTP (a
``TestClient`` on the app). Runs on SQLite and, with ``ELICENSE_DATABASE_URL``, on
PostgreSQL (the worker then shares the test's database, DBOS in schema ``dbos``).
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from issuers.clock import utc_now
from issuers.errors import NotFound
from tests.app_fixtures import TEST_ADMIN_TOKEN, TEST_MASTER_KEY
from tests.e2e.crash_workers import (
    Worker,
    start_worker,
    stop_worker,
    wait_exit,
    wait_running,
    worker_env,
)
from tests.e2e.newborn_family import (
    FATHER,
    MOTHER,
    PASSWORD,
    SH_HOSPITAL,
    TYPED,
    approve,
    birth_certificate,
    login,
    mint,
    minted_outputs,
    shanghai_certificates,
)
from wallet.bundles.engine import ClientDispatcher
from wallet.bundles.records import ApplicationView
from wallet.server import demo
from wallet.server.app import create_app, prepare_database
from wallet.server.settings import Settings
from wallet.server.wiring import Services, build_services

pytestmark = pytest.mark.slow

STEP_TIMEOUT_S = 60  # each wait: consent asked, verified, killed, completed
WORKER_ID = "crash-test-worker"


@dataclass
class World:
    services: Services
    http: TestClient
    env: dict[str, str]
    root: Path
    dispatcher: ClientDispatcher


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[World]:
    master_key = base64.b64encode(TEST_MASTER_KEY).decode()
    settings = Settings(
        demo=False, data_dir=tmp_path / "var", database_url=database_url,
        master_key=master_key, admin_token=TEST_ADMIN_TOKEN,
        status_cache_seconds=0,
    )  # fmt: skip
    services = build_services(settings, utc_now)  # the worker's clock is the system's too
    dispatcher = ClientDispatcher(database_url)
    try:
        prepare_database(services)
        for info in demo.sample_issuers():
            services.issuance.register_issuer(info)
        demo.seed_clients(services.clients)
        services.accounts.register(FATHER, "林小龙", PASSWORD)
        services.accounts.register(MOTHER, "周敏", PASSWORD)
        services.bundles.use_dispatcher(dispatcher)
        env = worker_env({
            "ELICENSE_DATABASE_URL": database_url,
            "ELICENSE_MASTER_KEY": master_key,
            "ELICENSE_ADMIN_TOKEN": TEST_ADMIN_TOKEN,
            "ELICENSE_DATA_DIR": str(tmp_path / "var"),
            "ELICENSE_STATUS_CACHE_SECONDS": "0",
            "ELICENSE_WORKER_ID": WORKER_ID,
        })  # fmt: skip
        with TestClient(create_app(services=services, prepare=False)) as http:
            for issuer, type_slug, fields in shanghai_certificates():
                mint(http, TEST_ADMIN_TOKEN, issuer, type_slug, fields)
            birth = birth_certificate(utc_now(), in_jiangsu=False)
            mint(http, TEST_ADMIN_TOKEN, SH_HOSPITAL, "birth_medical", birth)
            yield World(services, http, env, tmp_path / "workers", dispatcher)
    finally:
        dispatcher.close()
        services.engine.dispose()


def wait_for(
    world: World, application_id: str, done: Callable[[ApplicationView], bool],
    worker: Worker | None = None, timeout: float = STEP_TIMEOUT_S,
) -> ApplicationView:  # fmt: skip
    deadline = time.monotonic() + timeout
    view: ApplicationView | None = None
    while True:
        try:
            view = world.services.bundles.view_any(application_id)
        except NotFound:
            view = None
        if view is not None and done(view):
            return view
        if time.monotonic() > deadline:
            seen = None if view is None else (view.application.state, view.timeline)
            log = "" if worker is None else worker.output()
            pytest.fail(f"timed out after {timeout} s; last seen {seen}\n{log}")
        time.sleep(0.1)


def drive_to_dispatch(world: World, worker: Worker) -> str:
    """File, both parents approve, the prefilled form submitted: the items dispatch."""
    bundles = world.services.bundles
    application_id = bundles.create(FATHER, "newborn", {"mother": MOTHER}).application.id
    asked = wait_for(
        world, application_id, lambda v: v.application.consent_request_id is not None, worker
    )
    request_id = asked.application.consent_request_id
    assert request_id is not None
    for parent in (FATHER, MOTHER):
        approve(world.http, login(world.http, parent), request_id)
    ready = wait_for(
        world, application_id, lambda v: v.application.state != "awaiting_consent"
        and v.application.state != "verifying", worker,
    )  # fmt: skip
    assert ready.application.state == "awaiting_submit", ready.application
    assert ready.application.conflicts == (), ready.application.conflicts
    assert {(v.role, v.type_slug) for v in ready.application.verified} == {
        ("father", "resident_id"), ("mother", "resident_id"), ("father", "household_register"),
        ("father", "marriage"), ("mother", "birth_medical"),
    }  # fmt: skip
    bundles.submit(FATHER, application_id, TYPED)
    return application_id


def killed_at(world: World, failpoint: str) -> tuple[str, ApplicationView]:
    """A worker armed with ``failpoint`` runs the application until it kills itself;
    the application id and what it left."""
    worker = start_worker("armed", {**world.env, "ELICENSE_FAILPOINTS": failpoint}, world.root)
    try:
        wait_running(worker)
        application_id = drive_to_dispatch(world, worker)
        returncode = wait_exit(worker, STEP_TIMEOUT_S)
        assert returncode == -9, f"exit {returncode}, not SIGKILL:\n{worker.output()}"
    finally:
        stop_worker(worker)
    return application_id, world.services.bundles.view_any(application_id)


def recovered(world: World, application_id: str) -> ApplicationView:
    """A worker with the same executor id and no failpoint finishes the application."""
    worker = start_worker("recovery", world.env, world.root)
    try:
        wait_running(worker)
        done = wait_for(
            world, application_id, lambda v: v.application.state in {
                "completed", "rejected", "failed", "cancelled", "refused"}, worker,
        )  # fmt: skip
        assert done.application.state == "completed", (done.application, worker.output())
        assert stop_worker(worker) == 0, worker.output()
    finally:
        stop_worker(worker)
    return done


def assert_minted_once(world: World, done: ApplicationView) -> None:
    outputs = {o["type"]: o for item in done.items for o in item.outputs}
    assert sorted(outputs) == [
        "household_register", "medical_insurance", "social_security_card", "vaccination"
    ]  # fmt: skip
    # Each item's outputs list is complete, the re-run step's included: one entry per
    # certificate its handler minted (the register's new version), none twice.
    listed = [(item.code, o["type"], o["identifier"]) for item in done.items for o in item.outputs]
    assert sorted((code, t) for code, t, _ in listed) == [
        ("birth_registration", "household_register"),
        ("medical_insurance_enrolment", "medical_insurance"),
        ("social_security_card", "social_security_card"),
        ("vaccination_certificate", "vaccination"),
    ], listed
    assert len({identifier for _, _, identifier in listed}) == len(listed), listed
    found = minted_outputs(world.services.engine)
    assert found["keys"], "the bundle's mints carry their keys"
    assert all(count == 1 for count in found["keys"].values()), found["keys"]
    assert len(found["keys"]) == 4, found["keys"]  # one per output, no stray key
    assert found["register"] == [(1, "05"), (2, "01")]
    assert found["per_type"] == {
        "household_register": 2, "vaccination": 1, "medical_insurance": 1,
        "social_security_card": 1,
    }  # fmt: skip
    assert max(found["per_holder"].values()) <= 2  # only the register, in two versions
    child = next(
        f["child_id_number"] for item in done.items for f in [item.facts]
        if "child_id_number" in f
    )  # fmt: skip
    for type_slug, holder in (
        ("household_register", child), ("vaccination", FATHER), ("vaccination", MOTHER),
        ("medical_insurance", child), ("social_security_card", child),
    ):  # fmt: skip
        assert found["per_holder"][(type_slug, holder)] == 1, (type_slug, holder, found)
    assert found["per_holder"][("household_register", FATHER)] == 2


def test_killed_between_two_items_then_recovered(world: World) -> None:
    application_id, left = killed_at(world, "before_item:medical_insurance_enrolment")
    states = {item.code: item.state for item in left.items}
    assert states["birth_registration"] == "done"
    assert states["medical_insurance_enrolment"] == "waiting"  # its step never began
    assert states["social_security_card"] == "waiting"
    before = minted_outputs(world.services.engine)
    assert before["register"] == [(1, "05"), (2, "01")]
    assert not any(t == "medical_insurance" for t, _ in before["per_holder"])

    done = recovered(world, application_id)
    assert {item.code: item.state for item in done.items} == dict.fromkeys(states, "done")
    assert_minted_once(world, done)


def test_killed_after_a_mint_before_the_step_was_recorded(world: World) -> None:
    application_id, left = killed_at(world, "after_mint:social_security_card")
    states = {item.code: item.state for item in left.items}
    assert states["social_security_card"] == "running"  # minted, the step not recorded
    before = minted_outputs(world.services.engine)
    assert sum(n for (t, _), n in before["per_holder"].items() if t == "social_security_card")

    done = recovered(world, application_id)
    assert {item.code: item.state for item in done.items} == dict.fromkeys(states, "done")
    assert_minted_once(world, done)


def test_killed_after_the_consent_request_before_it_was_recorded(world: World) -> None:
    """The request is in the parents' wallets, the application does not name it yet: the
    recovered step adopts it (its id is the application's) and asks nobody twice."""
    armed = {**world.env, "ELICENSE_FAILPOINTS": "after_consent_request:newborn"}
    worker = start_worker("armed", armed, world.root)
    try:
        wait_running(worker)
        application_id = world.services.bundles.create(
            FATHER, "newborn", {"mother": MOTHER}
        ).application.id
        returncode = wait_exit(worker, STEP_TIMEOUT_S)
        assert returncode == -9, f"exit {returncode}, not SIGKILL:\n{worker.output()}"
    finally:
        stop_worker(worker)
    assert world.services.bundles.view_any(application_id).application.consent_request_id is None
    made = [v.request.id for v in world.services.consent.wallet.pending(FATHER)]
    assert len(made) == 1, made

    worker = start_worker("recovery", world.env, world.root)
    try:
        wait_running(worker)
        asked = wait_for(
            world, application_id, lambda v: v.application.consent_request_id is not None, worker
        )
        assert asked.application.consent_request_id == made[0]
        for parent in (FATHER, MOTHER):
            assert [v.request.id for v in world.services.consent.wallet.pending(parent)] == made
            approve(world.http, login(world.http, parent), made[0])
        wait_for(world, application_id, lambda v: v.application.state == "awaiting_submit", worker)
        world.services.bundles.submit(FATHER, application_id, TYPED)
        done = wait_for(world, application_id, lambda v: v.application.state == "completed", worker)
        assert stop_worker(worker) == 0, worker.output()
    finally:
        stop_worker(worker)
    assert_minted_once(world, done)
