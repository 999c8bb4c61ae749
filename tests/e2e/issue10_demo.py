"""A running ``elicense serve --demo`` for the black-box tests of issue 10 (reuse with
consent), and the calls a department's service and a citizen make against it, written
from the README alone.

One server serves a whole test module (starting one costs seconds); each test makes
its own authorisation requests, so tests do not depend on each other's order. On
PostgreSQL the module empties the session's throwaway database once before starting
the server and does not ask for ``database_url`` (which would empty it under the
running server before every test).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, MetaData, create_engine, select, text

from tests.e2e.demo_server import cli, demo_env, running_demo_server

ZHANG_WEI = "31010419900315123X"  # father, spouse of LI_NA
LI_NA = "320102199207082466"  # mother
ZHANG_HAO = "310104201605200318"  # their son, born 2016
CHEN_QIANG = "330102197801305178"  # unrelated adult
PASSWORD = "demo-password-1"
SERVICE = "newborn-bundle"
SERVICE_SECRET = "demo-newborn-bundle-secret"
PURPOSE = "新生儿出生登记：核验父母身份与婚姻关系"
ASK: dict[str, list[str]] = {
    "resident_id": ["name", "id_number"],
    "marriage": ["certificate_number", "registration_date", "party_a", "party_b"],
}
PUBLIC_SECURITY_SH = "113100000000000017"  # issues the demo resident ID cards


@dataclass
class Demo:
    """The running demo: where it serves, its directory and environment, and a client."""

    base: str
    cwd: Path
    env: dict[str, str]
    http: httpx.Client
    database_url: str
    _citizen_tokens: dict[str, str] = field(default_factory=dict)
    _service_tokens: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def admin_token(self) -> str:
        return (self.cwd / "var" / "demo-admin-token").read_text().strip()

    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"}

    def cli(self, *argv: str) -> Any:
        return cli(self.cwd, self.env, *argv)

    # -- service side -----------------------------------------------------------------
    def token_response(self, client_id: str, secret: str, **form: str) -> httpx.Response:
        return self.http.post(
            "/oauth/token",
            auth=(client_id, secret),
            data={"grant_type": "client_credentials", **form},
        )

    def service_token(self, client_id: str = SERVICE, secret: str = SERVICE_SECRET) -> str:
        key = (client_id, secret)
        if key not in self._service_tokens:
            response = self.token_response(client_id, secret)
            assert response.status_code == 200, response.text
            self._service_tokens[key] = response.json()["access_token"]
        return self._service_tokens[key]

    def ask(
        self,
        holders: dict[str, dict[str, list[str]]],
        *,
        token: str | None = None,
        purpose: str = PURPOSE,
        item: str = "birth_registration",
        expires_in: int = 86400,
        max_uses: int = 3,
    ) -> httpx.Response:
        body = {
            "holders": [{"id_number": h, "certificates": c} for h, c in holders.items()],
            "purpose": purpose,
            "bundle_item": item,
            "expires_in": expires_in,
            "max_uses": max_uses,
        }
        return self.http.post(
            "/consent/requests", json=body, headers=bearer(token or self.service_token())
        )

    def request(self, holders: dict[str, dict[str, list[str]]], **kwargs: Any) -> dict[str, Any]:
        """A created request (the service's view: id, nonce, state, counts)."""
        response = self.ask(holders, **kwargs)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def pull(
        self, grant_id: str, *, purpose: str = PURPOSE, token: str | None = None, **body: Any
    ) -> httpx.Response:
        return self.http.post(
            f"/consent/grants/{grant_id}/pull",
            json={"purpose": purpose, **body},
            headers=bearer(token or self.service_token()),
        )

    # -- citizen side -----------------------------------------------------------------
    def citizen(self, id_number: str) -> dict[str, str]:
        if id_number not in self._citizen_tokens:
            response = self.http.post(
                "/wallet/login", json={"id_number": id_number, "password": PASSWORD}
            )
            assert response.status_code == 200, response.text
            self._citizen_tokens[id_number] = response.json()["token"]
        return bearer(self._citizen_tokens[id_number])

    def approve(self, id_number: str, request_id: str, **body: Any) -> httpx.Response:
        return self.http.post(
            f"/wallet/consent/requests/{request_id}/approve",
            json=body,
            headers=self.citizen(id_number),
        )

    def approved_by_all(
        self, holders: dict[str, dict[str, list[str]]], **kwargs: Any
    ) -> dict[str, Any]:
        """A request every named holder has approved for themselves: an active grant."""
        created = self.request(holders, **kwargs)
        for holder in holders:
            response = self.approve(holder, created["id"])
            assert response.status_code == 200, response.text
        return created

    def certificate(self, id_number: str, type_slug: str) -> dict[str, Any]:
        """The citizen's own certificate of that type, in detail (fields, QR)."""
        mine = self.http.get("/wallet/certificates", headers=self.citizen(id_number)).json()
        identifier = next(c["identifier"] for c in mine if c["type"] == type_slug)
        detail: dict[str, Any] = self.http.get(
            f"/wallet/certificates/{identifier}", headers=self.citizen(id_number)
        ).json()
        return detail

    def audit(self, id_number: str) -> list[dict[str, Any]]:
        response = self.http.get("/wallet/audit", headers=self.citizen(id_number))
        assert response.status_code == 200, response.text
        entries: list[dict[str, Any]] = response.json()["entries"]
        return entries

    def web_session(self, id_number: str) -> httpx.Client:
        """A browser-like client signed in to the web wallet through its login form."""
        browser = httpx.Client(base_url=self.base, timeout=10)
        page = browser.get("/web/login")
        form_token = page.text.split('name="form_token" value="', 1)[1].split('"', 1)[0]
        signed_in = browser.post(
            "/web/login",
            data={"id_number": id_number, "password": PASSWORD, "form_token": form_token},
        )
        assert signed_in.status_code in (200, 303), signed_in.text
        return browser

    # -- the database, as an operator (or an attacker) sees it ----------------------------
    @contextmanager
    def database(self) -> Iterator[Engine]:
        engine = create_engine(self.database_url)
        try:
            yield engine
        finally:
            engine.dispose()

    def every_stored_value(self) -> str:
        """Every row of every table, as one text, to search for what must not be kept."""
        with self.database() as engine:
            tables = MetaData()
            tables.reflect(engine)
            with engine.connect() as conn:
                return "\n".join(
                    repr(tuple(row))
                    for table in tables.sorted_tables
                    for row in conn.execute(select(table))
                )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@contextmanager
def demo_for_module(
    root: Path, postgres_url: Any | None, postgres_resetter: Engine | None
) -> Iterator[Demo]:
    """A fresh ``serve --demo`` on its own database for one test module."""
    if postgres_url is None or postgres_resetter is None:
        url = f"sqlite:///{(root / 'test.db').as_posix()}"
    else:
        from tests.conftest import _EMPTY_DATABASE  # the suite's one way to empty it

        with postgres_resetter.connect() as conn:
            conn.execute(text(_EMPTY_DATABASE))
        url = postgres_url.render_as_string(hide_password=False)
    env = demo_env(url)
    with running_demo_server(root, env) as base, httpx.Client(base_url=base, timeout=15) as http:
        yield Demo(base=base, cwd=root, env=env, http=http, database_url=url)
