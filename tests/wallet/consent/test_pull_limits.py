"""A grant's limits at pull time: expiry, the use count under parallel pulls, and a
certificate revoked after approval."""

from __future__ import annotations

import threading
from datetime import timedelta

from fastapi.testclient import TestClient

from issuers.status_codes import CertificateStatus
from tests.app_fixtures import FixedClock
from tests.helpers import assert_error
from tests.wallet.consent.share_calls import approve_all, mint_spouses, pull, requested
from wallet.accounts.service import AccountService
from wallet.server.wiring import Services


def test_a_pull_after_expiry_is_refused(
    client: TestClient,
    services: Services,
    admin_headers: dict[str, str],
    accounts: AccountService,
    clock: FixedClock,
) -> None:
    mint_spouses(client, admin_headers)
    _, service, grant_id = requested(
        client, services, expires_in=240
    )  # within the token's 5 minutes
    approve_all(client, grant_id)
    clock.now += timedelta(minutes=3, seconds=59)
    assert pull(client, service, grant_id).status_code == 200
    clock.now += timedelta(minutes=1)
    assert_error(pull(client, service, grant_id), 403, "grant_expired")


def test_parallel_pulls_never_take_more_than_max_uses(
    client: TestClient,
    services: Services,
    admin_headers: dict[str, str],
    accounts: AccountService,
) -> None:
    mint_spouses(client, admin_headers)
    _, service, grant_id = requested(client, services, max_uses=2)
    approve_all(client, grant_id)
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def one() -> None:
        response = pull(client, service, grant_id)
        code = "ok" if response.status_code == 200 else response.json()["error"]["code"]
        with lock:
            answers.append((response.status_code, code))

    threads = [threading.Thread(target=one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [(200, "ok")] * 2 + [(403, "grant_exhausted")] * 4
    assert_error(pull(client, service, grant_id), 403, "grant_exhausted")


def test_a_certificate_revoked_after_approval_is_never_shared(
    client: TestClient,
    services: Services,
    admin_headers: dict[str, str],
    accounts: AccountService,
) -> None:
    minted = mint_spouses(client, admin_headers)
    _, service, grant_id = requested(client, services)
    approve_all(client, grant_id)
    services.issuance.change_status(
        minted["marriage"], CertificateStatus.REVOKED, reason="test", actor="test"
    )
    refused = pull(client, service, grant_id)
    body = assert_error(refused, 403, "certificate_not_shareable")
    assert body["details"]["status"] == "03"
    assert "sd_jwt" not in refused.text
    assert_error(pull(client, service, grant_id), 403, "certificate_not_shareable")
    seen = client.get(f"/consent/requests/{grant_id}", headers=service).json()
    assert seen["uses_taken"] == 0
