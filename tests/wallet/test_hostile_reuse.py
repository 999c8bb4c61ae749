"""Reuse with consent, tried as an attacker would (issue 10): hostile bodies on every new
route, a citizen approving twice, approvals and a revocation racing, pulls racing a
revocation, and shares altered on the way. Every answer is a typed error (our
ErrorBody, or RFC 6749 §5.2 at the token endpoint), never a 500, and nothing is shared
that was not granted."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from jwcrypto.jws import InvalidJWSSignature

from issuers.crypto.base64url import b64url
from tests.helpers import ZHANG_WEI, assert_error
from tests.wallet.clients.client_calls import FORM, assertion_form, basic
from tests.wallet.consent.consent_calls import decide
from tests.wallet.consent.share_calls import (
    NONCE,
    annotation_claims,
    approve_all,
    library_payload,
    pull,
    requested,
)
from tests.wallet.roles import MISSING_ID, Role, Surface, World, build_world
from wallet.server.wiring import Services

SURROGATE = "\ud800"  # a lone surrogate: valid JSON escape, no UTF-8 encoding
SQL = "'; DROP TABLE consent_requests; --"
HUGE = 2**70
HOSTILE_STRINGS = [SURROGATE, "\x00", SQL, "𠀀" * 300, "‮ltr", " " * 50, ""]
HOSTILE_VALUES: list[Any] = [*HOSTILE_STRINGS, None, HUGE, -HUGE, 1e308, [], {}, [[]] * 50, True]


def _typed(response: Response) -> str | None:
    """None when the answer is a success or a typed error; else what is wrong."""
    if response.status_code >= 500:
        return f"{response.status_code} {response.text[:300]}"
    if response.status_code < 400:
        return None
    body = response.json()
    if set(body) == {"error", "error_description"} and response.url.path == "/oauth/token":
        return None
    if set(body) != {"error"} or not isinstance(body["error"].get("code"), str):
        return f"untyped {response.status_code} {response.text[:300]}"
    return None


def _request_body(**change: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "holders": [{"id_number": ZHANG_WEI, "certificates": {"resident_id": ["name"]}}],
        "purpose": "新生儿出生登记",
        "bundle_item": "birth_registration",
        "expires_in": 3600,
        "max_uses": 2,
    }
    body.update(change)
    return body


def _hostile_calls(world: World) -> list[tuple[str, str, Any, dict[str, str]]]:
    """(method, url, json, headers) of hostile calls on every route issue 10 added."""
    x, a = world.x_headers(), world.a_headers()
    admin = world.admin
    calls: list[tuple[str, str, Any, dict[str, str]]] = []
    pending, grant = world.pending_request(), world.grant()
    for value in HOSTILE_VALUES:
        for name in ("purpose", "bundle_item", "max_uses", "expires_in", "expires_at", "nonce",
                     "holders"):  # fmt: skip
            calls.append(("POST", "/consent/requests", _request_body(**{name: value}), x))
        holder = {"id_number": value, "certificates": {"resident_id": ["name"]}}
        calls.append(("POST", "/consent/requests", _request_body(holders=[holder]), x))
        asks = {"resident_id": [value]} if isinstance(value, str) else {"resident_id": value}
        holder = {"id_number": ZHANG_WEI, "certificates": asks}
        calls.append(("POST", "/consent/requests", _request_body(holders=[holder]), x))
        calls.append(("POST", f"/consent/grants/{grant}/pull", {"purpose": value}, x))
        wanted = [{"holder": ZHANG_WEI, "type": "resident_id", "claims": [value]}]
        calls.append(("POST", f"/consent/grants/{grant}/pull",
                      {"purpose": "新生儿出生登记", "certificates": wanted}, x))  # fmt: skip
        for verb in ("approve", "deny", "prepare"):
            calls.append(("POST", f"/wallet/consent/requests/{pending}/{verb}",
                          {"on_behalf_of": value}, a))  # fmt: skip
        calls.append(("POST", f"/wallet/consent/requests/{pending}/approve",
                      {"key_binding_signatures": {"x": value}}, a))  # fmt: skip
        calls.append(("POST", f"/wallet/consent/grants/{grant}/revoke", {"on_behalf_of": value}, a))
        delegation = {"delegate_id_number": value, "type_slug": value, "expires_at": value}
        calls.append(("POST", "/wallet/delegations", delegation, a))
        calls.append(("POST", "/admin/clients",
                      {"name": value, "uscc": value, "bundle_items": [value]}, admin))  # fmt: skip
        if isinstance(value, str):  # in a path: percent-encoded, a surrogate as CESU bytes
            value = quote(value.encode("utf-8", "surrogatepass"), safe="")
            for path in (f"/consent/requests/{value}", f"/wallet/consent/requests/{value}"):
                calls.append(("GET", path, None, x if path.startswith("/consent") else a))
            calls.append(("GET", f"/admin/clients/{value}", None, admin))
    many = [{"id_number": ZHANG_WEI, "certificates": {"resident_id": ["name"]}}] * 100
    calls.append(("POST", "/consent/requests", _request_body(holders=many), x))
    claims = {"resident_id": ["name"] * 5000}
    types = {f"type_{i}": ["name"] for i in range(2000)}
    for asks in (claims, types):
        holders = [{"id_number": ZHANG_WEI, "certificates": asks}]
        calls.append(("POST", "/consent/requests", _request_body(holders=holders), x))
    deep = json.dumps(_request_body(holders="DEEP")).replace('"DEEP"', "[" * 5000 + "]" * 5000)
    calls.append(("POST", "/consent/requests", deep, x))  # already JSON text
    signatures = {f"id-{i}": "A" * 40 for i in range(1000)}
    calls.append(("POST", f"/wallet/consent/requests/{pending}/approve",
                  {"key_binding_signatures": signatures}, a))  # fmt: skip
    return calls


def test_hostile_bodies_on_every_new_route_get_typed_errors_never_a_500(
    client: TestClient, services: Services, admin_headers: dict[str, str]
) -> None:
    world = build_world(client, services, admin_headers)
    problems = []
    for method, url, body, headers in _hostile_calls(world):
        content = body if isinstance(body, str) or body is None else json.dumps(body)
        sent = {**headers, "Content-Type": "application/json"} if content else headers
        response = client.request(method, url, content=content, headers=sent)
        problem = _typed(response)
        if problem:
            problems.append(f"{method} {url} {content and content[:120]}: {problem}")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "form",
    [
        "grant_type=client_credentials&scope=" + "%ud800",
        "grant_type=client_credentials&scope=%00",
        "grant_type=client_credentials&scope=consent:pull&scope=consent:request",
        "grant_type=client_credentials&" + "&".join(f"p{i}=1" for i in range(50)),
        "grant_type=%ff%fe",
        "grant_type=client_credentials&client_assertion=" + "a." * 2000,
        "grant_type=client_credentials&client_id=' OR 1=1 --",
    ],
)
def test_hostile_token_forms_get_rfc_6749_errors(
    client: TestClient, services: Services, admin_headers: dict[str, str], form: str
) -> None:
    world = build_world(client, services, admin_headers)
    x = world.service_roles[Role.SERVICE_X]
    response = client.post(
        "/oauth/token", content=form, headers=basic(x.client_id, x.secret) | FORM
    )
    assert response.status_code in (400, 401), response.text
    assert set(response.json()) == {"error", "error_description"}


def test_an_oversized_body_is_413_on_every_new_post(
    client: TestClient, services: Services, admin_headers: dict[str, str]
) -> None:
    world = build_world(client, services, admin_headers)
    big = json.dumps(_request_body(purpose="出" * 70_000))
    routes = {
        "/consent/requests": world.x_headers(),
        f"/consent/grants/{MISSING_ID}/pull": world.x_headers(),
        f"/wallet/consent/requests/{MISSING_ID}/approve": world.a_headers(),
        "/wallet/delegations": world.a_headers(),
        "/admin/clients": world.admin,
    }
    for url, headers in routes.items():
        response = client.post(
            url, content=big, headers={**headers, **{"Content-Type": "application/json"}}
        )
        assert_error(response, 413, "payload_too_large")


def test_sql_in_the_purpose_is_data_and_must_match_exactly(
    client: TestClient, services: Services, admin_headers: dict[str, str]
) -> None:
    world = build_world(client, services, admin_headers)
    response = client.post("/consent/requests", json=_request_body(purpose=SQL),
                           headers=world.x_headers())  # fmt: skip
    assert response.status_code == 201, response.text
    request_id = response.json()["id"]
    assert response.json()["purpose"] == SQL
    assert decide(client, world.a_headers(), request_id).status_code == 200
    assert_error(pull(client, world.x_headers(), request_id, purpose="新生儿出生登记"),
                 403, "purpose_mismatch")  # fmt: skip
    assert pull(client, world.x_headers(), request_id, purpose=SQL).status_code == 200


def test_a_citizen_approving_twice_takes_no_second_decision(
    client: TestClient, services: Services, admin_headers: dict[str, str]
) -> None:
    world = build_world(client, services, admin_headers)
    request_id = world.grant()
    again = decide(client, world.a_headers(), request_id)
    assert again.status_code == 409, again.text
    assert _typed(again) is None
    denied_after = decide(client, world.a_headers(), request_id, "deny")
    assert denied_after.status_code == 409, denied_after.text
    assert pull(client, world.x_headers(), request_id, purpose="新生儿出生登记").status_code == 200


def _race(*actions: Callable[[], Response]) -> list[Response]:
    barrier = threading.Barrier(len(actions))
    answers: list[Response | None] = [None] * len(actions)

    def run(index: int) -> None:
        barrier.wait()
        answers[index] = actions[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(answer is not None for answer in answers)
    return [answer for answer in answers if answer is not None]


def test_a_revocation_racing_an_approval_and_pulls_leaves_the_grant_revoked(
    client: TestClient, services: Services, admin_headers: dict[str, str]
) -> None:
    """张伟 approved; 李娜 approves while 张伟 revokes and the service pulls four times:
    whatever the order, every answer is typed, the grant ends revoked, and no pull
    succeeds after it."""
    world = build_world(client, services, admin_headers)
    _, service, request_id = requested(client, services, max_uses=10)
    zhang, li = world.a_headers(), {"Authorization": f"Bearer {world.sessions[Role.CITIZEN_B]}"}
    assert decide(client, zhang, request_id).status_code == 200
    answers = _race(
        lambda: decide(client, li, request_id),
        lambda: decide(client, zhang, request_id, "revoke"),
        *[lambda: pull(client, service, request_id) for _ in range(4)],
    )
    problems = [p for p in map(_typed, answers) if p]
    assert not problems, problems
    assert answers[1].status_code in (200, 409), answers[1].text
    if answers[1].status_code == 409:  # revoke before 李娜's approval: revoke again now
        assert decide(client, zhang, request_id, "revoke").status_code == 200
    state = client.get(f"/consent/requests/{request_id}", headers=service).json()["state"]
    assert state == "revoked"
    assert_error(pull(client, service, request_id), 403, "grant_revoked")
    for answer in answers[2:]:
        assert answer.status_code in (200, 403, 409), answer.text


def test_parallel_approvals_by_both_spouses_both_count(
    client: TestClient, services: Services, admin_headers: dict[str, str]
) -> None:
    world = build_world(client, services, admin_headers)
    _, service, request_id = requested(client, services)
    li = {"Authorization": f"Bearer {world.sessions[Role.CITIZEN_B]}"}
    answers = _race(lambda: decide(client, world.a_headers(), request_id),
                    lambda: decide(client, li, request_id))  # fmt: skip
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    body = client.get(f"/consent/requests/{request_id}", headers=service).json()
    assert (body["approved"], body["parties"]) == (2, 2)
    assert pull(client, service, request_id).status_code == 200


def test_an_altered_share_or_annotation_does_not_verify(
    client: TestClient, services: Services, admin_headers: dict[str, str]
) -> None:
    """The service verifies by itself: a Disclosure swapped for a made-up one, a KB-JWT
    moved to another audience, an annotation with an edited purpose all fail."""
    build_world(client, services, admin_headers)
    client_id, service, request_id = requested(client, services)
    approve_all(client, request_id)
    share = pull(client, service, request_id).json()["shares"][0]
    sd_jwt, annotation = share["sd_jwt"], share["annotation"]
    assert library_payload(client, sd_jwt, aud=client_id, nonce=NONCE)
    parts = sd_jwt.split("~")
    forged = "WyJzYWx0IiwgIm5hbWUiLCAi546L5LqUIl0"  # ["salt", "name", "王五"]
    with pytest.raises(Exception):  # noqa: B017, PT011 - the library raises plain Exception
        library_payload(client, "~".join([parts[0], forged, *parts[2:]]), aud=client_id,
                        nonce=NONCE)  # fmt: skip
    with pytest.raises(Exception):  # noqa: B017, PT011
        library_payload(client, sd_jwt, aud="another-service", nonce=NONCE)
    head, payload, signature = annotation.split(".")
    claims = annotation_claims(client, annotation)
    claims["purpose"] = "任意用途"
    edited = b64url(json.dumps(claims, ensure_ascii=False).encode())
    with pytest.raises(InvalidJWSSignature):
        annotation_claims(client, f"{head}.{edited}.{signature}")
    assert payload != edited


def test_holders_and_ids_of_another_kind_are_not_found_alike(
    client: TestClient, services: Services, admin_headers: dict[str, str]
) -> None:
    """A grant id handed to the citizen routes as a delegation id, a delegation id as a
    grant, a request id of one service to another: each 404 not_found, as a missing id."""
    world = build_world(client, services, admin_headers)
    grant, delegation = world.grant(), world.delegation()
    li = {"Authorization": f"Bearer {world.sessions[Role.CITIZEN_B]}"}
    calls = [
        (f"/wallet/delegations/{grant}/revoke", world.a_headers()),
        (f"/wallet/consent/grants/{delegation}/revoke", world.a_headers()),
        (f"/wallet/delegations/{delegation}/revoke", li),
        (f"/wallet/consent/grants/{grant}/revoke", li),
    ]
    for url, headers in calls:
        assert_error(client.post(url, headers=headers), 404, "not_found")


def test_an_id_holding_nul_names_nothing_on_every_route_and_page(
    client: TestClient, services: Services, admin_headers: dict[str, str]
) -> None:
    """PostgreSQL refuses NUL in a text parameter (an error, not "no row"): a NUL in a
    URL's id must be a typed 404/422 (a page: the not-found page), never a 500."""
    world = build_world(client, services, admin_headers)
    x, a, page = world.x_headers(), world.a_headers(), world.headers(Role.CITIZEN_A, Surface.COOKIE)
    form = {"csrf_token": world.csrf(Role.CITIZEN_A)}
    nul = "abc%00def"
    calls: list[tuple[str, str, dict[str, str], dict[str, str] | None]] = [
        ("GET", f"/consent/requests/{nul}", x, None),
        ("POST", f"/consent/grants/{nul}/pull", x, None),
        ("GET", f"/wallet/consent/requests/{nul}", a, None),
        ("POST", f"/wallet/consent/requests/{nul}/approve", a, None),
        ("POST", f"/wallet/consent/requests/{nul}/deny", a, None),
        ("POST", f"/wallet/consent/requests/{nul}/prepare", a, None),
        ("POST", f"/wallet/consent/grants/{nul}/revoke", a, None),
        ("POST", f"/wallet/delegations/{nul}/revoke", a, None),
        ("GET", f"/admin/clients/{nul}", world.admin, None),
        ("POST", f"/admin/clients/{nul}/disable", world.admin, None),
        ("POST", f"/admin/clients/{nul}/rotate-secret", world.admin, None),
        ("GET", f"/web/consent/{nul}", page, None),
        ("POST", f"/web/consent/{nul}/approve", page, form),
        ("POST", f"/web/grants/{nul}/revoke", page, form),
        ("POST", f"/web/delegations/{nul}/revoke", page, form),
        ("GET", f"/web/certificates/{nul}", page, None),
    ]
    problems = []
    for method, url, headers, data in calls:
        client.cookies.clear()
        body = None if data is not None or method == "GET" else {"purpose": "新生儿出生登记"}
        response = client.request(method, url, headers=headers, json=body, data=data)
        if response.status_code not in (404, 422) or (
            url.startswith("/web/") is False and _typed(response) is not None
        ):
            problems.append(f"{method} {url}: {response.status_code} {response.text[:200]}")
    assert not problems, "\n".join(problems)
    for pair in (("svc\x00x", "secret"), ("x", "se\x00cret")):
        response = client.post(
            "/oauth/token", content="grant_type=client_credentials", headers=basic(*pair) | FORM
        )
        assert response.status_code == 401, response.text
        assert response.json()["error"] == "invalid_client"
    claims = {"iss": "svc\x00x", "sub": "svc\x00x", "aud": "x", "exp": 2**31, "jti": "j"}
    segments = [{"alg": "EdDSA", "typ": "JWT"}, claims]
    unsigned = ".".join(b64url(json.dumps(part).encode()) for part in segments) + ".AAAA"
    response = client.post(
        "/oauth/token", content=urlencode(assertion_form(unsigned)), headers=FORM
    )
    assert response.status_code in (400, 401), response.text
    assert set(response.json()) == {"error", "error_description"}
