"""Seed the pull benchmark through the real HTTP API, as a department and two citizens would.

benchmarks/pull_bench.py calls these against ``elicense serve --demo`` (which already
holds the sample issuers, citizens and certificates): the admin registers one service
client and mints 李娜's ID card (the demo has only 张伟's); the service asks the two
spouses for five certificates (:data:`ASKS`); each spouse logs in and approves. Nothing
here touches the database directly, so the benchmark pulls exactly what a real service
would. :data:`ASKS` and :data:`LI_NA_RESIDENT_ID` are also what the bare baseline
(benchmarks/pull_baseline.py) signs, so both sides share the same five certificates.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx

ZHANG_WEI = "31010419900315123X"  # 张伟: ID card, marriage party A, household head
LI_NA = "320102199207082466"  # 李娜: marriage party B, household member
PUBLIC_SECURITY = "113100000000000017"  # the demo's 上海市公安局 (issues ID cards)
BUNDLE_ITEM = "birth_registration"  # 出生登记 allows every claim asked below
PURPOSE = "新生儿出生登记：核验父母身份与婚姻状况（基准测试）"
TIMEOUT_S = 60.0

RESIDENT_ID_CLAIMS = ["name", "sex", "birth_date", "id_number", "address"]
MARRIAGE_CLAIMS = ["certificate_number", "registration_date", "party_a", "party_b"]
HOUSEHOLD_CLAIMS = ["household_number", "address", "members"]

# The five certificates of one grant: holder -> type slug -> the claims asked.
ASKS: dict[str, dict[str, list[str]]] = {
    ZHANG_WEI: {
        "resident_id": RESIDENT_ID_CLAIMS,
        "marriage": MARRIAGE_CLAIMS,
        "household_register": HOUSEHOLD_CLAIMS,
    },
    LI_NA: {"resident_id": RESIDENT_ID_CLAIMS, "marriage": MARRIAGE_CLAIMS},
}
SHARES_PER_PULL = sum(len(types) for types in ASKS.values())

LI_NA_RESIDENT_ID: dict[str, Any] = {
    "name": "李娜",
    "sex": 2,
    "ethnicity": "01",
    "birth_date": "1992-07-08",
    "address": "上海市徐汇区示范路100弄1号101室",
    "id_number": LI_NA,
    "issuing_authority": "上海市公安局徐汇分局",
}


class SeedError(RuntimeError):
    """The server refused a seeding step: the benchmark cannot run (never a project error)."""


def _checked(response: httpx.Response, step: str) -> Any:
    if response.status_code >= 300:
        raise SeedError(f"{step}: HTTP {response.status_code} {response.text[:400]}")
    return response.json()


def admin_headers(admin_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {admin_token}"}


def mint_li_na_resident_id(http: httpx.Client, admin_token: str) -> str:
    """The demo mints only 张伟's ID card; 李娜 gets hers from the same issuer."""
    body = {"type": "resident_id", "holder": LI_NA, "fields": LI_NA_RESIDENT_ID}
    answer = http.post(
        f"/issuers/{PUBLIC_SECURITY}/certificates", json=body, headers=admin_headers(admin_token)
    )
    identifier: str = _checked(answer, "mint 李娜's ID card")["identifier"]
    return identifier


def register_client(http: httpx.Client, admin_token: str) -> tuple[str, str]:
    """One client_secret_basic service client allowed the bundle item; (id, secret)."""
    body = {
        "name": "基准测试：新生儿出生一件事",
        "uscc": PUBLIC_SECURITY,
        "bundle_items": [BUNDLE_ITEM],
        "auth_method": "client_secret_basic",
    }
    answer = _checked(
        http.post("/admin/clients", json=body, headers=admin_headers(admin_token)),
        "register the service client",
    )
    client = answer.get("client", answer)
    return str(client["client_id"]), str(answer["client_secret"])


def service_token(http: httpx.Client, client_id: str, secret: str) -> str:
    """A fresh access token (RFC 6749 §4.4, client_secret_basic): they live 5 minutes."""
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode("ascii")
    answer = http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "consent:request consent:pull"},
        headers={"Authorization": f"Basic {basic}"},
    )
    token: str = _checked(answer, "POST /oauth/token")["access_token"]
    return token


def citizen_session(http: httpx.Client, id_number: str, password: str) -> dict[str, str]:
    answer = http.post("/wallet/login", json={"id_number": id_number, "password": password})
    return {"Authorization": f"Bearer {_checked(answer, f'login {id_number}')['token']}"}


def approved_grant(
    http: httpx.Client, token: str, sessions: dict[str, dict[str, str]], max_uses: int
) -> str:
    """Ask both spouses for the five certificates, have each approve; the grant's id."""
    body = {
        "holders": [{"id_number": holder, "certificates": types} for holder, types in ASKS.items()],
        "purpose": PURPOSE,
        "bundle_item": BUNDLE_ITEM,
        "expires_in": 3600,
        "max_uses": max_uses,
    }
    service = {"Authorization": f"Bearer {token}"}
    answer = _checked(
        http.post("/consent/requests", json=body, headers=service), "POST /consent/requests"
    )
    grant_id = str(answer["id"])
    for holder in ASKS:
        _checked(
            http.post(
                f"/wallet/consent/requests/{grant_id}/approve", json={}, headers=sessions[holder]
            ),
            f"{holder} approves",
        )
    return grant_id


def approved_grants(
    http: httpx.Client, token: str, sessions: dict[str, dict[str, str]], count: int
) -> list[str]:
    """``count`` grants of the most uses a grant may have (1000), each approved by both."""
    return [approved_grant(http, token, sessions, max_uses=1000) for _ in range(count)]
