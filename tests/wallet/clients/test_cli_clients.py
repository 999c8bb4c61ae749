"""``elicense clients add|list|disable|rotate-secret``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jwcrypto import jwk

from tests.wallet.clients.client_calls import HUKOU_USCC
from wallet.cli.main import main
from wallet.server import demo


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


@pytest.mark.usefixtures("cli_env")
def test_clients_verbs(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    add = ["clients", "add", "--name", "徐汇公安分局户政", "--uscc", HUKOU_USCC]
    code, out = _run(capsys, *add, "--item", "birth_registration", "--client-id", "sh-hukou")
    assert code == 0
    created = json.loads(out)
    assert created["client"]["client_id"] == "sh-hukou"
    first_secret = created["client_secret"]
    assert len(first_secret) >= 43

    key_file = tmp_path / "key.json"
    key_file.write_text(jwk.JWK.generate(kty="OKP", crv="Ed25519").export_public())
    code, out = _run(capsys, *add, "--item", "social_security_card", "--jwk-file", str(key_file))
    assert code == 0
    jwt_client = json.loads(out)
    assert jwt_client["client_secret"] is None
    assert jwt_client["client"]["auth_method"] == "private_key_jwt"

    code, out = _run(capsys, "clients", "rotate-secret", "sh-hukou")
    assert code == 0
    assert json.loads(out)["client_secret"] not in (first_secret, None)
    assert _run(capsys, "clients", "disable", "sh-hukou")[0] == 0
    code, out = _run(capsys, "clients", "list")
    listed = {c["client_id"]: c for c in json.loads(out)}
    assert listed["sh-hukou"]["disabled"] is True
    assert len(listed) == 2
    assert first_secret not in out
    assert "argon2" not in out


@pytest.mark.usefixtures("cli_env")
def test_clients_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["clients", "disable", "nobody"]) == 1
    bad = tmp_path / "bad.json"
    bad.write_text("[1]")
    add = ["clients", "add", "--name", "x", "--uscc", HUKOU_USCC, "--item", "birth_registration"]
    assert main([*add, "--jwk-file", str(bad)]) == 2
    assert main([*add[:-1], "no_such_item"]) == 1
    capsys.readouterr()


def test_demo_clients_are_listed_before_the_demo_ever_served(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    tmp_path: Path,
) -> None:
    """``elicense clients list --demo`` on a fresh database shows the demo's clients,
    as ``serve --demo`` seeds them (the CLI seeds what the server seeds)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ELICENSE_DATABASE_URL", database_url)
    monkeypatch.setenv("ELICENSE_DATA_DIR", str(tmp_path / "var"))
    code, out = _run(capsys, "clients", "list", "--demo")
    assert code == 0
    assert {c["client_id"] for c in json.loads(out)} == set(demo.DEMO_CLIENTS)
    code, out = _run(capsys, "clients", "list", "--demo")  # seeded once
    assert [c["client_id"] for c in json.loads(out)].count("newborn-bundle") == 1
