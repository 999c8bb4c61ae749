"""Steps run again (DBOS runs a step at least once) change nothing twice:

* the application's consent request: its id is derived from the application's and
  creating it is idempotent, so a step re-run after a crash between making the request
  and recording it finds the request made (the real SIGKILL case is in
  tests/e2e/test_bundle_crash.py); another service cannot take that id;
* an item whose step already recorded its decision runs no handler again, and the
  gathering step re-run after it committed says it gathered (and pulls nothing);
* a pull the grant no longer allows (a party revoked after the workflow read the
  grant) fails the application naming the refusal, instead of leaving it half-run.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from issuers.errors import InvalidInput
from issuers.status_codes import CertificateStatus
from tests.app_fixtures import FixedClock
from tests.wallet.bundles.engine_review import (
    Gate,
    consent_request,
    review_services,
    running,
    submitted,
)
from tests.wallet.bundles.engine_setup import (
    CLIENT_ID,
    FATHER,
    MOTHER,
    KeyedMinter,
    mint_parents,
    wait_for,
)
from tests.wallet.citizens import login
from tests.wallet.consent.consent_calls import decide
from wallet.accounts.service import AccountService
from wallet.bundles.engine.binding import bound
from wallet.bundles.engine.minting import IssuanceMinter
from wallet.bundles.engine.shutdown import seal
from wallet.bundles.gathering import consent_request_id
from wallet.consent.records import Requester
from wallet.consent.requests import AskedHolder, NewRequest
from wallet.server.settings import Settings
from wallet.server.wiring import Services


@pytest.fixture
def services(settings: Settings, clock: FixedClock) -> Iterator[Services]:
    services = review_services(settings, clock)
    yield services
    seal(services.engine)  # disposed, and no connection for a workflow thread left running


def _request(request_id: str) -> NewRequest:
    return NewRequest(
        holders=[AskedHolder(MOTHER, {"resident_id": ["name"]})], purpose="测试",
        bundle_item="tiny_bundle", max_uses=1, expires_in=3600, request_id=request_id,
    )  # fmt: skip


def test_a_consent_request_made_twice_under_one_id_is_made_once(services: Services) -> None:
    ours = Requester(CLIENT_ID, "测试一件事服务", frozenset({"tiny_bundle"}))
    request_id = consent_request_id("some-application-id")
    first = services.consent.create(ours, _request(request_id))
    again = services.consent.create(ours, _request(request_id))
    assert first.id == again.id == request_id
    assert [v.request.id for v in services.consent.wallet.pending(MOTHER)] == [request_id]
    theirs = Requester("another-service", "别的服务", frozenset({"tiny_bundle"}))
    with pytest.raises(InvalidInput) as taken:
        services.consent.create(theirs, _request(request_id))
    assert taken.value.field == "request_id"


class _Later:
    """A dispatcher that starts nothing: the application is filed, its workflow not run."""

    def start(self, application_id: str) -> None:
        return None

    def wake(self, application_id: str, topic: str) -> None:
        return None

    def cancel(self, application_id: str) -> None:
        return None


def test_the_workflow_adopts_the_request_a_crashed_step_made(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService,
    services: Services,
) -> None:  # fmt: skip
    """What a step re-run after a crash between making and recording the request finds:
    the request under the application's derived id, already in the parents' wallets."""
    mint_parents(client, admin_headers)
    services.bundles.use_dispatcher(_Later())
    application_id = services.bundles.create(
        MOTHER, "tiny_bundle", {"father": FATHER}
    ).application.id
    asked = {"name": ["name", "address", "id_number"]}
    made = services.consent.create(
        Requester(CLIENT_ID, "测试一件事服务", frozenset({"tiny_bundle"})),
        NewRequest(
            holders=[AskedHolder(MOTHER, {"resident_id": asked["name"]}),
                     AskedHolder(FATHER, {"resident_id": asked["name"]})],
            purpose="测试一件事（一件事一次办）", bundle_item="tiny_bundle", max_uses=3,
            expires_in=7 * 86400, request_id=consent_request_id(application_id),
        ),
    )  # fmt: skip
    with running(services, {"instant": Gate()}, KeyedMinter()) as runtime:
        runtime.start(application_id)
        recorded = consent_request(services, application_id)
    assert recorded == made.id
    assert [v.request.id for v in services.consent.wallet.pending(FATHER)] == [made.id]


def test_steps_already_done_do_nothing_again(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService,
    services: Services,
) -> None:  # fmt: skip
    mint_parents(client, admin_headers)
    gate, minter = Gate(), KeyedMinter()
    gate.opened.set()
    with running(services, {"instant": gate}, minter):
        application_id = submitted(client, services)
        done = wait_for(services, application_id, lambda v: v.application.state == "completed")
        again = bound().processing.run_item(application_id, "three")  # a re-run step
        gathered = bound().gathering.gather(application_id)  # as after a crash in it
        view = services.bundles.view_any(application_id)
    assert again == "done"
    assert gathered == "gathered"  # not "cancelled": the workflow would stop there
    assert sorted(gate.entered) == ["one", "three", "two"]  # each handler ran once
    assert view.timeline == done.timeline  # no second item_started / item_done


def test_a_pull_refused_after_approval_fails_the_application_naming_it(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService,
    services: Services,
) -> None:  # fmt: skip
    """Both parents approve while no worker runs, then the father's ID card is
    suspended: the recovered workflow reads the grant approved, and the pull refuses
    the card (certificate_not_shareable). The application fails naming it, instead of
    its workflow erroring out with the application left awaiting consent."""
    mint_parents(client, admin_headers)
    with running(services, {"instant": Gate()}, KeyedMinter()):
        application_id = services.bundles.create(
            MOTHER, "tiny_bundle", {"father": FATHER}
        ).application.id
        request_id = consent_request(services, application_id)
    for holder in (MOTHER, FATHER):  # the wake-ups are lost: no runtime
        assert decide(client, login(client, holder), request_id).status_code == 200
    card = IssuanceMinter(services.issuance).current("resident_id", FATHER)
    assert card is not None
    services.issuance.change_status(
        card[0], CertificateStatus.SUSPENDED, reason="挂失", actor="test"
    )
    with running(services, {"instant": Gate()}, KeyedMinter()):  # recovers the workflow
        view = wait_for(services, application_id, lambda v: v.application.state == "failed")
    assert view.application.failure_reason == (
        "用证授权已失效或证照已不可用（certificate_not_shareable）"
    )
    assert {i.state for i in view.items} == {"waiting"}
