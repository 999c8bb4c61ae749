"""The rows of the authorisation matrix: one per (method, path) of the app.

Not a test module (``tests/wallet/test_authorisation_matrix.py`` runs the rows). Each
row names its guard (who the route authenticates: nobody, the issuer administrator, a
citizen's session, a service's access token, a web page's session cookie, a service's
client credentials), the roles allowed, the realistic request (``call``, making fresh
objects where the call changes them) and, where a peer (the other citizen, the other
service) is denied an object, the same request for an object that does not exist
(``missing``), whose answer the peer's must equal.

Adding a route means adding its row here: the matrix test fails until then.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from issuers.crypto.keys import SigningKey
from issuers.formats.qr_image import render_png
from tests.helpers import (
    CHEN_QIANG,
    LI_NA,
    PASSWORDS,
    PUBLIC_SECURITY,
    ZHANG_WEI,
    form_token,
    mint,
    sample,
)
from tests.wallet.citizens import device_body
from tests.wallet.clients.client_calls import FORM
from tests.wallet.roles import (
    ALL_ROLES,
    CITIZEN_CODES,
    CITIZENS,
    MISSING_ID,
    PURPOSE,
    SERVICES,
    Call,
    Role,
    World,
    missing_certificate,
)

TRANSPORT = "11330000000000003M"  # 浙江省交通运输厅 (网约车驾驶员证)


class Guard(enum.Enum):
    PUBLIC = "anyone"
    ADMIN = "issuer admin token"
    CITIZEN = "citizen session (Bearer)"
    SERVICE = "service access token (Bearer)"
    PAGE = "citizen web session (cookie)"
    TOKEN = "service client credentials (RFC 6749 §2.3)"
    ADMIN_PAGE = "issuer admin token (operator page cookie or Bearer)"


Make = Callable[[World, Role], Call]


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    guard: Guard
    allowed: frozenset[Role]
    call: Make
    status: int = 200
    missing: Make | None = None


A = frozenset({Role.CITIZEN_A})
X = frozenset({Role.SERVICE_X})
ADMIN = frozenset({Role.ADMIN})


def public(method: str, path: str, url: str, status: int = 200, **body: Any) -> Row:
    """A route anyone may call: the same request, whoever sends it."""
    return Row(method, path, Guard.PUBLIC, ALL_ROLES, lambda _w, _r: Call(method, url, **body),
               status)  # fmt: skip


def on_object(
    method: str,
    path: str,
    guard: Guard,
    allowed: frozenset[Role],
    make: Callable[[World], str],
    missing: Callable[[], str] = lambda: MISSING_ID,
    *,
    status: int = 200,
    json: object = None,
    form: bool = False,
    tail: str | None = None,
) -> Row:
    """A route on one object (its id fills the path's first placeholder, ``tail`` the
    rest when given): ``make`` makes the object (fresh when the call may change it),
    ``missing`` names none. ``form``: an HTML form post with the role's CSRF token."""
    head, _, rest = path.partition("{")
    end = rest.partition("}")[2] if tail is None else tail

    def call(world: World, role: Role) -> Call:
        data = {"csrf_token": world.csrf(role)} if form else None
        return Call(method, head + make(world) + end, json=json, data=data)

    def absent(world: World, role: Role) -> Call:
        data = {"csrf_token": world.csrf(role)} if form else None
        return Call(method, head + missing() + end, json=json, data=data)

    return Row(method, path, guard, allowed, call, status, absent)


def route(
    method: str, path: str, guard: Guard, allowed: frozenset[Role], status: int = 200,
    **body: Any,
) -> Row:  # fmt: skip
    """A route on no particular object."""
    return Row(method, path, guard, allowed, lambda _w, _r: Call(method, path, **body), status)


# --- calls that need the world ----------------------------------------------------------


def _status_lists_entry(world: World) -> str:
    uri = str(world.client.get("/status/lists").json()[0]["uri"])
    return "/" + uri.split("://", 1)[1].split("/", 1)[1]


def _inspector_post(world: World, _role: Role) -> Call:
    token = form_token(world.client.get("/inspector"))  # the form cookie lands in the jar
    return Call("POST", "/inspector", data={"payload": world.qr, "form_token": token})


def _web_login_post(world: World, _role: Role) -> Call:
    token = form_token(world.client.get("/web/login"))
    data = {"id_number": ZHANG_WEI, "password": PASSWORDS[ZHANG_WEI], "form_token": token}
    return Call("POST", "/web/login", data=data)


def _web_logout(world: World, role: Role) -> Call:
    """A citizen ends a fresh web session of their own (the world's stays)."""
    if role not in CITIZENS:
        return Call("POST", "/web/logout", data={"csrf_token": "none"})
    code = CITIZEN_CODES[role]
    issued = world.services.accounts.login(code, PASSWORDS[code], "web")
    cookie = f"elicense_session={issued.token}; elicense_csrf={issued.csrf_token}"
    return Call("POST", "/web/logout", data={"csrf_token": str(issued.csrf_token)},
                headers={"Cookie": cookie})  # fmt: skip


def _api_logout(world: World, role: Role) -> Call:
    if role not in CITIZENS:
        return Call("POST", "/wallet/logout")
    token = world.fresh_session(role)
    return Call("POST", "/wallet/logout", headers={"Authorization": f"Bearer {token}"})


def _holder_key_put(world: World, role: Role) -> Call:
    """A phone's key with its proof for this citizen's session (others replay 张伟's)."""
    who = role if role in CITIZENS else Role.CITIZEN_A
    headers = {"Authorization": f"Bearer {world.sessions[who]}"}
    body = device_body(headers, SigningKey.generate(), CITIZEN_CODES[who])
    return Call("PUT", "/wallet/holder-key", json=body)


def _mint(world: World, _role: Role) -> Call:
    item = sample("resident_id")
    return Call("POST", f"/issuers/{PUBLIC_SECURITY}/certificates",
                json={"type": "resident_id", "fields": item["fields"]})  # fmt: skip


def _status_change(world: World, _role: Role) -> Call:
    identifier = mint(world.client, world.admin, "ride_hailing_driver")["identifier"]
    return Call("POST", f"/issuers/{TRANSPORT}/certificates/{identifier}/status",
                json={"status": "02", "reason": "调查中"})  # fmt: skip


def _new_request(world: World, _role: Role) -> Call:
    body = {
        "holders": [{"id_number": LI_NA, "certificates": {"resident_id": ["name"]}}],
        "purpose": PURPOSE,
        "bundle_item": "birth_registration",
        "expires_in": 3600,
        "max_uses": 1,
    }
    return Call("POST", "/consent/requests", json=body)


def _new_delegation(world: World, _role: Role) -> Call:
    expires = (world.services.clock() + timedelta(days=7)).isoformat()
    body = {"delegate_id_number": CHEN_QIANG, "type_slug": "resident_id", "expires_at": expires}
    return Call("POST", "/wallet/delegations", json=body)


def _web_delegation(world: World, role: Role) -> Call:
    last_day = (world.services.clock() + timedelta(days=7)).date().isoformat()
    data = {
        "csrf_token": world.csrf(role),
        "delegate_id_number": CHEN_QIANG,
        "type_slug": "resident_id",
        "bundle_item": "birth_registration",
        "last_day": last_day,
    }
    return Call("POST", "/web/delegations", data=data)


def _new_client(world: World, _role: Role) -> Call:
    body = {
        "name": "医保中心",
        "uscc": PUBLIC_SECURITY,
        "bundle_items": ["medical_insurance_enrolment"],
    }
    return Call("POST", "/admin/clients", json=body)


def _token(_world: World, _role: Role) -> Call:
    return Call("POST", "/oauth/token", content="grant_type=client_credentials", headers=FORM)


def _admin_login_post(world: World, _role: Role) -> Call:
    token = form_token(world.client.get("/web/admin/login"))
    admin = world.admin["Authorization"].removeprefix("Bearer ")
    return Call("POST", "/web/admin/login", data={"token": admin, "form_token": token})


def _bundle_application(world: World, state: str = "awaiting_submit") -> str:
    """An application of 张伟's (the newborn bundle's father), put straight in the store."""
    from wallet.bundles.records import FieldValue, FormConflictEntry, NewApplication
    from wallet.bundles.store import BundleStore

    store = BundleStore(world.services.engine)
    app_id = f"matrix-{state}-{len(world.private)}"
    new = NewApplication(app_id, "newborn", 1, ZHANG_WEI, {"father": ZHANG_WEI}, (),
                         world.services.clock(), ("birth_registration",))  # fmt: skip
    on_card = FieldValue("甲", "father.resident_id.address")
    clash = FormConflictEntry(
        "address", (on_card, FieldValue("乙", "father.household_register.address"))
    )
    with store.writing() as conn:
        store.insert_application(conn, new)
        store.set_form(conn, app_id, {"address": on_card}, [clash])
        store.set_state(conn, app_id, state)
    world.private.add(app_id)
    return app_id


def _bundle_post(verb: str, state: str, **data: str) -> Make:
    def call(world: World, role: Role) -> Call:
        body = {"csrf_token": world.csrf(role), **data}
        return Call("POST", f"/web/bundles/{_bundle_application(world, state)}/{verb}", data=body)

    return call


def _bundle_post_missing(verb: str, **data: str) -> Make:
    def call(world: World, role: Role) -> Call:
        body = {"csrf_token": world.csrf(role), **data}
        return Call("POST", f"/web/bundles/{MISSING_ID}/{verb}", data=body)

    return call


def _bundle_start(world: World, role: Role) -> Call:
    """No mother named: refused (422) before anything starts."""
    return Call("POST", "/web/bundles", data={"csrf_token": world.csrf(role), "bundle": "newborn"})


def _bundle_api_post(verb: str, state: str, body: dict[str, str] | None = None) -> Make:
    def call(world: World, _role: Role) -> Call:
        app_id = _bundle_application(world, state)
        return Call("POST", f"/wallet/bundles/applications/{app_id}/{verb}", json=body)

    return call


def _bundle_api_missing(verb: str, body: dict[str, str] | None = None) -> Make:
    def call(_world: World, _role: Role) -> Call:
        return Call("POST", f"/wallet/bundles/applications/{MISSING_ID}/{verb}", json=body)

    return call


def _bundle_create(_world: World, _role: Role) -> Call:
    """No mother named: refused (422) before anything starts."""
    return Call("POST", "/wallet/bundles/newborn/applications", json={"holders": {}})


RESOLVE = {"field": "address", "value": "乙"}
PULL = {"purpose": PURPOSE}

ROWS: tuple[Row, ...] = (
    # --- public: anyone, whatever credentials it sends ---------------------------------
    public("GET", "/openapi.json", "/openapi.json"),
    public("GET", "/healthz", "/healthz"),
    public("GET", "/readyz", "/readyz"),
    public("GET", "/", "/"),
    public("GET", "/docs", "/docs"),
    Row("POST", "/verify", Guard.PUBLIC, ALL_ROLES,
        lambda w, _r: Call("POST", "/verify", json={"qr": w.qr})),
    Row("POST", "/verify/image", Guard.PUBLIC, ALL_ROLES,
        lambda w, _r: Call("POST", "/verify/image",
                           files={"image": ("qr.png", render_png(w.qr), "image/png")})),
    public("POST", "/codes/check", "/codes/check",
           json={"kind": "resident_id", "value": ZHANG_WEI}),
    public("POST", "/wallet/login", "/wallet/login",
           json={"id_number": LI_NA, "password": PASSWORDS[LI_NA]}),
    public("GET", "/platform/jwks", "/platform/jwks"),
    public("GET", "/audit/checkpoints", "/audit/checkpoints"),
    public("GET", "/issuers", "/issuers"),
    public("GET", "/issuers/{uscc}", f"/issuers/{PUBLIC_SECURITY}"),
    public("GET", "/issuers/{uscc}/jwks.json", f"/issuers/{PUBLIC_SECURITY}/jwks.json"),
    public("GET", "/catalogue", "/catalogue"),
    public("GET", "/bundles", "/bundles"),
    public("GET", "/bundles/{code}", "/bundles/newborn"),
    public("GET", "/catalogue/{type_ref}", "/catalogue/resident_id"),
    public("GET", "/trust/anchors", "/trust/anchors"),
    public("GET", "/trust/lists/{region}", "/trust/lists/310000"),
    public("GET", "/status/lists", "/status/lists"),
    Row("GET", "/status/{uscc}/{list_number}", Guard.PUBLIC, ALL_ROLES,
        lambda w, _r: Call("GET", _status_lists_entry(w))),
    public("GET", "/.well-known/jwt-vc-issuer/issuers/{uscc}",
           f"/.well-known/jwt-vc-issuer/issuers/{PUBLIC_SECURITY}"),
    public("GET", "/inspector", "/inspector"),
    public("GET", "/favicon.ico", "/favicon.ico"),
    Row("POST", "/inspector", Guard.PUBLIC, ALL_ROLES, _inspector_post),
    public("GET", "/web/login", "/web/login"),
    Row("POST", "/web/login", Guard.PUBLIC, ALL_ROLES, _web_login_post, 303),
    # --- the issuer administrator -----------------------------------------------------------
    Row("POST", "/issuers/{uscc}/certificates", Guard.ADMIN, ADMIN, _mint, 201),
    Row("POST", "/issuers/{uscc}/certificates/{identifier}/status", Guard.ADMIN, ADMIN,
        _status_change),
    Row("POST", "/admin/clients", Guard.ADMIN, ADMIN, _new_client, 201),
    route("GET", "/admin/clients", Guard.ADMIN, ADMIN),
    route("GET", "/metrics", Guard.ADMIN, ADMIN),  # or ELICENSE_METRICS_TOKEN (test_metrics)
    on_object("GET", "/admin/clients/{client_id}", Guard.ADMIN, ADMIN,
              lambda w: w.service_roles[Role.SERVICE_X].client_id),
    on_object("POST", "/admin/clients/{client_id}/disable", Guard.ADMIN, ADMIN,
              lambda w: w.new_client()),
    on_object("POST", "/admin/clients/{client_id}/rotate-secret", Guard.ADMIN, ADMIN,
              lambda w: w.new_client()),
    Row("GET", "/admin/bundles/{code}/report", Guard.ADMIN, ADMIN,
        lambda _w, _r: Call("GET", "/admin/bundles/newborn/report")),
    Row("GET", "/admin/bundles/{code}/report.svg", Guard.ADMIN, ADMIN,
        lambda _w, _r: Call("GET", "/admin/bundles/newborn/report.svg")),
    # --- the operator's pages: the admin page cookie, or the admin bearer token -------------
    public("GET", "/web/admin/login", "/web/admin/login"),
    Row("POST", "/web/admin/login", Guard.PUBLIC, ALL_ROLES, _admin_login_post, 303),
    public("POST", "/web/admin/logout", "/web/admin/logout", 303),
    Row("GET", "/web/admin/bundles", Guard.ADMIN_PAGE, ADMIN,
        lambda _w, _r: Call("GET", "/web/admin/bundles")),
    Row("GET", "/web/admin/bundles/{code}/report", Guard.ADMIN_PAGE, ADMIN,
        lambda _w, _r: Call("GET", "/web/admin/bundles/newborn/report")),
    Row("GET", "/web/admin/bundles/{code}/report.svg", Guard.ADMIN_PAGE, ADMIN,
        lambda _w, _r: Call("GET", "/web/admin/bundles/newborn/report.svg")),
    Row("GET", "/web/admin/bundles/{code}/report.json", Guard.ADMIN_PAGE, ADMIN,
        lambda _w, _r: Call("GET", "/web/admin/bundles/newborn/report.json")),
    # --- services: an access token, and only their own objects ------------------------------
    Row("POST", "/oauth/token", Guard.TOKEN, SERVICES, _token),
    Row("POST", "/consent/requests", Guard.SERVICE, SERVICES, _new_request, 201),
    on_object("GET", "/consent/requests/{request_id}", Guard.SERVICE, X,
              lambda w: w.pending_request()),
    on_object("POST", "/consent/requests/{request_id}/withdraw", Guard.SERVICE, X,
              lambda w: w.pending_request()),
    on_object("POST", "/consent/grants/{grant_id}/pull", Guard.SERVICE, X,
              lambda w: w.grant(), json=PULL),
    # --- citizens: a session, and only their own objects ------------------------------------
    route("GET", "/wallet/me", Guard.CITIZEN, CITIZENS),
    route("GET", "/wallet/certificates", Guard.CITIZEN, CITIZENS),
    on_object("GET", "/wallet/certificates/{identifier}", Guard.CITIZEN, A,
              lambda w: w.a_certificate(), missing_certificate),
    on_object("POST", "/wallet/certificates/{identifier}/presentation", Guard.CITIZEN, A,
              lambda w: w.a_certificate(), missing_certificate),
    route("GET", "/wallet/audit", Guard.CITIZEN, CITIZENS),
    route("GET", "/wallet/consent/requests", Guard.CITIZEN, CITIZENS),
    on_object("GET", "/wallet/consent/requests/{request_id}", Guard.CITIZEN, A,
              lambda w: w.pending_request()),
    on_object("POST", "/wallet/consent/requests/{request_id}/approve", Guard.CITIZEN, A,
              lambda w: w.pending_request()),
    on_object("POST", "/wallet/consent/requests/{request_id}/deny", Guard.CITIZEN, A,
              lambda w: w.pending_request()),
    route("GET", "/wallet/consent/grants", Guard.CITIZEN, CITIZENS),
    on_object("POST", "/wallet/consent/grants/{grant_id}/revoke", Guard.CITIZEN, A,
              lambda w: w.grant()),
    Row("POST", "/wallet/delegations", Guard.CITIZEN, CITIZENS, _new_delegation, 201),
    route("GET", "/wallet/delegations", Guard.CITIZEN, CITIZENS),
    on_object("POST", "/wallet/delegations/{delegation_id}/revoke", Guard.CITIZEN, A,
              lambda w: w.delegation()),
    Row("POST", "/wallet/bundles/{code}/applications", Guard.CITIZEN, CITIZENS,
        _bundle_create, 422),
    route("GET", "/wallet/bundles/applications", Guard.CITIZEN, CITIZENS),
    on_object("GET", "/wallet/bundles/applications/{application_id}", Guard.CITIZEN, A,
              lambda w: _bundle_application(w)),
    Row("POST", "/wallet/bundles/applications/{application_id}/resolve", Guard.CITIZEN, A,
        _bundle_api_post("resolve", "awaiting_submit", RESOLVE), 200,
        _bundle_api_missing("resolve", RESOLVE)),
    # Submitting a form already submitted, cancelling a completed application: refused
    # (409) for the applicant, 404 (as a missing one) for anyone else.
    Row("POST", "/wallet/bundles/applications/{application_id}/submit", Guard.CITIZEN, A,
        _bundle_api_post("submit", "processing"), 409, _bundle_api_missing("submit")),
    Row("POST", "/wallet/bundles/applications/{application_id}/cancel", Guard.CITIZEN, A,
        _bundle_api_post("cancel", "completed"), 409, _bundle_api_missing("cancel")),
    # --- the citizen's pages: a web session cookie ------------------------------------------
    route("GET", "/web/", Guard.PAGE, CITIZENS),
    on_object("GET", "/web/certificates/{identifier}", Guard.PAGE, A,
              lambda w: w.a_certificate(), missing_certificate),
    on_object("GET", "/web/certificates/{identifier}/show", Guard.PAGE, A,
              lambda w: w.a_certificate(), missing_certificate),
    Row("POST", "/web/logout", Guard.PAGE, CITIZENS, _web_logout, 303),
    route("GET", "/web/audit", Guard.PAGE, CITIZENS),
    route("GET", "/web/consent", Guard.PAGE, CITIZENS),
    on_object("GET", "/web/consent/{request_id}", Guard.PAGE, A, lambda w: w.pending_request()),
    on_object("POST", "/web/consent/{request_id}/{verb}", Guard.PAGE, A,
              lambda w: w.pending_request(), status=303, form=True, tail="/approve"),
    route("GET", "/web/grants", Guard.PAGE, CITIZENS),
    on_object("POST", "/web/grants/{grant_id}/revoke", Guard.PAGE, A, lambda w: w.grant(),
              status=303, form=True),
    route("GET", "/web/delegations", Guard.PAGE, CITIZENS),
    Row("POST", "/web/delegations", Guard.PAGE, CITIZENS, _web_delegation, 303),
    on_object("POST", "/web/delegations/{delegation_id}/revoke", Guard.PAGE, A,
              lambda w: w.delegation(), status=303, form=True),
    route("GET", "/web/bundles", Guard.PAGE, CITIZENS),
    Row("POST", "/web/bundles", Guard.PAGE, CITIZENS, _bundle_start, 422),
    on_object("GET", "/web/bundles/{application_id}", Guard.PAGE, A,
              lambda w: _bundle_application(w)),
    Row("POST", "/web/bundles/{application_id}/resolve", Guard.PAGE, A,
        _bundle_post("resolve", "awaiting_submit", **RESOLVE), 303,
        _bundle_post_missing("resolve", **RESOLVE)),
    # Submitting a form already submitted, cancelling a completed application: refused
    # (409) for the applicant, the 404 page for anyone else.
    Row("POST", "/web/bundles/{application_id}/submit", Guard.PAGE, A,
        _bundle_post("submit", "processing"), 409, _bundle_post_missing("submit")),
    Row("POST", "/web/bundles/{application_id}/cancel", Guard.PAGE, A,
        _bundle_post("cancel", "completed"), 409, _bundle_post_missing("cancel")),
    # --- last: these change the citizen's session or holder key -----------------------------
    Row("GET", "/wallet/holder-key", Guard.CITIZEN, CITIZENS,
        lambda _w, _r: Call("GET", "/wallet/holder-key")),
    Row("PUT", "/wallet/holder-key", Guard.CITIZEN, CITIZENS, _holder_key_put),
    # 张伟's key is on a phone now: the device's first step of an approval
    on_object("POST", "/wallet/consent/requests/{request_id}/prepare", Guard.CITIZEN, A,
              lambda w: w.pending_request(), json={}),
    route("DELETE", "/wallet/holder-key", Guard.CITIZEN, CITIZENS),
    Row("POST", "/wallet/logout", Guard.CITIZEN, CITIZENS, _api_logout, 204),
)  # fmt: skip

__all__ = ["ROWS", "Guard", "Row"]
