"""The roles of the authorisation matrix and the world they act in.

Not a test module: ``tests/wallet/test_authorisation_matrix.py`` imports it. A
:class:`World` is one app with real objects made through the API: 张伟 (citizen A) and
李娜 (citizen B) with their certificates, services X and Y (each with a token), a
service whose client was disabled after it took its token, and the issuer
administrator. Each role sends its own credentials: a citizen's API session (or, on the
HTML pages, its web session cookies), a service's access token (or, at the token
endpoint, its HTTP Basic credentials), the admin token; anonymous sends nothing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from issuers.catalogue import get_type
from issuers.codes import build_identifier
from tests.app_fixtures import TEST_ADMIN_TOKEN
from tests.helpers import CHEN_QIANG, LI_NA, PASSWORDS, PUBLIC_SECURITY, ZHANG_WEI, mint
from tests.wallet.clients.client_calls import basic
from tests.wallet.consent.consent_calls import NEWBORN_ITEMS, decide, made
from tests.wallet.consent.share_calls import mint_spouses
from wallet.server.wiring import Services
from wallet.web.cookies import CSRF_COOKIE, SESSION_COOKIE


class Role(enum.Enum):
    ANONYMOUS = "anonymous"
    CITIZEN_A = "citizen A (张伟)"
    CITIZEN_B = "citizen B (李娜)"
    SERVICE_X = "service X"
    SERVICE_Y = "service Y"
    DISABLED_SERVICE = "disabled service"
    ADMIN = "issuer admin"


ALL_ROLES = frozenset(Role)
CITIZENS = frozenset({Role.CITIZEN_A, Role.CITIZEN_B})
SERVICES = frozenset({Role.SERVICE_X, Role.SERVICE_Y})
CITIZEN_CODES = {Role.CITIZEN_A: ZHANG_WEI, Role.CITIZEN_B: LI_NA}
ASK_A = {ZHANG_WEI: {"resident_id": ["name", "id_number"]}}
PURPOSE = "新生儿出生登记"


class Surface(enum.Enum):
    """How a role shows who it is on a route."""

    BEARER = "bearer"  # Authorization: Bearer (session, access token or admin token)
    COOKIE = "cookie"  # the HTML pages: a citizen's web session cookies
    CLIENT = "client"  # POST /oauth/token: a service's HTTP Basic credentials


@dataclass(frozen=True)
class Call:
    """One request, without the role's credentials (the matrix adds them)."""

    method: str
    url: str
    json: Any = None
    data: dict[str, str] | None = None
    content: str | None = None
    files: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class ServiceRole:
    client_id: str
    secret: str
    token: str


@dataclass
class World:
    """One app with real objects, and every role's credentials."""

    client: TestClient
    services: Services
    admin: dict[str, str]
    certificates: dict[str, str]
    sessions: dict[Role, str]
    web_sessions: dict[Role, tuple[str, str]]
    service_roles: dict[Role, ServiceRole]
    qr: str = ""  # a QR credential anyone may verify (陈强's 网约车驾驶员证)
    private: set[str] = field(default_factory=set)  # 张伟's object ids: no peer sees them

    # --- credentials ------------------------------------------------------------------

    def headers(self, role: Role, surface: Surface) -> dict[str, str]:
        if role is Role.ANONYMOUS:
            return {}
        if surface is Surface.COOKIE and role in CITIZENS:
            token, csrf = self.web_sessions[role]
            return {"Cookie": f"{SESSION_COOKIE}={token}; {CSRF_COOKIE}={csrf}"}
        if surface is Surface.CLIENT and role in self.service_roles:
            found = self.service_roles[role]
            return basic(found.client_id, found.secret)
        return {"Authorization": f"Bearer {self.bearer(role)}"}

    def csrf(self, role: Role) -> str:
        """The CSRF token of this citizen's web session; a stranger's guess otherwise."""
        return self.web_sessions[role][1] if role in CITIZENS else "not-a-csrf-token"

    def bearer(self, role: Role) -> str:
        if role in CITIZENS:
            return self.sessions[role]
        if role is Role.ADMIN:
            return TEST_ADMIN_TOKEN
        return self.service_roles[role].token

    def fresh_session(self, role: Role) -> str:
        """Another API session of this citizen (for the routes that end one)."""
        issued = self.services.accounts.login(CITIZEN_CODES[role], PASSWORDS[CITIZEN_CODES[role]])
        return issued.token

    def send(self, call: Call, headers: dict[str, str]) -> Response:
        return self.client.request(
            call.method,
            call.url,
            json=call.json,
            data=call.data,
            content=call.content,
            files=call.files,
            headers={**call.headers, **headers},
            follow_redirects=False,
        )

    # --- objects ----------------------------------------------------------------------

    def x_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.service_roles[Role.SERVICE_X].token}"}

    def a_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.sessions[Role.CITIZEN_A]}"}

    def pending_request(self) -> str:
        """A new request of service X naming citizen A only."""
        request_id = made(self.client, self.x_headers(), ASK_A, nonce="matrix-nonce")
        self.private.add(request_id)
        return request_id

    def grant(self) -> str:
        """A new request of service X that citizen A approved."""
        request_id = self.pending_request()
        response = decide(self.client, self.a_headers(), request_id)
        assert response.status_code == 200, response.text
        return request_id

    def delegation(self) -> str:
        """A new delegation of 张伟's ID card to 陈强 (a third citizen). The same one may
        stand only once (409), so those made before are revoked first."""
        for standing in self.services.consent.delegations.of(ZHANG_WEI):
            if standing.delegate_code == CHEN_QIANG and standing.bundle_item is not None:
                self.services.consent.delegations.revoke(ZHANG_WEI, standing.id)
        response = self.client.post(
            "/wallet/delegations",
            json={
                "delegate_id_number": CHEN_QIANG,
                "type_slug": "resident_id",
                "bundle_item": "birth_registration",
                "expires_at": (self.services.clock() + timedelta(days=30)).isoformat(),
            },
            headers=self.a_headers(),
        )
        assert response.status_code == 201, response.text
        delegation_id: str = response.json()["id"]
        self.private.add(delegation_id)
        return delegation_id

    def new_client(self) -> str:
        client, _ = self.services.clients.add(
            "临时服务", PUBLIC_SECURITY, ("birth_registration",), "client_secret_basic"
        )
        return client.client_id

    def a_certificate(self) -> str:
        """张伟's own ID card (李娜 holds no copy of it)."""
        return self.certificates[f"resident_id:{ZHANG_WEI}"]


def missing_certificate() -> str:
    """A well-formed identifier no certificate has."""
    return build_identifier(get_type("resident_id").type_code, PUBLIC_SECURITY, 987654)


MISSING_ID = "nOsUcHoBjEcT-" + "x" * 19  # the shape of a token_urlsafe(24) id


def build_world(client: TestClient, services: Services, admin: dict[str, str]) -> World:
    """Register the citizens, mint the spouses' certificates, add the services."""
    for code, name in {ZHANG_WEI: "张伟", LI_NA: "李娜", CHEN_QIANG: "陈强"}.items():
        services.accounts.register(code, name, PASSWORDS[code])
    certificates = mint_spouses(client, admin)
    sessions = {role: services.accounts.login(code, PASSWORDS[code]).token
                for role, code in CITIZEN_CODES.items()}  # fmt: skip
    web_sessions: dict[Role, tuple[str, str]] = {}
    for role, code in CITIZEN_CODES.items():
        issued = services.accounts.login(code, PASSWORDS[code], "web")
        assert issued.csrf_token is not None
        web_sessions[role] = (issued.token, issued.csrf_token)
    service_roles = {
        role: _service(services, name)
        for role, name in (
            (Role.SERVICE_X, "服务X"),
            (Role.SERVICE_Y, "服务Y"),
            (Role.DISABLED_SERVICE, "已停用服务"),
        )
    }
    services.clients.disable(service_roles[Role.DISABLED_SERVICE].client_id)
    world = World(client, services, admin, certificates, sessions, web_sessions, service_roles)
    world.private.add(world.a_certificate())
    world.qr = mint(client, admin, "ride_hailing_driver")["qr"]
    return world


def _service(services: Services, name: str) -> ServiceRole:
    client, secret = services.clients.add(
        name, PUBLIC_SECURITY, NEWBORN_ITEMS, "client_secret_basic"
    )
    assert secret is not None
    token = services.clients.token(
        "client_credentials", "consent:request consent:pull", basic=(client.client_id, secret)
    )
    return ServiceRole(client.client_id, secret, token.access_token)


__all__ = [
    "ALL_ROLES",
    "CITIZENS",
    "CITIZEN_CODES",
    "MISSING_ID",
    "PURPOSE",
    "SERVICES",
    "Call",
    "Role",
    "Surface",
    "World",
    "build_world",
    "missing_certificate",
]
