"""The authorisation matrix (issue 10, item 6): every route of the app, every role.

One row per (method, path) says which roles are allowed; the test sends each row's
realistic request (real objects made through the API: 张伟's requests, grants,
delegation and ID card, service X's request) as each role and checks the answer:

* allowed: the row's status; a citizen or service that is allowed on a *list* sees
  none of the other citizen's objects in it;
* denied: the guard's typed refusal. Anonymous gets 401 ``unauthorized``; a session or
  admin token on a service route 401 ``invalid_token`` (so does the disabled service);
  at the token endpoint 401 ``invalid_client`` (RFC 6749 §5.2); a page without a web
  session 303 to the login page. A citizen or service denied someone else's object
  gets exactly the answer it gets for an object that does not exist (same status, code
  and field), so a refusal never tells that the object exists.

A route without a row, or a row without a route, fails
:func:`test_every_route_has_a_row_and_every_row_a_route`: a new route is not
reachable until someone says who may call it. The rows live in
:mod:`tests.wallet.matrix_rows`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from httpx import Response

from tests.wallet.matrix_rows import ROWS, Guard, Row
from tests.wallet.roles import CITIZENS, SERVICES, Role, Surface, World, build_world
from wallet.server.wiring import Services

SURFACES = {Guard.PAGE: Surface.COOKIE, Guard.TOKEN: Surface.CLIENT}


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route the app answers, included routers flattened;
    static mounts (no methods) aside, and HEAD where GET answers it anyway."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # pragma: no cover - FastAPI before included-router contexts
        routes: list[Any] = list(app.routes)
    else:
        routes = list(iter_route_contexts(app.routes))
    found: set[tuple[str, str]] = set()
    for route in routes:
        methods = set(getattr(route, "methods", None) or ())
        path = getattr(route, "path", None)
        if not methods or not path:
            continue
        if "GET" in methods:
            methods.discard("HEAD")
        found.update((method, path) for method in methods)
    return found


def test_every_route_has_a_row_and_every_row_a_route(app: FastAPI) -> None:
    rows = [(row.method, row.path) for row in ROWS]
    assert len(rows) == len(set(rows)), "a route has two rows"
    routes = app_routes(app)
    assert ("POST", "/consent/grants/{grant_id}/pull") in routes  # discovery finds routers
    assert any(isinstance(r, APIRoute) for r in app.router.routes) or routes
    without_row = sorted(routes - set(rows))
    without_route = sorted(set(rows) - routes)
    assert not without_row, "routes without a row in tests/wallet/matrix_rows.py:\n" + "\n".join(
        f"  {m} {p}" for m, p in without_row
    )
    assert not without_route, "rows naming no route:\n" + "\n".join(
        f"  {m} {p}" for m, p in without_route
    )


def test_every_row_says_how_a_missing_object_is_asked_for_where_a_peer_is_denied() -> None:
    for row in ROWS:
        peers = CITIZENS if row.guard in (Guard.CITIZEN, Guard.PAGE) else SERVICES
        if row.guard in (Guard.CITIZEN, Guard.PAGE, Guard.SERVICE) and peers - row.allowed:
            assert row.missing is not None, f"{row.method} {row.path}: no missing-object call"
        assert row.allowed, f"{row.method} {row.path}: nobody is allowed"


def test_each_role_is_allowed_exactly_where_its_row_says(
    client: TestClient, services: Services, admin_headers: dict[str, str]
) -> None:
    world = build_world(client, services, admin_headers)
    problems: list[str] = []
    for row in ROWS:
        # Denied roles first: an allowed call may change the object (approve, revoke).
        for role in sorted(Role, key=lambda r: (r in row.allowed, r.value)):
            try:
                problem = _check(world, row, role)
            except AssertionError as exc:  # a setup call of the row failed
                problem = f"setup failed: {exc}"
            if problem:
                problems.append(f"{row.method} {row.path} as {role.value}: {problem}")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def _answer(world: World, row: Row, role: Role, *, missing: bool = False) -> Response:
    world.client.cookies.clear()  # only the role's own credentials, never a jar's
    make = row.missing if missing else row.call
    assert make is not None
    call = make(world, role)
    headers = {**world.headers(role, SURFACES.get(row.guard, Surface.BEARER)), **call.headers}
    return world.send(call, headers)


def _check(world: World, row: Row, role: Role) -> str | None:
    response = _answer(world, row, role)
    if role in row.allowed:
        if response.status_code != row.status:
            return f"allowed, expected {row.status}, got {response.status_code} {response.text}"
        private = row.guard in (Guard.CITIZEN, Guard.SERVICE, Guard.PAGE)
        if private and role not in (Role.CITIZEN_A, Role.SERVICE_X):
            leaked = [value for value in world.private if value in response.text]
            if leaked:
                return f"sees another's objects: {leaked}"
        return None
    return _check_denied(world, row, role, response)


def _check_denied(world: World, row: Row, role: Role, response: Response) -> str | None:
    guard = row.guard
    peer = (role in CITIZENS and guard in (Guard.CITIZEN, Guard.PAGE)) or (
        role in SERVICES and guard is Guard.SERVICE
    )
    if peer:
        missing = _answer(world, row, role, missing=True)
        if _shape(response) != _shape(missing, _swap_ids(response, missing)):
            return f"denied answer {_shape(response)} differs from a missing one {_shape(missing)}"
        if guard is Guard.PAGE:
            return None if response.status_code == 404 else f"expected 404, {response.status_code}"
        return _typed(response, 404, "not_found")
    if guard is Guard.PAGE:
        location = response.headers.get("location", "")
        if response.status_code == 303 and location.endswith("/web/login"):
            return None
        return f"expected 303 to /web/login, got {response.status_code} {location}"
    if guard is Guard.ADMIN_PAGE:
        location = response.headers.get("location", "")
        if response.status_code == 303 and location.endswith("/web/admin/login"):
            return None
        return f"expected 303 to /web/admin/login, got {response.status_code} {location}"
    if guard is Guard.TOKEN:
        return _oauth(response, 401, "invalid_client")
    if guard is Guard.SERVICE and role is not Role.ANONYMOUS:
        return _typed(response, 401, "invalid_token")
    return _typed(response, 401, "unauthorized")


def _shape(response: Response, swap: tuple[str, str] | None = None) -> tuple[Any, ...]:
    """What a denied answer may tell: status, and the typed error's code and field (a
    page: its status and the page itself, the missing id in it read as the real one)."""
    if response.headers.get("content-type", "").startswith("application/json"):
        error = response.json().get("error", {})
        return response.status_code, error.get("code"), error.get("field")
    text = response.text if swap is None else response.text.replace(*swap)
    return response.status_code, text


def _swap_ids(real: Response, missing: Response) -> tuple[str, str] | None:
    """(missing id, real id): the one path segment in which the two requests differ (a
    page may echo the id it was asked for: that tells nothing)."""
    ours, theirs = real.request.url.path.split("/"), missing.request.url.path.split("/")
    differ = [(b, a) for a, b in zip(ours, theirs, strict=True) if a != b]
    return differ[0] if len(differ) == 1 else None


def _typed(response: Response, status: int, code: str) -> str | None:
    if response.status_code != status:
        return f"expected {status} {code}, got {response.status_code} {response.text}"
    body = response.json()
    if set(body) != {"error"} or body["error"].get("code") != code:
        return f"expected the typed error {code}, got {body}"
    if status == 401 and not response.headers.get("www-authenticate", "").startswith("Bearer"):
        return "a 401 without a Bearer challenge"
    return None


def _oauth(response: Response, status: int, error: str) -> str | None:
    if response.status_code != status:
        return f"expected {status} {error}, got {response.status_code} {response.text}"
    body = response.json()
    if set(body) != {"error", "error_description"} or body["error"] != error:
        return f"expected the RFC 6749 §5.2 error {error}, got {body}"
    return None
