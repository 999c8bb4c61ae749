"""``elicense device approve|deny`` against a real wallet server on a loopback socket
(the test app served by uvicorn in a thread, so the service side can be driven with the
test client on the same services): the CLI registers the phone's key, reads the
request, signs the KB-JWT inputs the wallet prepares and approves; the shares the
service then pulls are bound to the phone's key, checked with the ``sd-jwt`` library."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from issuers.crypto.keys import SigningKey, b64url
from tests.e2e.demo_server import HOST, free_port
from tests.helpers import CHEN_QIANG, LI_NA, PASSWORDS, ZHANG_WEI, assert_error
from tests.wallet.citizens import login, mint
from tests.wallet.consent.consent_calls import decide, made, service_headers
from tests.wallet.consent.share_calls import NONCE, library_payload, mint_spouses, pull, requested
from wallet.cli.main import main
from wallet.holders.device_proof import registration_message
from wallet.server.wiring import Services

pytestmark = pytest.mark.usefixtures("accounts")
ZHANG_HAO = "310104201605200318"  # 张浩, born 2016: 张伟's minor son


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """``app`` on a loopback port, served by uvicorn in a thread; its base URL."""
    config = uvicorn.Config(app, host=HOST, port=free_port(), lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        thread.join(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://{HOST}:{config.port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def wallet_server(app: FastAPI) -> Iterator[str]:
    with serving(app) as base:
        yield base


def device(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    base: str,
    who: str,
    *argv: str,
) -> tuple[int, str, str]:
    """``elicense device ...`` in this process as ``who``: (exit code, stdout, stderr)."""
    monkeypatch.setenv("ELICENSE_PASSWORD", PASSWORDS[who])
    code = main(["device", *argv, "--server", base, "--id-number", who])
    out, err = capsys.readouterr()
    return code, out, err


def phone_key(path: Path) -> SigningKey:
    return SigningKey.from_pem(path.read_bytes())


def test_the_phone_approves_and_the_shares_are_bound_to_its_key(
    client: TestClient,
    services: Services,
    admin_headers: dict[str, str],
    wallet_server: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def run(who: str, *argv: str) -> tuple[int, str, str]:
        return device(capsys, monkeypatch, wallet_server, who, *argv)

    mint_spouses(client, admin_headers)
    phone = tmp_path / "phone.pem"
    code, out, err = run(LI_NA, "register", "--key", str(phone))
    assert code == 0, err
    assert out.startswith("device ")
    client_id, service, request_id = requested(client, services)
    assert decide(client, login(client, ZHANG_WEI), request_id).status_code == 200

    other = tmp_path / "other.pem"  # a key the wallet does not bind to 李娜
    other.write_bytes(SigningKey.generate().to_pem())
    code, out, err = run(LI_NA, "approve", "--key", str(other), "--request", request_id)
    assert code == 1
    assert "holder_signature_invalid" in err
    assert out == ""
    assert_error(pull(client, service, request_id), 409, "consent_pending")  # nothing kept

    code, out, err = run(LI_NA, "approve", "--key", str(phone), "--request", request_id)
    assert code == 0, err
    outcome = json.loads(out)
    assert outcome["request"] == request_id
    assert outcome["decision"] == "approved"
    assert outcome["holder"] == LI_NA
    assert outcome["state"] == "active"  # both spouses approved: a grant
    assert outcome["bundle_item"] == "birth_registration"
    assert len(outcome["signed"]) == 2  # her ID card and the marriage

    response = pull(client, service, request_id)
    assert response.status_code == 200, response.text
    shares = response.json()["shares"]
    hers = [share for share in shares if share["holder"] == LI_NA]
    assert sorted(share["identifier"] for share in hers) == outcome["signed"]
    for share in shares:
        payload = library_payload(client, share["sd_jwt"], aud=client_id, nonce=NONCE)
        bound_to_phone = payload["cnf"]["jwk"] == phone_key(phone).public.to_jwk()
        assert bound_to_phone is (share["holder"] == LI_NA)


def test_the_phone_denies_and_nothing_can_be_pulled(
    client: TestClient,
    services: Services,
    admin_headers: dict[str, str],
    wallet_server: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mint_spouses(client, admin_headers)
    _, service, request_id = requested(client, services)
    code, out, err = device(
        capsys, monkeypatch, wallet_server, LI_NA, "deny", "--request", request_id
    )
    assert code == 0, err
    outcome = json.loads(out)
    assert (outcome["decision"], outcome["state"], outcome["signed"]) == ("denied", "denied", [])
    assert_error(pull(client, service, request_id), 403, "consent_denied")


def test_a_custodial_holder_and_a_stranger_are_refused(
    client: TestClient,
    services: Services,
    admin_headers: dict[str, str],
    wallet_server: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mint_spouses(client, admin_headers)
    _, service, request_id = requested(client, services)
    key = tmp_path / "phone.pem"
    key.write_bytes(SigningKey.generate().to_pem())
    approve = ("approve", "--key", str(key), "--request", request_id)

    code, out, err = device(capsys, monkeypatch, wallet_server, ZHANG_WEI, *approve)
    assert (code, out) == (1, "")
    assert "conflict" in err  # his key is custodial: the platform signs, no device

    code, out, err = device(capsys, monkeypatch, wallet_server, CHEN_QIANG, *approve)
    assert (code, out) == (1, "")
    assert "not_found" in err  # not his request: exactly like a missing one
    code, _, err = device(capsys, monkeypatch, wallet_server, CHEN_QIANG, "deny", "--request", "x")
    assert code == 1
    assert "not_found" in err
    assert_error(pull(client, service, request_id), 409, "consent_pending")


def test_a_missing_key_file_is_a_usage_error_before_the_network(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ("approve", "--key", str(tmp_path / "none.pem"), "--request", "r1")
    code, _, err = device(capsys, monkeypatch, "http://127.0.0.1:9", LI_NA, *argv)
    assert code == 2
    assert "device register" in err


def test_the_phone_signs_nothing_for_a_wallet_that_asks_for_something_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wallet that sends, as the "KB-JWT input", the registration message a device
    signs to bind its key gets no signature and no approval."""
    key = SigningKey.generate()
    (tmp_path / "phone.pem").write_bytes(key.to_pem())
    hostile = registration_message("0" * 64, LI_NA)
    calls: list[str] = []
    fake = FastAPI()

    @fake.post("/wallet/login")
    def _login() -> dict[str, str]:
        return {"token": "t"}

    @fake.post("/wallet/logout")
    def _logout() -> dict[str, str]:
        return {}

    @fake.get("/wallet/consent/requests/r1")
    def _detail() -> dict[str, Any]:
        certificate = {"identifier": "c1"}
        return {"id": "r1", "mine": [{"holder_id_number": LI_NA, "certificates": [certificate]}]}

    @fake.post("/wallet/consent/requests/r1/prepare")
    def _prepare() -> dict[str, Any]:
        return {"key_binding_inputs": {"c1": b64url(hostile)}}

    @fake.post("/wallet/consent/requests/r1/approve")
    def _approve(body: dict[str, Any]) -> dict[str, Any]:
        calls.append(json.dumps(body))
        return {"id": "r1", "state": "active"}

    argv = ("approve", "--key", str(tmp_path / "phone.pem"), "--request", "r1")
    with serving(fake) as base:
        code, out, err = device(capsys, monkeypatch, base, LI_NA, *argv)
    assert (code, out, calls) == (1, "", [])
    assert "malformed" in err


def test_a_parent_decides_for_a_minor_with_on_behalf_of_and_a_stranger_cannot(
    client: TestClient,
    services: Services,
    admin_headers: dict[str, str],
    wallet_server: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mint(client, admin_headers, "household_register")  # 张伟 户主, 张浩 子: the proof
    _, service = service_headers(services)
    asks = {"household_register": ["household_number"]}
    request_id = made(client, service, {ZHANG_HAO: asks}, item="medical_insurance_enrolment")
    deny = ("deny", "--request", request_id, "--on-behalf-of", ZHANG_HAO)

    code, out, err = device(capsys, monkeypatch, wallet_server, CHEN_QIANG, *deny)
    assert (code, out) == (1, "")
    assert "relation_unproven" in err
    code, out, err = device(capsys, monkeypatch, wallet_server, ZHANG_WEI, *deny)
    assert code == 0, err
    outcome = json.loads(out)
    assert (outcome["holder"], outcome["state"]) == (ZHANG_HAO, "denied")
    assert_error(pull(client, service, request_id), 403, "consent_denied")
