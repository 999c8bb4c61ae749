"""``elicense audit verify --checkpoints FILE``: the chain checked against checkpoints
saved outside the database (from ``GET /audit/checkpoints``), so wiping the log, its
head and its checkpoints, or deleting checkpoint rows, is named and not reported as an
intact log. The saved pages come from the real route, as a service would save them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from issuers.store.database import write_transaction
from tests.app_fixtures import FixedClock
from tests.wallet.audit.audit_world import append_many
from wallet.cli import main
from wallet.server.wiring import Services


@pytest.fixture
def logged(services: Services, clock: FixedClock) -> Services:
    """Five rows, checkpoints at rows 1 and 4."""
    append_many(services.audit, services.engine, clock, 3)
    clock.now += timedelta(minutes=2)
    append_many(services.audit, services.engine, clock, 2)
    assert [cp.count for cp in services.audit.checkpoints()] == [4, 1]
    return services


def saved_pages(client: TestClient) -> list[dict[str, Any]]:
    """Every page of ``GET /audit/checkpoints``, one checkpoint a page, as a list."""
    pages, after = [], None
    while True:
        params = {"limit": 1} | ({} if after is None else {"after": after})
        page = client.get("/audit/checkpoints", params=params).json()
        pages.append(page)
        if (after := page["next_after"]) is None:
            return pages


def run(services: Services, *statements: str) -> None:
    with write_transaction(services.engine) as conn:
        for statement in statements:
            conn.execute(text(statement))


def verify(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any], str]:
    code = main(["audit", "verify", "--checkpoints", str(path)])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


WIPE = (
    "DELETE FROM audit_entry_holders",
    "DELETE FROM audit_entries",
    "DELETE FROM audit_head",
    "DELETE FROM audit_checkpoints",
)


def test_an_intact_log_matches_its_saved_checkpoints(
    logged: Services, client: TestClient, cli_env: dict[str, str], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    saved = tmp_path / "checkpoints.json"
    saved.write_text(json.dumps(saved_pages(client)))
    code, out, _ = verify(saved, capsys)
    assert (code, out["intact"], out["rows"], out["saved_checkpoints"]) == (0, True, 5, 2)


def test_a_wiped_log_is_not_an_intact_empty_one(
    logged: Services, client: TestClient, cli_env: dict[str, str], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    saved = tmp_path / "checkpoints.json"
    saved.write_text(json.dumps(client.get("/audit/checkpoints").json()))  # one page
    run(logged, *WIPE)
    assert logged.audit.verify().intact  # what the log alone says: why the copy matters
    code, out, err = verify(saved, capsys)
    assert code == 1
    assert out["damage"]["row"] == 1
    assert out["damage"]["kind"] == "deleted"
    assert "rows from 1 deleted" in err


def test_deleted_checkpoint_rows_are_named(
    logged: Services, client: TestClient, cli_env: dict[str, str], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    saved = tmp_path / "checkpoints.json"
    saved.write_text(json.dumps(saved_pages(client)))
    run(logged, "DELETE FROM audit_checkpoints")
    assert logged.audit.verify().intact
    code, out, err = verify(saved, capsys)
    assert code == 1
    assert out["damage"]["kind"] == "checkpoint_deleted"
    assert "checkpoint 1 deleted" in err


def test_the_tail_deleted_with_its_checkpoint_and_head_is_named(
    logged: Services, client: TestClient, cli_env: dict[str, str], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    saved = tmp_path / "checkpoints.json"
    saved.write_text(json.dumps(saved_pages(client)))
    run(
        logged,
        "DELETE FROM audit_entry_holders WHERE seq >= 2",
        "DELETE FROM audit_entries WHERE seq >= 2",
        "DELETE FROM audit_checkpoints WHERE count >= 2",
    )
    code, out, err = verify(saved, capsys)
    assert code == 1
    assert "rows from 2 deleted: saved checkpoint 4 counts 4 rows, 1 remain" in err
    assert out["damage"]["row"] == 2


def test_an_edited_saved_checkpoint_is_refused(
    logged: Services, client: TestClient, cli_env: dict[str, str], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    page = client.get("/audit/checkpoints").json()
    header, payload, signature = page["checkpoints"][0]["jws"].split(".")
    page["checkpoints"][0]["jws"] = f"{header}.{payload}.{signature[:-4]}AAAA"
    saved = tmp_path / "checkpoints.json"
    saved.write_text(json.dumps(page))
    code, out, err = verify(saved, capsys)
    assert (code, out["damage"]["kind"]) == (1, "checkpoint_invalid")
    assert "saved checkpoint 4" in err


@pytest.mark.parametrize("content", ["not json", '{"checkpoints": 3}', '[{"jws": 5}]', "{}"])
def test_a_file_that_is_not_saved_checkpoints_is_a_usage_error(
    logged: Services, cli_env: dict[str, str], tmp_path: Path,
    capsys: pytest.CaptureFixture[str], content: str,
) -> None:  # fmt: skip
    saved = tmp_path / "checkpoints.json"
    saved.write_text(content)
    assert main(["audit", "verify", "--checkpoints", str(saved)]) == 2
    assert "checkpoints" in capsys.readouterr().err


@pytest.fixture
def served(client: TestClient) -> Iterator[str]:
    """The app's routes on a loopback port, for ``--url`` (which speaks real HTTP)."""

    class Relay(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            answer = client.get(self.path)
            self.send_response(answer.status_code)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(answer.content)

        def log_message(self, *_args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Relay)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_url_fetches_every_page_from_a_server(
    logged: Services, served: str, cli_env: dict[str, str], clock: FixedClock,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    for _ in range(101):  # more checkpoints than one page of 100
        clock.now += timedelta(minutes=2)
        append_many(logged.audit, logged.engine, clock, 1)
    assert main(["audit", "verify", "--url", served]) == 0
    assert json.loads(capsys.readouterr().out)["saved_checkpoints"] == 103


def test_url_must_be_http(cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "verify", "--url", "file:///etc/passwd"]) == 2
    assert "--url must be an http(s) URL" in capsys.readouterr().err
