"""What the engine's review tests share (waits, cancel, idempotency, concurrency): the
tiny bundle's services with handlers the test chooses (a gate a test opens, a counter),
the runtime launched over them, and the steps of an application up to submission.
Not a test module."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from dbos import DBOS
from fastapi.testclient import TestClient

from issuers.clock import Clock
from tests.helpers import PUBLIC_SECURITY
from tests.wallet.bundles.engine_setup import (
    FATHER,
    MOTHER,
    KeyedMinter,
    register_client,
    tiny_bundle,
    wait_for,
)
from tests.wallet.citizens import login
from tests.wallet.consent.consent_calls import decide
from wallet.bundles.engine import WorkflowRuntime
from wallet.bundles.engine.setup import RuntimeParts, build_runtime
from wallet.bundles.handlers.base import Handler, ItemContext, ItemOutcome, Minter
from wallet.server import demo
from wallet.server.app import prepare_database
from wallet.server.settings import Settings
from wallet.server.wiring import Services, build_services

GATE_TIMEOUT_S = 20.0


class Gate:
    """A handler that mints once the test opens the gate, and says who it has seen."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.entered: list[str] = []

    def __call__(self, context: ItemContext, minter: Minter) -> ItemOutcome:
        self.entered.append(context.item.code)
        assert self.opened.wait(GATE_TIMEOUT_S), "the test never opened the gate"
        minted = minter.mint(
            context.mint_key(0), "resident_id", PUBLIC_SECURITY,
            {"holder": context.holders["mother"]},
        )  # fmt: skip
        return ItemOutcome(minted=[minted], facts={}, note_zh="准予")


def review_services(settings: Settings, clock: Clock) -> Services:
    services = build_services(settings, clock, bundles={"tiny_bundle": tiny_bundle()})
    prepare_database(services)
    for info in demo.sample_issuers():
        services.issuance.register_issuer(info)
    register_client(services)
    return services


@contextmanager
def running(
    services: Services, handlers: Mapping[str, Handler], minter: KeyedMinter, **options: Any
) -> Iterator[WorkflowRuntime]:
    parts = RuntimeParts(
        services.settings.resolved_database_url, services.bundles, handlers, minter,
        services.consent, services.pulls, services.clients, services.verifier, services.clock,
    )  # fmt: skip
    runtime = build_runtime(parts, poll_seconds=0.05, **options)
    runtime.launch()
    try:
        yield runtime
    finally:
        runtime.destroy()


def consent_request(services: Services, application_id: str) -> str:
    view = wait_for(
        services, application_id, lambda v: v.application.consent_request_id is not None
    )
    request_id = view.application.consent_request_id
    assert request_id is not None
    return request_id


def approve(client: TestClient, services: Services, application_id: str) -> None:
    request_id = consent_request(services, application_id)
    for holder in (MOTHER, FATHER):
        response = decide(client, login(client, holder), request_id)
        assert response.status_code == 200, response.text


def submitted(client: TestClient, services: Services) -> str:
    """File, approve and submit the tiny bundle's application; its id."""
    application_id = services.bundles.create(
        MOTHER, "tiny_bundle", {"father": FATHER}
    ).application.id
    approve(client, services, application_id)
    wait_for(services, application_id, lambda v: v.application.state == "awaiting_submit")
    services.bundles.submit(MOTHER, application_id, {"baby_name": "林小宝"})
    return application_id


def step_names(workflow_id: str) -> list[str]:
    return [str(step["function_name"]) for step in DBOS.list_workflow_steps(workflow_id)]
