"""Per-client rate limits (issuers.api.rate_limits) on the app: each limited route
answers 429 ``rate_limited`` with ``Retry-After`` once its group's window is full, one
client's flood leaves another's count alone, and the window frees.

The app runs over its real services and database; the limiter is the app's own
(``create_app(limiter=...)``), with small limits. Clients are told apart by the ASGI
client address (``TestClient(client=...)``). Parallel requests against a real server,
X-Forwarded-For and ``serve --workers``: tests/e2e/test_rate_limits_server.py.
"""

from __future__ import annotations

import json
import time

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from issuers.api.rate_limits import (
    DEFAULT_LIMITS,
    GROUPS,
    RateLimiter,
    SweptMemoryStorage,
    parse_limits,
)
from issuers.errors import RateLimited
from tests.helpers import PASSWORDS, ZHANG_WEI, post_login
from tests.verifiers.web.inspector_form import inspect
from tests.wallet.clients.client_calls import FORM, add_basic_client, ask_token, basic, basic_token
from wallet.accounts.service import AccountService
from wallet.server.app import create_app
from wallet.server.settings import Settings
from wallet.server.wiring import Services

ALICE = ("198.51.100.7", 40000)  # documentation addresses (RFC 5737)
BOB = ("203.0.113.9", 40000)
TOKEN_FORM = {"grant_type": "client_credentials"}


def limited_app(services: Services, **limits: str) -> FastAPI:
    return create_app(services=services, prepare=False, limiter=RateLimiter(limits))


def open_client(app: FastAPI, address: tuple[str, int] = ALICE) -> TestClient:
    return TestClient(app, raise_server_exceptions=False, client=address)


def assert_limited(response: Response, group: str) -> int:
    """429 rate_limited naming ``group``; the Retry-After it sends."""
    assert response.status_code == 429, response.text
    retry_after = int(response.headers["retry-after"])
    assert retry_after >= 1
    error = response.json()["error"]
    assert error["code"] == "rate_limited"
    assert error["details"]["group"] == group
    assert error["details"]["retry_after"] == retry_after
    return retry_after


def verify(client: TestClient) -> Response:
    return client.post("/verify", json={"qr": "EL1:not-a-credential"})


# --- the limiter alone -------------------------------------------------------------


def test_a_full_window_refuses_with_the_seconds_until_it_frees() -> None:
    limiter = RateLimiter({"verify": "3/minute"})
    for _ in range(3):
        limiter.hit("verify", "a")
    with pytest.raises(RateLimited) as refused:
        limiter.hit("verify", "a")
    assert 1 <= refused.value.retry_after <= 60
    assert refused.value.status == 429
    limiter.hit("verify", "b")  # another key counts alone
    limiter.hit("pull", "a")  # and so does another group


def test_a_limit_is_shared_among_the_processes_counting_alone() -> None:
    limiter = RateLimiter({"verify": "20/second;600/minute", "login": "3/hour"}, share=2)
    assert [item.amount for item in limiter.limits("verify")] == [10, 300]
    assert [item.amount for item in limiter.limits("login")] == [2]  # rounded up


def test_settings_refuse_limits_that_do_not_read(settings: Settings) -> None:
    for limits, named in (({"verfy": "1/second"}, "verfy"), ({"login": "often"}, "login")):
        with pytest.raises(ValueError, match=named):
            Settings(**{**settings.model_dump(), "rate_limits": limits})
    with pytest.raises(ValueError, match="ELICENSE_RATE_LIMIT_STORAGE"):
        Settings(**{**settings.model_dump(), "rate_limit_storage": "carrier-pigeon://loft"})


def test_settings_take_only_addresses_and_networks_as_trusted_proxies(settings: Settings) -> None:
    """'*' would let any client pick its own rate-limit key through X-Forwarded-For."""
    for proxies in ("*", "not-an-ip", "10.0.0.0/33", "127.0.0.1, *"):
        with pytest.raises(ValueError, match="ELICENSE_TRUSTED_PROXIES"):
            Settings(**{**settings.model_dump(), "trusted_proxies": proxies})
    for proxies in ("", "127.0.0.1", "10.0.0.0/8, ::1, fd00::/8"):
        read = Settings(**{**settings.model_dump(), "trusted_proxies": proxies})
        assert read.trusted_proxies == proxies


def test_the_memory_storage_sweeps_in_its_own_time() -> None:
    """SweptMemoryStorage replaces limits' 10-ms sweep by overriding a name-mangled
    method: if a new limits renames it, this fails rather than the override going
    quietly unused. The sweep drops what expired, and the emptied key (bounded wait)."""
    assert callable(getattr(MemoryStorage, "_MemoryStorage__schedule_expiry", None))
    storage = SweptMemoryStorage()
    strategy = MovingWindowRateLimiter(storage)
    time.sleep(0.3)  # the hit expires after the first sweep: the next round must take it
    assert strategy.hit(parse_many("1/second")[0], "verify", "a")
    assert storage.timer.daemon  # ours, not the base class's
    deadline = time.monotonic() + 10
    while storage.events and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not storage.events


def test_every_group_has_a_default_that_reads() -> None:
    assert set(parse_limits({})) == set(GROUPS) == set(DEFAULT_LIMITS)


def test_the_environment_sets_the_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELICENSE_RATE_LIMITS", json.dumps({"pull": "7/second"}))
    read = Settings(demo=True)
    assert read.rate_limits == {"pull": "7/second"}


# --- each limited route ------------------------------------------------------------


def test_verify_is_limited_per_address(services: Services) -> None:
    app = limited_app(services, verify="3/minute")
    with open_client(app, ALICE) as alice, open_client(app, BOB) as bob:
        assert [verify(alice).status_code for _ in range(3)] == [200] * 3
        assert_limited(verify(alice), "verify")
        assert verify(bob).status_code == 200  # Alice's flood is hers alone


def test_image_verify_is_limited_before_the_image_is_read(services: Services) -> None:
    app = limited_app(services, verify_image="2/minute")
    files = {"image": ("qr.png", b"not a png", "image/png")}
    with open_client(app) as alice:
        codes = [alice.post("/verify/image", files=files).status_code for _ in range(2)]
        assert codes == [422, 422]  # unreadable, and counted
        assert_limited(alice.post("/verify/image", files=files), "verify_image")
        assert verify(alice).status_code == 200  # QR text has its own group


def test_the_inspector_page_counts_images_and_text_apart(services: Services) -> None:
    app = limited_app(services, verify="1/minute", verify_image="1/minute")
    with open_client(app) as alice:
        assert inspect(alice, "EL1:not-a-credential").status_code == 200
        refused = inspect(alice, "EL1:not-a-credential")
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert "请求过于频繁" in refused.text  # the page, not a JSON body
        assert inspect(alice, image=b"not a png").status_code == 422
        assert inspect(alice, image=b"not a png").status_code == 429


def test_login_is_limited_per_address_across_accounts(
    services: Services, accounts: AccountService
) -> None:
    app = limited_app(services, login="3/minute")
    body = {"id_number": ZHANG_WEI, "password": "wrong"}
    with open_client(app) as alice, open_client(app, BOB) as bob:
        assert [alice.post("/wallet/login", json=body).status_code for _ in range(2)] == [401] * 2
        right = {"id_number": ZHANG_WEI, "password": PASSWORDS[ZHANG_WEI]}
        assert alice.post("/wallet/login", json=right).status_code == 200
        assert_limited(alice.post("/wallet/login", json=right), "login")
        assert bob.post("/wallet/login", json=right).status_code == 200


def test_the_web_login_form_shares_the_login_limit(
    services: Services, accounts: AccountService
) -> None:
    app = limited_app(services, login="1/minute")
    with open_client(app) as alice:
        assert alice.post("/wallet/login", json={"id_number": ZHANG_WEI, "password": "x"}).is_error
        refused = post_login(alice, ZHANG_WEI, PASSWORDS[ZHANG_WEI])
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert "登录尝试过于频繁" in refused.text
        assert "elicense_session" not in refused.headers.get("set-cookie", "")


def test_tokens_are_limited_per_client_id(services: Services) -> None:
    app = limited_app(services, token="2/minute")
    first = add_basic_client(services.clients, "first-client")
    second = add_basic_client(services.clients, "second-client")
    with open_client(app) as alice:
        for _ in range(2):
            basic_token(alice, "first-client", first)
        refused = ask_token(alice, TOKEN_FORM, basic("first-client", first))
        assert_limited(refused, "token")
        # The same address, another client: its own count.
        basic_token(alice, "second-client", second)
        # A wrong secret never reaches the per-client count (it cannot throttle the
        # client it names): 401 invalid_client, as ever.
        assert ask_token(alice, TOKEN_FORM, basic("second-client", "guess")).status_code == 401
        basic_token(alice, "second-client", second)


def test_token_requests_are_limited_per_address_before_authenticating(
    services: Services,
) -> None:
    app = limited_app(services, token_address="2/minute")
    with open_client(app) as alice, open_client(app, BOB) as bob:
        guesses = [ask_token(alice, TOKEN_FORM, basic("nobody", "guess")) for _ in range(2)]
        assert [g.status_code for g in guesses] == [401, 401]
        assert_limited(ask_token(alice, TOKEN_FORM, FORM), "token_address")
        assert ask_token(bob, TOKEN_FORM, basic("nobody", "guess")).status_code == 401


def test_pulls_are_limited_per_client_id(services: Services) -> None:
    app = limited_app(services, pull="2/minute")
    secrets_of = {name: add_basic_client(services.clients, name) for name in ("puller", "other")}
    pull = {"purpose": "新生儿出生登记"}
    with open_client(app) as alice, open_client(app, BOB) as bob:
        bearer = {
            name: {"Authorization": "Bearer " + basic_token(alice, name, secret)}
            for name, secret in secrets_of.items()
        }
        for _ in range(2):  # an unknown grant is 404, and counted
            answer = alice.post("/consent/grants/g-none/pull", json=pull, headers=bearer["puller"])
            assert answer.status_code == 404
        refused = alice.post("/consent/grants/g-none/pull", json=pull, headers=bearer["puller"])
        assert_limited(refused, "pull")
        # From another address the same client is still over its limit: keyed by client.
        refused = bob.post("/consent/grants/g-none/pull", json=pull, headers=bearer["puller"])
        assert_limited(refused, "pull")
        other = alice.post("/consent/grants/g-none/pull", json=pull, headers=bearer["other"])
        assert other.status_code == 404
        # No token: 401 before anything is counted.
        assert alice.post("/consent/grants/g-none/pull", json=pull).status_code == 401


def test_the_window_frees(services: Services) -> None:
    """A 1-second window: refused at once, then served again; the wait is bounded and
    nothing here asserts on how long it took."""
    app = limited_app(services, verify="2/second")
    with open_client(app) as alice:
        assert [verify(alice).status_code for _ in range(2)] == [200, 200]
        assert assert_limited(verify(alice), "verify") == 1
        deadline = time.monotonic() + 10
        while (answer := verify(alice)).status_code == 429 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert answer.status_code == 200


def test_the_429_is_documented_on_every_limited_operation(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    for path in ("/verify", "/verify/image", "/wallet/login", "/oauth/token"):
        documented = paths[path]["post"]["responses"]["429"]
        assert "Retry-After" in documented["headers"], path
    assert "429" in paths["/consent/grants/{grant_id}/pull"]["post"]["responses"]
