"""GET /metrics: who may read it, and that real requests move the counters.

Every scrape is parsed with prometheus-client's own parser. Requests, verdicts, mints
and pulls go through the app over HTTP (SQLite, or PostgreSQL with
ELICENSE_DATABASE_URL); the bundle items run on real DBOS; the queue depth is read
from DBOS's tables with nothing running the queue. Several workers:
``tests/e2e/test_metrics_workers.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import cbor2
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from issuers.formats import qr_envelope
from issuers.formats.qr_image import render_png
from tests.app_fixtures import FixedClock
from tests.helpers import PASSWORDS, PEOPLE, PUBLIC_SECURITY, form_token, mint
from tests.wallet.bundles.engine_setup import (
    FATHER,
    HANDLERS,
    MOTHER,
    KeyedMinter,
    mint_parents,
    register_client,
    tiny_bundle,
    wait_for,
)
from tests.wallet.citizens import login
from tests.wallet.consent.consent_calls import decide
from tests.wallet.consent.share_calls import approve_all, mint_spouses, pull, requested
from wallet.accounts.service import AccountService
from wallet.bundles.engine import migrate_system_database
from wallet.bundles.engine.setup import RuntimeParts, build_runtime
from wallet.bundles.engine.shutdown import seal
from wallet.server import demo
from wallet.server.app import create_app, prepare_database
from wallet.server.settings import Settings
from wallet.server.wiring import Services, build_services
from wallet.server.workflows import dispatch_to_workers

METRICS_TOKEN = "metrics-token-for-tests-0123456789"  # TEST TOKEN
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: TestClient, token: str) -> Samples:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain;")
    return parsed(response.text)


def parsed(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def admin(admin_headers: dict[str, str]) -> str:
    return admin_headers["Authorization"].removeprefix("Bearer ")


def test_only_the_metrics_or_the_admin_token_reads_it(
    settings: Settings, clock: FixedClock, admin: str
) -> None:
    services = build_services(
        settings.model_copy(update={"metrics_token": SecretStr(METRICS_TOKEN)}), clock
    )
    prepare_database(services)
    with TestClient(create_app(services=services, prepare=False)) as client:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic eDp5"}):
            response = client.get("/metrics", headers=headers)
            assert response.status_code == 401, response.text
            assert response.json()["error"]["code"] == "unauthorized"
        scrape(client, METRICS_TOKEN)
        scrape(client, admin)
        openmetrics = client.get(
            "/metrics",
            headers={"Authorization": f"Bearer {admin}", "Accept": "application/openmetrics-text"},
        )
        assert openmetrics.headers["content-type"].startswith("application/openmetrics-text")
        assert openmetrics.text.endswith("# EOF\n")
    services.engine.dispose()


def test_requests_are_counted_by_route_template_never_the_raw_path(
    client: TestClient, admin: str
) -> None:
    for _ in range(3):
        assert client.get(f"/issuers/{PUBLIC_SECURITY}").status_code == 200
    assert client.head("/healthz").status_code == 200
    assert client.get("/no/such/path/31010419900315123X").status_code == 404
    assert client.get("/static/web/no-such.css").status_code == 404
    assert client.get("/openapi.json").status_code == 200
    text = client.get("/metrics", headers={"Authorization": f"Bearer {admin}"}).text
    samples = parsed(text)
    requests = "elicense_http_requests_total"
    assert value(samples, requests, method="GET", route="/issuers/{uscc}", status="200") == 3
    assert value(samples, requests, method="GET", route="/healthz", status="200") == 1
    assert value(samples, requests, method="GET", route="unmatched", status="404") == 1
    assert value(samples, requests, method="GET", route="/static/web/{path}", status="404") == 1
    assert value(samples, requests, method="GET", route="/openapi.json", status="200") == 1
    duration = "elicense_http_request_duration_seconds_count"
    assert value(samples, duration, method="GET", route="/issuers/{uscc}") == 3
    assert PUBLIC_SECURITY not in text
    assert "31010419900315123X" not in text


def test_verdicts_are_counted_by_channel_and_code(
    client: TestClient, admin_headers: dict[str, str], admin: str
) -> None:
    qr = mint(client, admin_headers, "resident_id")["qr"]
    protected, unprotected, payload, signature = cbor2.loads(qr_envelope.unwrap(qr)).value
    forged = bytes([signature[0] ^ 1]) + signature[1:]
    tampered = qr_envelope.wrap(
        cbor2.dumps(cbor2.CBORTag(18, [protected, unprotected, payload, forged]))
    )
    for text in (qr, qr, tampered):
        assert client.post("/verify", json={"qr": text}).status_code == 200
    image = {"image": ("qr.png", render_png(tampered), "image/png")}
    assert client.post("/verify/image", files=image).status_code == 200
    token = form_token(client.get("/inspector"))
    page = client.post("/inspector", data={"payload": qr, "form_token": token})
    assert page.status_code == 200
    samples = scrape(client, admin)
    verdicts = "elicense_verdicts_total"
    assert value(samples, verdicts, channel="api", code="valid") == 2
    assert value(samples, verdicts, channel="api", code="signature_invalid") == 1
    assert value(samples, verdicts, channel="image", code="signature_invalid") == 1
    assert value(samples, verdicts, channel="inspector", code="valid") == 1
    minted = "elicense_certificates_minted_total"
    assert value(samples, minted, type="resident_id", province="310000") == 1


def test_pulls_and_consent_decisions_are_counted(
    client: TestClient,
    services: Services,
    admin_headers: dict[str, str],
    accounts: AccountService,
    admin: str,
) -> None:
    mint_spouses(client, admin_headers)
    _, service, grant_id = requested(client, services)
    approve_all(client, grant_id)
    assert pull(client, service, grant_id).status_code == 200
    assert pull(client, service, grant_id, purpose="another purpose").status_code == 403
    samples = scrape(client, admin)
    assert value(samples, "elicense_pulls_total", outcome="ok") == 1
    assert value(samples, "elicense_pulls_total", outcome="purpose_mismatch") == 1
    decisions = "elicense_consent_decisions_total"
    assert value(samples, decisions, state="pending") == 1  # the first spouse's
    assert value(samples, decisions, state="approved") == 1
    assert value(samples, "elicense_certificates_minted_total", type="marriage", province="310000")


@pytest.fixture
def bundle_services(settings: Settings, clock: FixedClock) -> Iterator[Services]:
    services = build_services(settings, clock, bundles={"tiny_bundle": tiny_bundle("refuse")})
    prepare_database(services)
    for info in demo.sample_issuers():
        services.issuance.register_issuer(info)
    register_client(services)
    yield services
    seal(services.engine)


@pytest.fixture
def bundle_client(bundle_services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services=bundle_services, prepare=False)) as client:
        yield client


def test_a_real_bundle_run_counts_its_items_and_the_queues_drain(
    bundle_client: TestClient,
    bundle_services: Services,
    admin_headers: dict[str, str],
    admin: str,
) -> None:
    services = bundle_services
    for id_number in (MOTHER, FATHER):
        services.accounts.register(id_number, PEOPLE[id_number], PASSWORDS[id_number])
    mint_parents(bundle_client, admin_headers)
    parts = RuntimeParts(
        services.settings.resolved_database_url, services.bundles, HANDLERS, KeyedMinter(),
        services.consent, services.pulls, services.clients, services.verifier, services.clock,
        metrics=services.metrics,
    )  # fmt: skip
    runtime = build_runtime(parts, poll_seconds=0.05)
    runtime.launch()
    try:
        created = services.bundles.create(MOTHER, "tiny_bundle", {"father": FATHER})
        application_id = created.application.id
        asked = wait_for(services, application_id, lambda v: bool(v.application.consent_request_id))
        for holder in (MOTHER, FATHER):
            session = login(bundle_client, holder)
            response = decide(bundle_client, session, asked.application.consent_request_id or "")
            assert response.status_code == 200, response.text
        wait_for(services, application_id, lambda v: v.application.state == "awaiting_submit")
        services.bundles.submit(MOTHER, application_id, {"baby_name": "林小宝"})
        wait_for(services, application_id, lambda v: v.application.state == "rejected")
    finally:
        runtime.destroy()
    samples = scrape(bundle_client, admin)
    items = "elicense_bundle_items_total"
    for item, event in (("one", "started"), ("one", "succeeded"), ("two", "started")):
        assert value(samples, items, bundle="tiny_bundle", item=item, event=event) == 1
    assert value(samples, items, bundle="tiny_bundle", item="two", event="rejected") == 1
    assert value(samples, items, bundle="tiny_bundle", item="three", event="started") == 0
    assert value(samples, "elicense_pulls_total", outcome="ok") == 1  # the gathering's
    depth = "elicense_bundle_queue_depth"
    for queue in ("bundle_applications", "bundle_items"):
        for status in ("ENQUEUED", "PENDING"):
            assert (depth, frozenset({("queue", queue), ("status", status)})) in samples
            assert value(samples, depth, queue=queue, status=status) == 0


def test_the_queue_depth_counts_what_no_worker_has_taken(
    bundle_services: Services, admin_headers: dict[str, str], admin: str
) -> None:
    services = bundle_services
    migrate_system_database(services.settings.resolved_database_url)
    client_dispatcher = dispatch_to_workers(services)  # no worker runs the queues
    try:
        with TestClient(create_app(services=services, prepare=False)) as client:
            mint_parents(client, admin_headers)
            for _ in range(2):
                services.bundles.create(MOTHER, "tiny_bundle", {"father": FATHER})
            samples = scrape(client, admin)
    finally:
        client_dispatcher.close()
    depth = "elicense_bundle_queue_depth"
    assert value(samples, depth, queue="bundle_applications", status="ENQUEUED") == 2
    assert value(samples, depth, queue="bundle_items", status="ENQUEUED") == 0
