"""A cancelled application takes back its one consent request (real DBOS Transact over
the test's database; SQLite, or PostgreSQL with ELICENSE_DATABASE_URL):

* cancelled by the applicant while the parents are asked, the request leaves their
  wallets at once (the cancel withdraws it, before the workflow ends), audited;
* cancelled after the parents approved, the grant (a use of three taken by the pull)
  allows no pull any more;
* lapsed (never submitted within ``submit_within_days``, here 3, before the grant's 7
  days ran out), the workflow's last step withdraws the grant;
* safe to repeat: withdrawing again changes nothing and writes no second line or entry;
  an application not cancelled is left alone;
* a cancel landing while the workflow's step is between making the request and
  recording it: the cancel finds it by its derived id, or, when the cancel could not
  withdraw, the step does once it recorded the request;
* a cancel racing a parent's approval (threads): never a grant left standing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from dbos import DBOS
from fastapi.testclient import TestClient

from issuers.errors import Conflict, GrantRevoked
from issuers.store.database import write_transaction
from tests.app_fixtures import FIXED_NOW
from tests.wallet.bundles.engine_review import (
    Gate,
    approve,
    consent_request,
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
    register_client,
    tiny_bundle,
    wait_for,
)
from tests.wallet.citizens import login
from tests.wallet.consent.consent_calls import decide
from wallet.accounts.service import AccountService
from wallet.bundles.dispatch import SUBMIT_TOPIC
from wallet.bundles.engine.shutdown import seal
from wallet.bundles.gathering import Gathering, GatheringServices
from wallet.bundles.records import ApplicationView
from wallet.bundles.service import BundleService
from wallet.consent.records import ConsentRequest
from wallet.server import demo
from wallet.server.app import prepare_database
from wallet.server.settings import Settings
from wallet.server.wiring import Services, build_services

SUBMIT_WITHIN_DAYS = 3
DEADLINE_IN_S = 3.0


class _Later:
    """A dispatcher that runs nothing: the test runs the steps itself."""

    def start(self, application_id: str) -> None:
        return None

    def wake(self, application_id: str, topic: str) -> None:
        return None

    def cancel(self, application_id: str) -> None:
        return None


@pytest.fixture
def clock() -> RunningClock:
    return RunningClock(FIXED_NOW)


@pytest.fixture
def services(settings: Settings, clock: RunningClock) -> Iterator[Services]:
    short = tiny_bundle().model_copy(update={"submit_within_days": SUBMIT_WITHIN_DAYS})
    services = build_services(settings, clock, bundles={"tiny_bundle": short})
    prepare_database(services)
    for info in demo.sample_issuers():
        services.issuance.register_issuer(info)
    register_client(services)
    yield services
    seal(services.engine)  # disposed, and no connection for a workflow thread left running


def _request(services: Services, request_id: str) -> ConsentRequest:
    return services.consent.for_service(CLIENT_ID, request_id)


def _kinds(view: ApplicationView) -> list[str]:
    return [e.kind for e in view.timeline]


def _audited(services: Services, holder: str) -> int:
    return [e.kind for e in services.audit.entries_for(holder)].count("request_withdrawn")


def _gathering(services: Services, made: Callable[[], object] = lambda: None) -> Gathering:
    """The workflow's gathering steps, run by the test; ``made`` runs right after the
    request is made and before the application records it (the failpoint's place)."""

    def failpoint(point: str, code: str) -> None:
        if point == "after_consent_request":
            made()

    return Gathering(
        GatheringServices(
            services.bundles.store, services.bundles.definitions, services.consent,
            services.pulls, services.clients, services.verifier, services.clock, failpoint,
        )
    )  # fmt: skip


def _filed(services: Services) -> str:
    return services.bundles.create(MOTHER, "tiny_bundle", {"father": FATHER}).application.id


def test_a_cancel_while_the_parents_are_asked_takes_the_request_out_of_their_wallets(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService,
    services: Services,
) -> None:  # fmt: skip
    mint_parents(client, admin_headers)
    with running(services, {"instant": Gate()}, KeyedMinter()):
        application_id = _filed(services)
        request_id = consent_request(services, application_id)
        father = login(client, FATHER)
        assert decide(client, father, request_id).status_code == 200  # one of two
        mother = login(client, MOTHER)
        cancelled = client.post(
            f"/wallet/bundles/applications/{application_id}/cancel", headers=mother
        )
        assert cancelled.status_code == 200, cancelled.text
        # At once, not when the workflow gets round to it:
        for session in (mother, father):
            assert client.get("/wallet/consent/requests", headers=session).json() == []
        assert _request(services, request_id).stored_state == "withdrawn"
        assert decide(client, mother, request_id).status_code == 409
        view = services.bundles.view_any(application_id)
    assert view.application.state == "cancelled"
    assert _kinds(view)[-2:] == ["cancelled", "consent_withdrawn"]
    assert (_audited(services, MOTHER), _audited(services, FATHER)) == (1, 1)


def test_a_cancel_after_approval_stops_every_pull_under_the_grant(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService,
    services: Services,
) -> None:  # fmt: skip
    mint_parents(client, admin_headers)
    with running(services, {"instant": Gate()}, KeyedMinter()):
        application_id = _filed(services)
        approve(client, services, application_id)
        wait_for(services, application_id, lambda v: v.application.state == "awaiting_submit")
        grant_id = consent_request(services, application_id)
        before = _request(services, grant_id)
        assert (before.state_at(services.clock()), before.uses_left) == ("active", 2)
        services.bundles.cancel(MOTHER, application_id)
        after = _request(services, grant_id)
    assert after.stored_state == "withdrawn"
    assert services.consent.wallet.grants(MOTHER) == []
    assert services.consent.wallet.grants(FATHER) == []
    with pytest.raises(GrantRevoked), write_transaction(services.engine) as conn:
        services.consent.grant_for_pull(conn, grant_id, CLIENT_ID, services.clock())


def test_a_lapsed_application_withdraws_its_grant_in_its_last_step(
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
        clock.jump_to(filed + timedelta(days=SUBMIT_WITHIN_DAYS, seconds=-DEADLINE_IN_S))
        assert services.bundles.dispatcher is not None
        services.bundles.dispatcher.wake(application_id, SUBMIT_TOPIC)
        view = wait_for(services, application_id, lambda v: "consent_withdrawn" in _kinds(v), 15)
        outcome: str = DBOS.retrieve_workflow(application_id).get_result()  # steps recorded
        steps = step_names(application_id)
        grant = _request(services, consent_request(services, application_id))
    assert (outcome, view.application.state) == ("lapsed", "cancelled")
    assert _kinds(view)[-2:] == ["lapsed", "consent_withdrawn"]
    assert steps[-1] == "bundle.withdraw_consent", steps
    assert (grant.stored_state, grant.uses_taken) == ("withdrawn", 1)  # was active, 2 left
    assert services.consent.wallet.grants(MOTHER) == []


def test_withdrawing_again_changes_nothing_and_an_open_application_is_left_alone(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService,
    services: Services,
) -> None:  # fmt: skip
    mint_parents(client, admin_headers)
    services.bundles.use_dispatcher(_Later())
    gathering = _gathering(services)
    application_id = _filed(services)
    request_id = gathering.request_consent(application_id)
    assert request_id is not None
    assert gathering.withdraw_consent(application_id) is False  # still open: left alone
    assert _request(services, request_id).stored_state == "pending"

    services.bundles.cancel(MOTHER, application_id)  # withdraws
    for _ in range(2):  # the workflow's step, run again after a crash
        assert gathering.withdraw_consent(application_id) is False
    view = services.bundles.view_any(application_id)
    assert _kinds(view).count("consent_withdrawn") == 1
    assert (_audited(services, MOTHER), _audited(services, FATHER)) == (1, 1)
    assert _request(services, request_id).stored_state == "withdrawn"


@pytest.mark.parametrize("cancel_withdraws", [True, False], ids=["by-cancel", "by-step"])
def test_a_cancel_between_making_and_recording_the_request_still_withdraws_it(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService,
    services: Services, cancel_withdraws: bool,
) -> None:  # fmt: skip
    """The applicant cancels right after the step made the request and before it
    recorded it. The cancel withdraws it by its derived id; a cancel that could not
    (a bundle service without the consent service here) leaves it to the step, which
    withdraws it once it has recorded it."""
    mint_parents(client, admin_headers)
    services.bundles.use_dispatcher(_Later())
    canceller = (
        services.bundles
        if cancel_withdraws
        else BundleService(
            services.bundles.store, services.bundles.definitions, services.clock, _Later()
        )
    )
    application_id = _filed(services)
    gathering = _gathering(services, lambda: canceller.cancel(MOTHER, application_id))
    request_id = gathering.request_consent(application_id)
    assert request_id is not None
    assert _request(services, request_id).stored_state == "withdrawn"
    assert services.consent.wallet.pending(FATHER) == []
    view = services.bundles.view_any(application_id)
    assert view.application.state == "cancelled"
    assert _kinds(view).count("consent_withdrawn") == 1


def _race(services: Services, application_id: str, request_id: str) -> object:
    """The father approves while the mother cancels, at once: the approval's outcome."""
    barrier = threading.Barrier(2)
    outcome: dict[str, object] = {}

    def approve_now() -> None:
        barrier.wait()
        try:
            outcome["approve"] = services.consent.wallet.approve(FATHER, request_id)
        except Conflict as refused:
            outcome["approve"] = refused

    def cancel_now() -> None:
        barrier.wait()
        services.bundles.cancel(MOTHER, application_id)

    threads = [threading.Thread(target=approve_now), threading.Thread(target=cancel_now)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome.get("approve")


def test_a_cancel_racing_an_approval_leaves_no_grant_standing(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService,
    services: Services,
) -> None:  # fmt: skip
    """The father approves (the mother did already) while the mother cancels: whichever
    lands first, the application stays cancelled and the request ends withdrawn, its
    grant (if the approval made one) usable by nobody."""
    mint_parents(client, admin_headers)
    services.bundles.use_dispatcher(_Later())
    gathering = _gathering(services)
    for _ in range(4):
        application_id = _filed(services)
        request_id = gathering.request_consent(application_id)
        assert request_id is not None
        services.consent.wallet.approve(MOTHER, request_id)
        approval = _race(services, application_id, request_id)
        assert approval is not None
        assert _request(services, request_id).stored_state == "withdrawn"
        assert services.bundles.view_any(application_id).application.state == "cancelled"
        assert services.consent.wallet.grants(FATHER) == []
        assert services.consent.wallet.pending(FATHER) == []
