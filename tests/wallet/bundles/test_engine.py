"""The bundle workflow on real DBOS Transact over the test's database (SQLite, or
PostgreSQL with ELICENSE_DATABASE_URL): consent approved through the citizens' own
HTTP path, pull, verification, prefill, a conflict refused then resolved, parallel
items, completion; a rejection stopping the rest; cancel."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from issuers.errors import ApplicationClosed, FormConflict
from tests.app_fixtures import FixedClock
from tests.wallet.bundles.engine_setup import (
    FATHER,
    MOTHER,
    KeyedMinter,
    launched,
    mint_parents,
    register_client,
    tiny_bundle,
    wait_for,
)
from tests.wallet.citizens import login
from tests.wallet.consent.consent_calls import decide
from wallet.accounts.service import AccountService
from wallet.bundles.engine.shutdown import seal
from wallet.server import demo
from wallet.server.app import prepare_database
from wallet.server.settings import Settings
from wallet.server.wiring import Services, build_services


@pytest.fixture(params=["instant"])
def second_handler(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def services(settings: Settings, clock: FixedClock, second_handler: str) -> Iterator[Services]:
    services = build_services(settings, clock, bundles={"tiny_bundle": tiny_bundle(second_handler)})
    prepare_database(services)
    for info in demo.sample_issuers():
        services.issuance.register_issuer(info)
    register_client(services)
    yield services
    seal(services.engine)  # disposed, and no connection for a workflow thread left running


@pytest.fixture
def minter() -> KeyedMinter:
    return KeyedMinter()


@pytest.fixture
def runtime(services: Services, minter: KeyedMinter) -> Iterator[None]:
    # Launch 0.06-0.2 s, destroy 0.01-0.06 s (measured; not asserted: timings belong
    # in benchmarks/, and a failed assertion here left DBOS running for later tests).
    runtime = launched(services, minter)
    try:
        yield
    finally:
        runtime.destroy()


def _approved(client: TestClient, services: Services, application_id: str) -> None:
    view = wait_for(
        services, application_id, lambda v: v.application.consent_request_id is not None
    )
    request_id = view.application.consent_request_id
    assert request_id is not None
    for holder in (MOTHER, FATHER):
        response = decide(client, login(client, holder), request_id)
        assert response.status_code == 200, response.text


def test_a_full_application_runs_to_completion(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService,
    services: Services, minter: KeyedMinter, runtime: None,
) -> None:  # fmt: skip
    mint_parents(client, admin_headers, mother_address="上海市闵行区七莘路1号")
    created = services.bundles.create(MOTHER, "tiny_bundle", {"father": FATHER})
    application_id = created.application.id
    _approved(client, services, application_id)
    view = wait_for(services, application_id, lambda v: v.application.state == "awaiting_submit")
    application = view.application
    assert {(v.role, v.type_slug) for v in application.verified} == {
        ("mother", "resident_id"), ("father", "resident_id"),
    }  # fmt: skip
    assert application.form["mother_name"].value == "李娜"
    assert [c.field for c in application.conflicts] == ["address"]
    assert [w.material_zh for w in view.waived] == ["母亲身份证复印件", "父亲身份证复印件"]

    with pytest.raises(FormConflict) as refused:
        services.bundles.submit(MOTHER, application_id, {"baby_name": "林小宝"})
    assert refused.value.details == {"conflicts": ["address"], "missing": []}
    services.bundles.resolve(MOTHER, application_id, "address", "上海市闵行区七莘路1号")
    with pytest.raises(FormConflict) as missing:
        services.bundles.submit(MOTHER, application_id, {})
    assert missing.value.details == {"conflicts": [], "missing": ["baby_name"]}
    with pytest.raises(ApplicationClosed):
        services.bundles.submit(FATHER, application_id, {"baby_name": "林小宝"})
    services.bundles.submit(MOTHER, application_id, {"baby_name": "林小宝"})

    done = wait_for(services, application_id, lambda v: v.application.state == "completed")
    assert [(i.code, i.state) for i in done.items] == [
        ("one", "done"), ("two", "done"), ("three", "done"),
    ]  # fmt: skip
    assert done.items[2].facts == {"done_by": "three"}
    kinds = [(e.kind, e.item) for e in done.timeline]
    assert kinds.index(("item_started", "three")) > kinds.index(("item_done", "one"))
    assert kinds.index(("item_started", "three")) > kinds.index(("item_done", "two"))
    assert kinds[-1] == ("completed", None)
    assert sorted(minter.minted) == sorted(
        f"bundle:{application_id}:{code}:0" for code in ("one", "two", "three")
    )
    assert done.application.submitted_form == {
        "address": "上海市闵行区七莘路1号", "mother_name": "李娜", "baby_name": "林小宝",
    }  # fmt: skip


@pytest.mark.parametrize("second_handler", ["refuse"], indirect=True)
def test_a_rejected_item_stops_the_others(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService,
    services: Services, runtime: None,
) -> None:  # fmt: skip
    mint_parents(client, admin_headers)
    application_id = services.bundles.create(
        MOTHER, "tiny_bundle", {"father": FATHER}
    ).application.id
    _approved(client, services, application_id)
    wait_for(services, application_id, lambda v: v.application.state == "awaiting_submit")
    services.bundles.submit(MOTHER, application_id, {"baby_name": "林小宝"})
    done = wait_for(services, application_id, lambda v: v.application.state == "rejected")
    states = {i.code: i.state for i in done.items}
    assert states == {"one": "done", "two": "rejected", "three": "stopped"}
    assert done.application.failed_item == "two"
    assert done.application.failure_reason == "不符合办理条件"


def test_cancel_before_completion(
    client: TestClient, admin_headers: dict[str, str], accounts: AccountService,
    services: Services, runtime: None,
) -> None:  # fmt: skip
    mint_parents(client, admin_headers)
    application_id = services.bundles.create(
        MOTHER, "tiny_bundle", {"father": FATHER}
    ).application.id
    wait_for(services, application_id, lambda v: v.application.consent_request_id is not None)
    cancelled = services.bundles.cancel(MOTHER, application_id)
    assert cancelled.application.state == "cancelled"
    assert {i.state for i in cancelled.items} == {"stopped"}
    with pytest.raises(ApplicationClosed):
        services.bundles.cancel(MOTHER, application_id)
