"""Status changes over HTTP (admin) and the CLI; the verifier sees them at once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import PUBLIC_SECURITY, assert_error, mint, sample, verify
from wallet.cli.main import main

TRANSPORT = "11330000000000003M"  # 浙江省交通运输厅


def _status(client: TestClient, headers: dict[str, str], identifier: str, **body: Any) -> Any:
    return client.post(
        f"/issuers/{TRANSPORT}/certificates/{identifier}/status", json=body, headers=headers
    )


def test_suspend_reinstate_revoke_over_http(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    minted = mint(client, admin_headers, "ride_hailing_driver")
    identifier, qr = minted["identifier"], minted["qr"]
    assert verify(client, qr)["valid"] is True
    assert verify(client, qr)["status_checked"] is True

    response = _status(client, admin_headers, identifier, status="02", reason="调查中")
    assert response.status_code == 200, response.text
    assert response.json()["previous"] == "01"
    assert verify(client, qr)["code"] == "suspended"

    assert _status(client, admin_headers, identifier, status="01").status_code == 200
    assert verify(client, qr)["valid"] is True

    response = _status(client, admin_headers, identifier, status="07", reason="吊销")
    assert response.json()["status_name_zh"] == "吊销"
    assert verify(client, qr)["code"] == "revoked"
    assert_error(_status(client, admin_headers, identifier, status="01"), 409, "conflict")


def test_status_changes_need_the_token_and_the_right_issuer(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    identifier = mint(client, admin_headers, "ride_hailing_driver")["identifier"]
    assert_error(_status(client, {}, identifier, status="02"), 401, "unauthorized")
    wrong_issuer = client.post(
        f"/issuers/{PUBLIC_SECURITY}/certificates/{identifier}/status",
        json={"status": "02"},
        headers=admin_headers,
    )
    assert_error(wrong_issuer, 404, "not_found")
    assert_error(_status(client, admin_headers, identifier, status="09"), 422, "invalid_input")
    assert verify(client, mint(client, admin_headers, "ride_hailing_driver")["qr"])["valid"]


@pytest.mark.usefixtures("cli_env")
def test_cli_suspend_reinstate_revoke(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    fields = tmp_path / "driver.json"
    fields.write_text(json.dumps(sample("ride_hailing_driver")["fields"]), "utf-8")
    assert (
        main(
            [
                "mint",
                "ride_hailing_driver",
                "--issuer",
                TRANSPORT,
                "--json",
                "--fields-json",
                str(fields),
            ]
        )
        == 0
    )
    minted = json.loads(capsys.readouterr().out)
    identifier, qr = minted["identifier"], minted["qr"]

    assert main(["suspend", identifier, "--reason", "调查", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["to"] == "02"
    assert main(["verify", qr, "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["code"] == "suspended"

    assert main(["reinstate", identifier]) == 0
    capsys.readouterr()
    assert main(["verify", qr, "--json"]) == 0
    capsys.readouterr()

    assert main(["revoke", identifier, "--code", "04", "--reason", "注销", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["to_name"] == "注销"
    assert main(["verify", qr, "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["code"] == "revoked"
    assert main(["reinstate", identifier, "--json"]) == 1  # final: a typed conflict
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "conflict"
