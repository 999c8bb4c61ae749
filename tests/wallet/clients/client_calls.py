"""Shared calls of the service-client tests: register a client, ask for a token by HTTP
Basic or by a client assertion made with jwcrypto (independent of our joserfc code)."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote_plus

from fastapi.testclient import TestClient
from httpx import Response
from jwcrypto import jwk, jwt

from wallet.clients.records import ASSERTION_TYPE
from wallet.clients.service import ClientService

HUKOU_USCC = "11310104002410001L"  # 徐汇公安分局 (GB 32100 check character right)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def add_basic_client(
    clients: ClientService, client_id: str = "xuhui-hukou", items: tuple[str, ...] = ()
) -> str:
    """Register a client_secret_basic client; its secret."""
    _, secret = clients.add(
        "徐汇公安分局户政",
        HUKOU_USCC,
        items or ("birth_registration",),
        "client_secret_basic",
        client_id=client_id,
    )
    assert secret is not None
    return secret


def add_jwt_client(clients: ClientService, key: jwk.JWK, client_id: str = "newborn-jwt") -> None:
    clients.add(
        "新生儿一件事",
        HUKOU_USCC,
        ("birth_registration",),
        "private_key_jwt",
        json.loads(key.export_public()),
        client_id,
    )


def basic(client_id: str, secret: str) -> dict[str, str]:
    """RFC 6749 §2.3.1: each part form-urlencoded, then RFC 7617 Basic."""
    pair = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode(), **FORM}


def ask_token(
    client: TestClient, data: dict[str, str] | str, headers: dict[str, str] | None = None
) -> Response:
    return client.post(
        "/oauth/token",
        content=data if isinstance(data, str) else _form(data),
        headers=headers or FORM,
    )


def _form(data: dict[str, str]) -> str:
    return "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in data.items())


def basic_token(client: TestClient, client_id: str, secret: str, scope: str = "") -> str:
    data = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    response = ask_token(client, data, basic(client_id, secret))
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def assertion(
    key: jwk.JWK,
    client_id: str,
    audience: str,
    now: datetime,
    *,
    alg: str = "EdDSA",
    lifetime: timedelta = timedelta(minutes=2),
    drop: tuple[str, ...] = (),
    **claims: Any,
) -> str:
    """An RFC 7523 client assertion signed by jwcrypto."""
    body: dict[str, Any] = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "jti": uuid.uuid4().hex,
        **claims,
    }
    for name in drop:
        body.pop(name)
    token = jwt.JWT(header={"alg": alg, "typ": "JWT"}, claims=body)
    token.make_signed_token(key)
    return str(token.serialize())


def assertion_form(signed: str, **extra: str) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": signed,
        **extra,
    }


def oauth_error(response: Response) -> str:
    """The §5.2 error code, checking the §5.2 shape and the no-store header."""
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"error", "error_description"}
    code: str = body["error"]
    return code
