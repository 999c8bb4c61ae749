"""Cancelling an application while its items run, and while it waits for consent (real
DBOS Transact over the test's database; SQLite, or PostgreSQL with
ELICENSE_DATABASE_URL): an item queued but not started never runs, the application
stays cancelled (a finishing workflow does not overwrite it), and its consent request,
withdrawn by the cancel, can no longer be approved to bring it back."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from issuers.errors import EngineUnavailable
from tests.app_fixtures import FixedClock
from tests.wallet.bundles.engine_review import (
    Gate,
    consent_request,
    review_services,
    running,
    submitted,
)
from tests.wallet.bundles.engine_setup import FATHER, MOTHER, KeyedMinter, mint_parents, wait_for
from tests.wallet.citizens import login
from tests.wallet.consent.consent_calls import decide
from wallet.accounts.service import AccountService
from wallet.bundles.engine import WorkflowRuntime
from wallet.bundles.engine.shutdown import seal
from wallet.server.settings import Settings
from wallet.server.wiring import Services

SETTLE_S = 1.5  # long enough for a queued item (polled every 0.05 s) to have started


class _Deaf:
    """The runtime, except that a cancel is never delivered."""

    def __init__(self, runtime: WorkflowRuntime) -> None:
        self._runtime = runtime

    def start(self, application_id: str) -> None:
        self._runtime.start(application_id)

    def wake(self, application_id: str, topic: str) -> None:
        self._runtime.wake(application_id, topic)

    def cancel(self, application_id: str) -> None:
        raise EngineUnavailable("the bundle workflow engine is not reachable")


@pytest.fixture
def services(settings: Settings, clock: FixedClock) -> Iterator[Services]:
    services = review_services(settings, clock)
    yield services
    seal(services.engine)  # disposed, and no connection for a workflow thread left running


def test_cancel_while_an_item_runs_starts_no_queued_item(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService,
    services: Services,
) -> None:  # fmt: skip
    mint_parents(client, admin_headers)
    gate, minter = Gate(), KeyedMinter()
    # One item at a time: "one" runs (held at the gate), "two" waits in the queue.
    with running(services, {"instant": gate}, minter, item_concurrency=1):
        application_id = submitted(client, services)
        wait_for(services, application_id, lambda v: any(i.state == "running" for i in v.items))
        services.bundles.cancel(MOTHER, application_id)
        gate.opened.set()
        time.sleep(SETTLE_S)
        view = services.bundles.view_any(application_id)
    assert len(gate.entered) == 1, gate.entered  # the queued item never reached its handler
    assert view.application.state == "cancelled"
    states = sorted(i.state for i in view.items)
    assert states == ["done", "stopped", "stopped"]  # the running one finished
    kinds = [e.kind for e in view.timeline]
    assert "completed" not in kinds
    assert kinds.count("cancelled") == 1


def test_a_consent_request_cannot_be_approved_after_cancel_to_revive_the_application(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService,
    services: Services,
) -> None:  # fmt: skip
    mint_parents(client, admin_headers)
    with running(services, {"instant": Gate()}, KeyedMinter()) as runtime:
        application_id = services.bundles.create(
            MOTHER, "tiny_bundle", {"father": FATHER}
        ).application.id
        request_id = consent_request(services, application_id)
        # The cancel reaches the application's row but not the engine (as when DBOS's
        # database is unreachable for a moment): the workflow must see it by itself.
        services.bundles.use_dispatcher(_Deaf(runtime))
        services.bundles.cancel(MOTHER, application_id)
        services.bundles.use_dispatcher(runtime)
        for holder in (MOTHER, FATHER):  # the cancel withdrew the request
            refused = decide(client, login(client, holder), request_id)
            assert refused.status_code == 409, refused.text
        time.sleep(SETTLE_S)
        view = services.bundles.view_any(application_id)
    assert view.application.state == "cancelled"
    assert view.application.form == {}  # nothing pulled, nothing prefilled
    assert [e.kind for e in view.timeline if e.kind in ("verified", "cancelled")] == ["cancelled"]
    # Withdrawn once, by the cancel; the workflow's last step, seeing it, changed nothing.
    assert [e.kind for e in view.timeline].count("consent_withdrawn") == 1
