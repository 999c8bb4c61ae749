"""No personal data in the logs (issue 12, Serving): every route of the authorisation
matrix, as every role, with real data, plus failures and an unhandled exception, first
in process (every log record, formatted both ways, and whatever reached stdout/stderr)
and then against a real ``elicense serve`` (its stderr). Neither may hold any synthetic
ID number, name, password, session or service token, cookie, client secret, QR text or
SD-JWT used or handed out. The scan is proved by a line that does leak."""

from __future__ import annotations

import base64
import json
import logging
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from tests.app_fixtures import TEST_ADMIN_TOKEN, TEST_MASTER_KEY
from tests.e2e.demo_server import ELICENSE, HOST, demo_env, free_port, stop_process
from tests.helpers import LI_NA, PASSWORDS, ZHANG_WEI
from tests.wallet.matrix_rows import ROWS
from tests.wallet.roles import Role, World, build_world
from tests.wallet.server.log_scan import harvest, leaks, people_secrets, rendered
from tests.wallet.test_authorisation_matrix import _answer
from wallet.server import demo
from wallet.server.logs import JsonFormatter
from wallet.server.settings import Settings
from wallet.server.wiring import Services, build_services

STARTUP_TIMEOUT_S = 60


def drive(world: World) -> list[Response]:
    """Every row as every role (the matrix's own calls), then the failures."""
    responses = []
    for row in ROWS:
        for role in sorted(Role, key=lambda r: (r in row.allowed, r.value)):
            try:
                responses.append(_answer(world, row, role))
            except AssertionError:  # a row's setup call refused: what was sent is logged
                continue
    return responses + failures(world)


def failures(world: World) -> list[Response]:
    """Wrong passwords, bad credentials and personal data where it does not belong:
    in an unknown path, a query string, a request id, a body the app refuses."""
    send = world.client.request
    wrong = {"id_number": ZHANG_WEI, "password": PASSWORDS[LI_NA]}
    return [
        send("POST", "/wallet/login", json=wrong),
        send("POST", "/wallet/login", json={"id_number": LI_NA, "password": "x"}),
        send("POST", "/verify", json={"qr": world.qr[:-7] + "AAAAAAA"}),
        send("POST", "/verify", json={"qr": f"HC1:{ZHANG_WEI}"}),
        send("GET", f"/wallet/certificates/{ZHANG_WEI}", headers=world.a_headers()),
        send("GET", f"/no/such/{ZHANG_WEI}", params={"id_number": LI_NA, "name": "张伟"}),
        send("GET", "/healthz", headers={"X-Request-ID": f"req-{ZHANG_WEI}"}),
        send("POST", "/codes/check", json={"kind": "resident_id", "value": ZHANG_WEI[:-1] + "0"}),
        send("POST", "/wallet/login", content=f'{{"id_number": "{ZHANG_WEI}", '.encode()),
        send("GET", "/wallet/me", headers={"Authorization": f"Bearer {PASSWORDS[ZHANG_WEI]}"}),
    ]


def secrets_of(world: World, responses: list[Response]) -> set[str]:
    tokens = {*world.sessions.values(), TEST_ADMIN_TOKEN, world.qr}
    tokens |= {part for pair in world.web_sessions.values() for part in pair}
    tokens |= {s.secret for s in world.service_roles.values()}
    tokens |= {s.token for s in world.service_roles.values()}
    return people_secrets() | tokens | harvest(responses)


def _boom(app: FastAPI) -> None:
    """A route with a bug that quotes its input in the exception (the 500 path)."""

    def boom(code: str) -> None:
        raise RuntimeError(f"no account for {code} ({PASSWORDS[ZHANG_WEI]})")

    app.add_api_route("/test-only/boom/{code}", boom, methods=["GET"])


def test_a_leaking_line_is_caught(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    logging.getLogger("elicense.test").info("login for %s", ZHANG_WEI)
    logging.getLogger("elicense.test").info("ok", extra={"fields": {"who": "张伟"}})
    found = leaks(rendered(caplog.records), people_secrets())
    assert found == sorted({ZHANG_WEI, "张伟"})
    escaped = json.dumps({"msg": "李娜"})  # ensure_ascii: \u674e\u5a1c
    assert leaks(escaped, people_secrets()) == ["李娜"]


def test_every_route_in_process_logs_nothing_personal(
    app: FastAPI,
    client: TestClient,
    services: Services,
    admin_headers: dict[str, str],
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    _boom(app)
    world = build_world(client, services, admin_headers)
    responses = drive(world)
    crashed = client.get(f"/test-only/boom/{ZHANG_WEI}")
    assert crashed.status_code == 500
    requests = [r for r in caplog.records if r.name == "elicense.access"]
    assert len(requests) >= len(responses) + 1  # each request logged (setup calls too)
    assert any(getattr(r, "exc_info", None) for r in caplog.records)  # the 500, by type
    output = capfd.readouterr()
    text = rendered(caplog.records) + output.out + output.err
    secrets = secrets_of(world, responses)
    assert any(s.count("~") >= 2 for s in secrets)  # the pulled SD-JWTs are looked for
    assert not leaks(text, secrets), "personal data in the logs"


# --- a real `elicense serve` ------------------------------------------------------------


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[tuple[str, Path, dict[str, str]]]:
    """``elicense db upgrade`` then ``elicense serve`` (not demo mode) on a loopback
    port; (base URL, its stderr file, its environment)."""
    port = free_port()
    base = f"http://{HOST}:{port}"
    env = demo_env(database_url) | {
        "ELICENSE_MASTER_KEY": base64.b64encode(TEST_MASTER_KEY).decode(),
        "ELICENSE_ADMIN_TOKEN": TEST_ADMIN_TOKEN,
        "ELICENSE_PUBLIC_BASE_URL": base,
        "ELICENSE_DATA_DIR": str(tmp_path / "var"),
    }
    upgrade = subprocess.run(
        [str(ELICENSE), "db", "upgrade"], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert upgrade.returncode == 0, upgrade.stderr
    stderr = tmp_path / "serve.stderr"
    with stderr.open("wb") as handle:
        server = subprocess.Popen(
            [str(ELICENSE), "serve", "--host", HOST, "--port", str(port)],
            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=handle,
        )  # fmt: skip
    try:
        _wait_ready(server, base, stderr)
        yield base, stderr, env
    finally:
        stop_process(server)


def _wait_ready(server: subprocess.Popen[bytes], base: str, stderr: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        if server.poll() is not None:
            pytest.fail(f"serve exited {server.returncode}:\n{stderr.read_text()}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"not ready in {STARTUP_TIMEOUT_S} s:\n{stderr.read_text()}")
        time.sleep(0.2)


def test_every_route_of_a_real_server_logs_nothing_personal(
    served: tuple[str, Path, dict[str, str]], tmp_path: Path
) -> None:
    base, stderr, env = served
    settings = Settings(
        database_url=env["ELICENSE_DATABASE_URL"],
        data_dir=tmp_path / "var",
        master_key=env["ELICENSE_MASTER_KEY"],
        admin_token=TEST_ADMIN_TOKEN,
        public_base_url=base,
    )
    services = build_services(settings)  # the same database: the world's fixtures
    try:
        for info in demo.sample_issuers():
            services.issuance.register_issuer(info)
        admin = {"Authorization": f"Bearer {TEST_ADMIN_TOKEN}"}
        with httpx.Client(base_url=base, timeout=30) as http:
            world = build_world(http, services, admin)  # type: ignore[arg-type]
            responses = drive(world)
            secrets = secrets_of(world, responses)
    finally:
        services.engine.dispose()
    log = stderr.read_text("utf-8")
    lines = [line for line in log.splitlines() if line.startswith("{")]
    requests = [json.loads(line) for line in lines if '"elicense.access"' in line]
    assert len(requests) >= len(responses)
    assert {"method", "route", "status", "duration_ms", "request_id", "pid"} <= set(requests[0])
    assert not leaks(log, secrets), "personal data in the server's log"


def test_the_json_formatter_keeps_one_object_a_line() -> None:
    record = logging.makeLogRecord({"msg": "a\nb", "levelname": "INFO", "name": "x"})
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert json.loads(line)["msg"] == "a\nb"
