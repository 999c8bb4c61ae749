"""What ``GET /status/{uscc}/{n}`` serves: signed by the key the database says is active,
whichever process changed it, and fresh by its own ``iat`` when it leaves the server.

Two apps on one database stand for the server and the ``elicense keys`` CLI (another
process): the key changes through one, the list is read through the other, which had
a signed copy cached from before.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from issuers.crypto.keys import VerifyingKey, b64url
from issuers.formats import cose_sign1, jws
from issuers.formats.status_list_token import verify_jwt
from issuers.store import publication
from issuers.trust import TrustAnchor, TrustListKeyResolver, verify_trust_list
from tests.app_fixtures import FixedClock
from tests.helpers import client_for, mint
from wallet.server.app import services_of
from wallet.server.settings import Settings

ZJ_TRANSPORT = "11330000000000003M"
STATUS_PATH = f"/status/{ZJ_TRANSPORT}/1"
STATUS_URI = f"http://127.0.0.1:8000{STATUS_PATH}"


@pytest.fixture
def other(settings: Settings, clock: FixedClock) -> Iterator[TestClient]:
    """A second app on the same database: another process (the CLI, another worker)."""
    yield from client_for(settings, clock)


def signing_kid(client: TestClient, form: str) -> str:
    if form == "cwt":
        body = client.get(STATUS_PATH, headers={"Accept": "application/statuslist+cwt"})
        assert body.status_code == 200, body.text
        return b64url(cose_sign1.decode(body.content).kid)
    body = client.get(STATUS_PATH)
    assert body.status_code == 200, body.text
    kid: str = jws.parse(body.text).header["kid"]
    return kid


def key_states(client: TestClient, clock: FixedClock) -> dict[str, str]:
    """The Zhejiang transport department's keys by kid (the province lists others too)."""
    anchors = {a["region_code"]: a for a in client.get("/trust/anchors").json()}
    listed = verify_trust_list(
        client.get("/trust/lists/330000").text,
        anchors=[TrustAnchor(VerifyingKey.from_jwk(anchors["330000"]["jwk"]), "330000")],
        now=clock.now,
    )
    return {
        key.kid: key.state
        for entry in listed.issuers
        if entry.info.uscc == ZJ_TRANSPORT
        for key in entry.keys
    }


@pytest.mark.parametrize("form", ["jwt", "cwt"])
@pytest.mark.parametrize("change", ["compromise", "rotate"])
def test_a_key_change_in_another_process_reaches_the_served_list_at_once(
    app: FastAPI,
    client: TestClient,
    other: TestClient,
    admin_headers: dict[str, str],
    clock: FixedClock,
    form: str,
    change: str,
) -> None:
    minted: dict[str, Any] = mint(client, admin_headers, "road_transport_permit")
    old_kid = minted["kid"]
    assert signing_kid(other, form) == old_kid  # the other process now holds a signed copy
    clock.now += timedelta(seconds=1)

    issuance = services_of(app).issuance  # the CLI's process, not the one that serves `other`
    if change == "compromise":
        issuance.compromise_key(old_kid)
    else:
        issuance.rotate_key(ZJ_TRANSPORT)
    states = key_states(other, clock)
    [active] = [kid for kid, state in states.items() if state == "active"]
    assert active != old_kid

    assert signing_kid(other, form) == active
    assert signing_kid(client, form) == active


def test_a_served_list_is_fresh_by_its_own_iat_for_most_of_its_ttl(
    client: TestClient, admin_headers: dict[str, str], clock: FixedClock
) -> None:
    mint(client, admin_headers, "road_transport_permit")
    limit = publication.STATUS_LIST_TTL_SECONDS // 5  # a fetched copy keeps 4/5 of its ttl
    anchors = {a["region_code"]: a for a in client.get("/trust/anchors").json()}
    keys = TrustListKeyResolver(
        [
            verify_trust_list(
                client.get("/trust/lists/330000").text,
                anchors=[TrustAnchor(VerifyingKey.from_jwk(anchors["330000"]["jwk"]), "330000")],
                now=clock.now,
            )
        ]
    )
    start = clock.now
    for step in range(0, 2 * publication.STATUS_LIST_TTL_SECONDS, 7):
        clock.now = start + timedelta(seconds=step)
        response = client.get(STATUS_PATH)
        token = verify_jwt(response.text, keys=keys, now=clock.now, expected_uri=STATUS_URI)
        assert token.ttl == publication.STATUS_LIST_TTL_SECONDS
        age = (clock.now - token.issued_at).total_seconds()
        assert 0 <= age <= limit, (step, age)
        # A cache in between (a CDN) must not hold it longer than that either.
        cache_control = response.headers["cache-control"]
        max_age = int(cache_control.split("max-age=")[1].split(",")[0])
        assert age + max_age <= limit, cache_control


def test_one_signed_copy_is_kept_per_list_and_form(
    app: FastAPI, client: TestClient, admin_headers: dict[str, str], clock: FixedClock
) -> None:
    """Copies of older versions and kids are replaced, not piled up."""
    for _ in range(4):
        minted = mint(client, admin_headers, "road_transport_permit")
        client.get(STATUS_PATH)
        response = client.post(
            f"/issuers/{ZJ_TRANSPORT}/certificates/{minted['identifier']}/status",
            json={"status": "03", "reason": "撤销"},
            headers=admin_headers,
        )
        assert response.status_code == 200, response.text
        services_of(app).issuance.rotate_key(ZJ_TRANSPORT)
        client.get(STATUS_PATH)
        client.get(STATUS_PATH, headers={"Accept": "application/statuslist+cwt"})
    assert len(services_of(app).publication._signed) == 2


def test_caches_in_between_keep_both_forms_and_follow_a_key_change_as_fast(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    """A CDN keys a status list on Accept (JWT and CWT share one URL), and holds the
    trust list no longer than a status list: after a compromise or rotation, the status
    lists the new key signs must not meet a cached trust list that lacks the key."""
    mint(client, admin_headers, "road_transport_permit")
    status = client.get(STATUS_PATH)
    assert "accept" in status.headers["vary"].lower()
    trust = client.get("/trust/lists/330000")
    max_age = int(trust.headers["cache-control"].split("max-age=")[1].split(",")[0])
    assert max_age <= publication.STATUS_LIST_RESIGN_SECONDS
