"""The whole OpenAPI under schemathesis' own engine, every phase and every check.

tests/wallet/server/test_schemathesis.py fuzzes each operation alone (positive and
negative, 30 examples, random ids). This test runs what ``st run`` runs, in process
over ASGI: the examples, coverage (boundary values, missing required headers and
parameters, unexpected methods), fuzzing and stateful phases (sequences that feed one
response's ids into the next request), with every check schemathesis has:
``not_a_server_error``, ``status_code_conformance``, ``content_type_conformance``,
``response_schema_conformance``, ``response_headers_conformance``,
``positive_data_acceptance``, ``negative_data_rejection``, ``missing_required_header``,
``unsupported_method``, ``allow_header_conformance``, ``use_after_free``,
``ensure_resource_availability``, ``ignored_auth`` and ``object_level_authorization``.
Only ``max_response_time`` stays off: timings are the benchmarks' business.

Each operation runs with the credentials it needs, against a world where they mean
something: the citizen 张伟's session on ``/wallet/*`` (he holds an ID card and a
marriage certificate, approved one consent request and has another pending); a service
client's access token (both scopes) on ``/consent/*``, whose request became a grant, so
a pull reaches the grant's checks; that client's HTTP Basic credentials at
``/oauth/token``; the admin token elsewhere. Path ids are pinned to those real ids
(``grant_id``, ``request_id``, ``identifier``, ``client_id``), so generated bodies reach
the logic behind the lookups; the per-operation test covers unknown ids.

Budget: ``max-examples`` :data:`MAX_EXAMPLES` per operation and phase, stateful runs of
:data:`MAX_STEPS` steps, deterministic generation: 70 s on 2 shared cores (SQLite).
``ELICENSE_FUZZ_API_EXAMPLES`` and ``ELICENSE_FUZZ_API_STEPS`` raise them for a deeper
run.
"""

from __future__ import annotations

import base64
import os
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from schemathesis.engine import Status, events, from_schema

from tests.app_fixtures import TEST_ADMIN_TOKEN
from tests.helpers import PUBLIC_SECURITY, ZHANG_WEI
from tests.wallet.citizens import login, mint
from tests.wallet.clients.client_calls import add_basic_client
from tests.wallet.consent.share_calls import approve_all, mint_spouses, requested
from tests.wallet.server.test_schemathesis import (
    HTTP_METHODS,
    NEGATIVE_REJECTION_STATUSES,
    SPEC,
    STRICTER_THAN_SCHEMA,
)
from wallet.accounts.service import AccountService
from wallet.server.wiring import Services

MAX_EXAMPLES = int(os.environ.get("ELICENSE_FUZZ_API_EXAMPLES", "8"))
MAX_STEPS = int(os.environ.get("ELICENSE_FUZZ_API_STEPS", "12"))
ADMIN = {"Authorization": f"Bearer {TEST_ADMIN_TOKEN}"}


@dataclass(frozen=True)
class World:
    citizen: dict[str, str]
    spare_session: dict[str, str]  # 张伟's second session: the one logout ends
    service: dict[str, str]
    basic: dict[str, str]
    ids: dict[str, str]  # path parameter name -> a real value
    revocable: str  # a certificate nothing else uses: the status route may revoke it


# Operations that take a client away (disable, a new secret) run against a client of
# their own; the stateful phase, which would feed them the ids GET /admin/clients lists
# (the very clients whose credentials the run uses), leaves them out.
TAKES_A_CLIENT_AWAY = {
    ("POST", "/admin/clients/{client_id}/disable"),
    ("POST", "/admin/clients/{client_id}/rotate-secret"),
}


def make_world(client: TestClient, services: Services, admin: dict[str, str]) -> World:
    """张伟 and 李娜's cards and marriage; a service's request both approved (a grant)
    and a second one pending; a Basic client; 张伟's session."""
    minted = mint_spouses(client, admin)
    _, service, grant_id = requested(client, services)
    sessions = approve_all(client, grant_id)
    _, _, pending_id = requested(client, services, name="医保登记服务")
    secret = add_basic_client(services.clients, "fuzz-basic")
    pair = base64.b64encode(f"fuzz-basic:{secret}".encode()).decode()
    add_basic_client(services.clients, "fuzz-admin-target")
    return World(
        citizen=sessions[ZHANG_WEI],
        spare_session=login(client, ZHANG_WEI),
        service=service,
        basic={"Authorization": f"Basic {pair}"},
        ids={
            "grant_id": grant_id,
            "request_id": pending_id,
            "identifier": minted[f"resident_id:{ZHANG_WEI}"],
            "uscc": PUBLIC_SECURITY,
            "client_id": "fuzz-admin-target",
        },
        revocable=mint(client, admin, "household_register"),
    )


def headers_for(path: str, world: World) -> dict[str, str]:
    if path == "/wallet/logout":
        return world.spare_session
    if path.startswith("/wallet/") and path != "/wallet/login":
        return world.citizen
    if path == "/oauth/token":
        return world.basic
    if path.startswith("/consent/"):
        return world.service
    return ADMIN


def operation_configs(world: World) -> list[dict[str, Any]]:
    """One entry per operation: its credentials, its path ids pinned to real ones, and
    positive_data_acceptance off where the operation is stricter than its schema
    (reasons in test_schemathesis.py)."""
    configs = []
    for path, item in SPEC["paths"].items():
        for method in item:
            if method not in HTTP_METHODS:
                continue
            entry: dict[str, Any] = {
                # The label: include-path and include-method would match either.
                "include-name": f"{method.upper()} {path}",
                "headers": headers_for(path, world),
            }
            if (method.upper(), path) in STRICTER_THAN_SCHEMA:
                entry["checks"] = {"positive_data_acceptance": {"enabled": False}}
            ids = dict(world.ids)
            if path.endswith("/status"):
                ids["identifier"] = world.revocable
            pinned = {name: value for name, value in ids.items() if f"{{{name}}}" in path}
            if pinned:
                # A pinned value replaces whatever was generated, a schema-violating one
                # too: negative_data_rejection would then blame the API for accepting
                # the real id. So these run positive only; test_schemathesis.py sends
                # them schema-violating input with random ids.
                entry["parameters"] = {f"path.{name}": value for name, value in pinned.items()}
                entry["generation"] = {"mode": "positive"}
            if (method.upper(), path) in TAKES_A_CLIENT_AWAY:
                entry["phases"] = {"stateful": {"enabled": False}}
            configs.append(entry)
    return configs


def config_for(world: World) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
            },
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": True, "max-steps": MAX_STEPS},
            },
            "checks": {
                "enabled": True,
                "negative_data_rejection": {"expected-statuses": NEGATIVE_REJECTION_STATUSES},
            },
            "operations": operation_configs(world),
        }
    )


@dataclass
class Outcome:
    failures: list[str]
    errors: list[str]
    statuses: Counter[str]
    phases: dict[str, str]


def run_engine(schema: Any) -> Outcome:
    outcome = Outcome([], [], Counter(), {})
    for event in from_schema(schema).execute():
        if isinstance(event, events.PhaseFinished):
            outcome.phases[event.phase.name.value] = event.status.value if event.status else "-"
        elif isinstance(event, events.ScenarioFinished):
            _collect(event, outcome)
        elif isinstance(event, events.NonFatalError | events.FatalError):
            outcome.errors.append(f"{type(event).__name__}: {event.info}")
    return outcome


def _collect(event: events.ScenarioFinished, outcome: Outcome) -> None:
    for interaction in event.recorder.interactions.values():
        if interaction.response is not None:
            label = f"{interaction.request.method} {interaction.response.status_code}"
            outcome.statuses[label] += 1
    if event.status is not Status.FAILURE:
        return
    for checks in event.recorder.checks.values():
        for check in checks:
            if check.failure_info is None:
                continue
            failure = check.failure_info.failure
            message = f"[{event.phase.value}] {event.label}: {check.name}: {failure.title}"
            message += f"\n    {failure.message[:400]}\n    {check.failure_info.code_sample}"
            if message not in outcome.failures:
                outcome.failures.append(message)


@pytest.mark.slow
def test_the_whole_api_under_every_check(
    app: FastAPI, client: TestClient, services: Services, accounts: AccountService
) -> None:
    world = make_world(client, services, ADMIN)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config_for(world))
    outcome = run_engine(schema)
    report = "\n".join([*outcome.errors, *outcome.failures])
    assert not outcome.errors, report
    assert not outcome.failures, report
    # Every phase ran (a phase skipped for want of links would prove nothing).
    assert set(outcome.phases) >= {"examples", "coverage", "fuzzing", "stateful"}, outcome.phases
    # The credentials got generated requests past authentication.
    assert sum(n for label, n in outcome.statuses.items() if label.endswith(" 200")) > 50
