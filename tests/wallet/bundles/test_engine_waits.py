"""The application workflow's two waits end, and stay cheap (real DBOS Transact over the
test's database; SQLite, or PostgreSQL with ELICENSE_DATABASE_URL):

* for consent: when a party denies, when the request expires (right then, not at the
  next poll), when the application is cancelled;
* for the submission: the application lapses ``submit_within_days`` after filing
  (cancelled, 逾期未提交，视为撤回申请) instead of waiting forever.

The clock is injected and runs in real time from a point the test moves, so a
deadline days away is seconds away; each wait's steps are counted with
``DBOS.list_workflow_steps``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.app_fixtures import FIXED_NOW
from tests.wallet.bundles.engine_review import (
    Gate,
    approve,
    consent_request,
    review_services,
    running,
    step_names,
)
from tests.wallet.bundles.engine_setup import (
    CLIENT_ID,
    FATHER,
    MOTHER,
    KeyedMinter,
    RunningClock,
    mint_parents,
    wait_for,
)
from tests.wallet.citizens import login
from tests.wallet.consent.consent_calls import decide
from wallet.accounts.service import AccountService
from wallet.bundles.dispatch import CONSENT_TOPIC, SUBMIT_TOPIC
from wallet.bundles.engine.shutdown import seal
from wallet.server.settings import Settings
from wallet.server.wiring import Services

DEADLINE_IN_S = 3.0
ENDED = ("refused", "cancelled", "failed", "completed", "rejected")


@pytest.fixture
def clock() -> RunningClock:
    return RunningClock(FIXED_NOW)


@pytest.fixture
def services(settings: Settings, clock: RunningClock) -> Iterator[Services]:
    services = review_services(settings, clock)
    yield services
    seal(services.engine)  # disposed, and no connection for a workflow thread left running


def _filed(services: Services) -> str:
    return services.bundles.create(MOTHER, "tiny_bundle", {"father": FATHER}).application.id


def _wake(services: Services, application_id: str, topic: str) -> None:
    assert services.bundles.dispatcher is not None
    services.bundles.dispatcher.wake(application_id, topic)


def test_a_denial_ends_the_consent_wait(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService,
    services: Services,
) -> None:  # fmt: skip
    mint_parents(client, admin_headers)
    with running(services, {"instant": Gate()}, KeyedMinter()):
        application_id = _filed(services)
        request_id = consent_request(services, application_id)
        assert decide(client, login(client, FATHER), request_id, "deny").status_code == 200
        view = wait_for(services, application_id, lambda v: v.application.state in ENDED, 5)
    assert view.application.state == "refused"
    assert view.application.failure_reason == "当事人未同意用证授权（拒绝、撤回或已过期）"


def test_the_consent_wait_ends_when_the_request_expires(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService,
    services: Services, clock: RunningClock,
) -> None:  # fmt: skip
    mint_parents(client, admin_headers)
    with running(services, {"instant": Gate()}, KeyedMinter()):
        application_id = _filed(services)
        request = services.consent.for_service(
            "tiny-bundle-service", consent_request(services, application_id)
        )
        time.sleep(8)  # the wait has grown past the deadline the test sets next
        clock.jump_to(request.expires_at - timedelta(seconds=DEADLINE_IN_S))
        _wake(services, application_id, CONSENT_TOPIC)
        started = time.monotonic()
        view = wait_for(services, application_id, lambda v: v.application.state in ENDED, 10)
        took = time.monotonic() - started
        steps = step_names(application_id)
    assert view.application.state == "refused"
    assert took < DEADLINE_IN_S + 2.0, took  # at the expiry, not at a later poll
    assert steps.count("bundle.consent_state") <= 8, steps


def test_an_application_never_submitted_lapses(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService,
    services: Services, clock: RunningClock,
) -> None:  # fmt: skip
    mint_parents(client, admin_headers)
    with running(services, {"instant": Gate()}, KeyedMinter()):
        application_id = _filed(services)
        approve(client, services, application_id)
        filed = wait_for(
            services, application_id, lambda v: v.application.state == "awaiting_submit"
        ).application.created_at
        days = services.bundles.definition("tiny_bundle").submit_within_days
        clock.jump_to(filed + timedelta(days=days, seconds=-DEADLINE_IN_S))
        _wake(services, application_id, SUBMIT_TOPIC)
        view = wait_for(services, application_id, lambda v: v.application.state in ENDED, 10)
        steps = step_names(application_id)
    assert view.application.state == "cancelled"
    assert view.application.failure_reason == f"逾期未提交申请表（{days}日内），视为撤回申请"
    assert [e.kind for e in view.timeline][-1] == "lapsed"
    assert {i.state for i in view.items} == {"waiting"}  # nothing ran
    assert steps.count("bundle.submitted") <= 6, steps
    assert len(steps) <= 30, steps


def test_cancel_ends_the_consent_wait(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService,
    services: Services,
) -> None:  # fmt: skip
    mint_parents(client, admin_headers)
    with running(services, {"instant": Gate()}, KeyedMinter()):
        application_id = _filed(services)
        request_id = consent_request(services, application_id)
        services.bundles.cancel(MOTHER, application_id)
        time.sleep(1.0)
        steps = step_names(application_id)
        pending = [r.request.id for r in services.consent.wallet.pending(MOTHER)]
        request = services.consent.for_service(CLIENT_ID, request_id)
    assert steps.count("bundle.gather") == 0
    # The cancel withdrew the application's consent request: it is no longer pending in
    # the parents' wallets, and nobody can approve it into a grant.
    assert request_id not in pending
    assert request.stored_state == "withdrawn"
